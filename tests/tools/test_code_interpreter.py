"""builtin::code_interpreter: a normal run, and each limit of the sandbox, through the real server."""

import socket
import threading
from collections.abc import Iterator

import pytest
from llama_stack_client import LlamaStackClient
from llama_stack_client.types import ToolInvocationResult

from tests.support.server import RunningServer

# A TCP connect made with raw libc calls: Python's audit hook never sees it, only the kernel can stop it.
RAW_CONNECT = """
import ctypes, struct
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.socket(2, 1, 0)
address = struct.pack("=H", 2) + struct.pack("!H", {port}) + bytes([127, 0, 0, 1]) + bytes(8)
print("connect", libc.connect(fd, address, 16), "errno", ctypes.get_errno())
"""

RAW_UNIX_CONNECT = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.socket(1, 1, 0)
path = {path!r}.encode()
print("socket", fd, "connect", libc.connect(fd, (1).to_bytes(2, "little") + path + bytes(108 - len(path)), 110))
"""


def run(client: LlamaStackClient, code: str) -> ToolInvocationResult:
    return client.tool_runtime.invoke_tool(tool_name="code_interpreter", kwargs={"code": code})


def test_the_group_lists_one_tool(client: LlamaStackClient) -> None:
    (tool,) = client.tools.list(toolgroup_id="builtin::code_interpreter")
    assert tool.name == "code_interpreter" and tool.input_schema["required"] == ["code"]


def test_a_normal_run_shows_stdout_and_the_last_value(client: LlamaStackClient) -> None:
    result = run(client, "import math\nprint('hello')\nmath.factorial(10)")
    assert result.error_message is None and result.metadata["exit_code"] == 0
    assert "hello\n3628800" in result.content


def test_an_exception_reaches_the_model(client: LlamaStackClient) -> None:
    result = run(client, "print('before')\n1 / 0")
    assert result.error_code == 1 and "ZeroDivisionError: division by zero" in result.error_message
    assert "before" in result.content and "Traceback" in result.content


def test_an_infinite_loop_is_killed_at_the_wall_clock_limit(client: LlamaStackClient) -> None:
    result = run(client, "while True:\n    pass")
    assert result.metadata["timed_out"] is True and "wall-clock" in result.error_message
    assert result.metadata["duration_ms"] < 8000  # the limit is 5 s in this run.yaml


def test_a_child_process_does_not_outlive_the_run(client: LlamaStackClient) -> None:
    # the grandchild leaves the process group and holds stdout open: only the PID namespace ending
    # with the run kills it, and then the output comes back at once instead of after the drain wait
    code = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(60)\nprint('parent done')"
    result = run(client, code)
    assert "parent done" in result.content and result.metadata["stdout_truncated"] is False
    assert result.metadata["duration_ms"] < 1500


def test_a_10_gb_allocation_fails(client: LlamaStackClient) -> None:
    result = run(client, "data = bytearray(10 * 1024**3)")
    assert result.error_code == 1 and "MemoryError" in result.error_message


def test_opening_a_socket_is_refused(client: LlamaStackClient, server: RunningServer) -> None:
    port = int(server.base_url.rsplit(":", 1)[1])
    result = run(client, f"import socket\nsocket.create_connection(('127.0.0.1', {port}))")
    assert result.error_code == 1 and "network access is disabled" in result.error_message


@pytest.fixture
def listener() -> Iterator[tuple[int, list[socket.socket]]]:
    accepted: list[socket.socket] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)

        def accept() -> None:
            while not stop.is_set():
                try:
                    accepted.append(server.accept()[0])
                except TimeoutError:
                    continue

        stop = threading.Event()
        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield server.getsockname()[1], accepted
        stop.set()
        thread.join()


def test_a_raw_connect_is_stopped_by_the_kernel(
    client: LlamaStackClient, listener: tuple[int, list[socket.socket]]
) -> None:
    port, accepted = listener
    result = run(client, RAW_CONNECT.format(port=port))
    assert result.error_message is None and "connect -1 errno" in result.content
    assert not accepted


def test_a_unix_socket_outside_cannot_be_reached(
    client: LlamaStackClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = str(tmp_path_factory.mktemp("unix") / "s.sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen()
        server.settimeout(0.5)
        result = run(client, RAW_UNIX_CONNECT.format(path=path))
        assert "socket -1 connect -1" in result.content
        with pytest.raises(TimeoutError):
            server.accept()


def test_files_outside_its_directory_cannot_be_read(client: LlamaStackClient, server: RunningServer) -> None:
    secret = server.log_path.parent / "run.yaml"  # the server's own state directory
    result = run(client, f"print(open({str(secret)!r}).read())")
    assert result.error_code == 1 and "PermissionError" in result.error_message
    assert "tools-tests" not in result.content
    etc = run(client, "print(open('/etc/hostname').read())")
    assert "PermissionError" in etc.error_message


def test_its_own_directory_is_writable_and_thrown_away(client: LlamaStackClient) -> None:
    first = run(client, "import os\nopen('notes.txt', 'w').write('kept?')\nos.getcwd()")
    assert first.error_message is None
    second = run(client, "import os\nos.listdir('.')")
    assert "[]" in second.content


def test_output_is_truncated(client: LlamaStackClient) -> None:
    result = run(client, "print('x' * 1_000_000)")
    assert result.metadata["stdout_truncated"] is True and len(result.content) < 20_000


def test_bad_kwargs_are_an_error_message_not_a_500(client: LlamaStackClient) -> None:
    result = client.tool_runtime.invoke_tool(tool_name="code_interpreter", kwargs={"source": "print(1)"})
    assert result.error_code == 1 and "code: Field required" in result.error_message
