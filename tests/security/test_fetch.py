"""The guarded fetcher (plugstack.net.fetch) against real local HTTP servers.

Every test target here is a loopback address, which the default policy refuses; the
"allowed" server is allowed through the policy's explicit ``allowed_networks`` (127.0.0.1
only), so redirects from it to other loopback addresses test the per-hop check.
"""

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from plugstack.errors import PayloadTooLargeError
from plugstack.net.fetch import FetchPolicy, FetchRefusedError, fetch_to_file, is_public

BODY = b'{"question": "q", "answer": "a"}\n'


class _Handler(BaseHTTPRequestHandler):
    """/ok answers BODY; /to?url=X redirects to X; /loop redirects to itself; /big is large; /slow trickles."""

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/ok":
            self._answer(BODY)
        elif path == "/to":
            self._redirect(query.removeprefix("url="))
        elif path == "/loop":
            self._redirect("/loop")
        elif path == "/big":
            self._answer(b"x" * 100_000)
        elif path == "/slow":
            self.send_response(200)
            self.end_headers()
            for _ in range(300):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        else:
            self.send_error(404)

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a trickling answer is not waited for


class _V6Server(_Server):
    address_family = socket.AF_INET6


def _serve(host: str) -> Iterator[str]:
    httpd = (_V6Server if ":" in host else _Server)((host, 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        shown = f"[{host}]" if ":" in host else host
        yield f"http://{shown}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def allowed() -> Iterator[str]:
    yield from _serve("127.0.0.1")


@pytest.fixture(scope="module")
def other_loopback() -> Iterator[str]:
    yield from _serve("127.0.0.2")


@pytest.fixture(scope="module")
def ipv6_loopback() -> Iterator[str]:
    yield from _serve("::1")


LETTING_127_0_0_1 = FetchPolicy(allowed_networks=["127.0.0.1/32"], timeout_s=10)


def _refused(url: str, policy: FetchPolicy, target: Path) -> str:
    with pytest.raises(FetchRefusedError) as caught:
        fetch_to_file(url, target, policy)
    assert not target.exists()
    return caught.value.detail.replace(url, "URL")


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
     "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "ff02::1", "::ffff:127.0.0.1",
     "::ffff:169.254.169.254", "2002:7f00:1::", "64:ff9b::a9fe:a9fe"],
)  # fmt: skip
def test_the_classifier_refuses_every_non_public_address(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_the_classifier_lets_public_addresses_through(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_the_default_policy_refuses_loopback_private_and_metadata_alike(
    allowed: str, other_loopback: str, ipv6_loopback: str, tmp_path: Path
) -> None:
    """Running servers, a closed port, a name resolving to loopback and the metadata address: one answer."""
    port = allowed.rsplit(":", 1)[1]
    urls = [
        f"{allowed}/ok",
        f"{other_loopback}/ok",
        f"{ipv6_loopback}/ok",
        f"http://localhost:{port}/ok",
        "http://127.0.0.1:9/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/ok",
        "ftp://127.0.0.1/ok",
    ]
    assert {_refused(url, FetchPolicy(timeout_s=5), tmp_path / "out") for url in urls} == {
        _refused(urls[0], FetchPolicy(), tmp_path / "out")
    }


def test_an_allowed_server_is_fetched(allowed: str, tmp_path: Path) -> None:
    fetched = fetch_to_file(f"{allowed}/ok", tmp_path / "out", LETTING_127_0_0_1)
    assert (tmp_path / "out").read_bytes() == BODY and fetched.url == f"{allowed}/ok"
    fetched = fetch_to_file(f"{allowed}/to?url=/ok", tmp_path / "out2", LETTING_127_0_0_1)
    assert fetched.url == f"{allowed}/ok"


def test_every_redirect_is_checked_again(allowed: str, other_loopback: str, ipv6_loopback: str, tmp_path: Path) -> None:
    for target in (f"{other_loopback}/ok", f"{ipv6_loopback}/ok", "http://169.254.169.254/", "http://127.0.0.1:9/ok"):
        _refused(f"{allowed}/to?url={target}", LETTING_127_0_0_1, tmp_path / "out")
    _refused(f"{allowed}/loop", LETTING_127_0_0_1, tmp_path / "out")  # past max_redirects


def test_size_and_time_are_bounded(allowed: str, tmp_path: Path) -> None:
    small = LETTING_127_0_0_1.model_copy(update={"max_bytes": 10_000})
    with pytest.raises(PayloadTooLargeError):
        fetch_to_file(f"{allowed}/big", tmp_path / "out", small)
    assert not (tmp_path / "out").exists()
    quick = LETTING_127_0_0_1.model_copy(update={"timeout_s": 1.0})
    _refused(f"{allowed}/slow", quick, tmp_path / "out")  # it trickles for 30 s: only the deadline ends it early
