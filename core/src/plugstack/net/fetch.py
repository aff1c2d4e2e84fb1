"""Fetching a URL a client named, without letting the client reach what the server can.

A client-supplied URL is fetched by the server, from inside its network: without a guard it
reaches the server's own loopback services, the private network and the cloud metadata
endpoint (server-side request forgery). Here every hop, the first and each redirect, is
resolved once, refused unless every address it resolves to is public (or in the operator's
``allowed_networks``), and then connected to *by that checked address* (the Host header and
TLS name stay the host's), so a DNS answer that changes between check and connect cannot
slip through. Redirects are followed by hand, at most ``max_redirects``; the body is bounded
by ``max_bytes`` and the whole fetch by ``timeout_s``.

Every refusal and every failure to get the file reads the same (`FetchRefusedError`): a
client cannot tell a refused address from a closed port or a missing path, so the fetcher is
no port or path scanner.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from plugstack.errors import BadRequestError, PayloadTooLargeError
from plugstack.net.policy import FetchPolicy

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class Fetched:
    url: str  # where the body came from, after redirects
    content_type: str = ""


class FetchRefusedError(BadRequestError):
    """The one answer for a URL that was refused or did not give a file."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"cannot fetch {_short(url)}: its address is not allowed, or it could not be reached, "
            "or it did not answer with a file"
        )


def is_public(address: IPAddress) -> bool:
    """Globally routable unicast, also for IPv4 carried inside IPv6 (mapped, 6to4, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (address.is_multicast or address.is_reserved)


def allowed_address(address: IPAddress, policy: FetchPolicy) -> bool:
    return any(address in network for network in policy.allowed_networks) or is_public(address)


def _short(url: str, limit: int = 80) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _checked_address(url: httpx.URL, policy: FetchPolicy) -> IPAddress:
    """The address to connect to: every address the host resolves to must be allowed."""
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchRefusedError(str(url))
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(url.host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchRefusedError(str(url)) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses or not all(allowed_address(address, policy) for address in addresses):
        raise FetchRefusedError(str(url))
    return addresses[0]


def fetch_to_file(url: str, target: Path, policy: FetchPolicy) -> Fetched:
    """GET ``url`` into ``target`` under ``policy``; `FetchRefusedError` (400) or 413, never a partial file."""
    deadline = time.monotonic() + policy.timeout_s
    current = httpx.URL(url)
    try:
        with httpx.Client(trust_env=False, follow_redirects=False) as client:
            for _ in range(policy.max_redirects + 1):
                address = _checked_address(current, policy)
                pinned = current.copy_with(host=str(address))
                remaining = max(0.001, deadline - time.monotonic())
                request = client.build_request(
                    "GET",
                    pinned,
                    headers={"Host": current.netloc.decode("ascii")},
                    extensions={"sni_hostname": current.host, "timeout": httpx.Timeout(remaining).as_dict()},
                )
                response = client.send(request, stream=True)
                try:
                    if response.status_code in REDIRECTS and "location" in response.headers:
                        current = current.join(response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise FetchRefusedError(url)
                    _save(response, target, policy, deadline, url)
                    return Fetched(url=str(current), content_type=response.headers.get("content-type", ""))
                finally:
                    response.close()
    except httpx.HTTPError:
        target.unlink(missing_ok=True)
        raise FetchRefusedError(url) from None
    raise FetchRefusedError(url)  # too many redirects


def _save(response: httpx.Response, target: Path, policy: FetchPolicy, deadline: float, url: str) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise _too_large(url, policy)
    size = 0
    try:
        with target.open("wb") as out:
            for chunk in response.iter_bytes():  # as it arrives, so the deadline is checked
                size += len(chunk)
                if size > policy.max_bytes:
                    raise _too_large(url, policy)
                if time.monotonic() > deadline:
                    raise FetchRefusedError(url)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _too_large(url: str, policy: FetchPolicy) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"{_short(url)} is larger than the {policy.max_bytes} bytes allowed (max_bytes)")
