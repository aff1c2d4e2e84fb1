"""The sandboxed process: locks itself down, then runs the code read from stdin.

Run as ``python -I sandbox_child.py SETTINGS_JSON`` (a script, standard library only: nothing of
the server is imported into the sandbox). Before any user code runs it:

1. sets resource limits: address space, CPU seconds, file size, open files, no core dumps;
2. enters new network and PID namespaces (``unshare``; through a user namespace when not
   root): no network interface but a downed loopback, and every process it starts dies with it;
3. applies a Landlock ruleset: read/execute only under Python's own directories and the system
   libraries, read/write only in its working directory; TCP bind/connect denied; signals and
   abstract Unix sockets scoped to the sandbox;
4. installs a seccomp filter that fails ``socket(AF_UNIX, ...)``: Landlock does not govern
   connecting to a Unix socket by path, and the network namespace does not either;
5. installs an audit hook that refuses socket creation with a readable error (a courtesy: the
   kernel layers above are what enforce).

With ``{"probe": true}`` it applies nothing and prints, as JSON, which layers this kernel offers.
"""

import ast
import ctypes
import json
import os
import resource
import signal
import sys
import traceback

CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_NO_NEW_PRIVS = 38
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # + truncate, ioctl_dev
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
SYSTEM_LIBRARIES = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/etc/ld.so.cache")
EXIT_SETUP_FAILED = 121
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
BPF_LD_W_ABS, BPF_JEQ_K, BPF_RET_K = 0x20, 0x15, 0x06
AF_UNIX, EACCES = 1, 13
SOCKET_SYSCALL = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # (AUDIT_ARCH_*, __NR_socket)

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]  # fmt: skip


class PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _fail(what: str) -> None:
    raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def landlock_abi() -> int:
    abi = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return max(abi, 0)


def enter_namespaces() -> None:
    """New network + PID namespaces; fork so that the code runs as PID 1 of the new one (when it
    ends, the kernel kills whatever it left behind) while this process relays its exit status."""
    flags = CLONE_NEWNET | CLONE_NEWPID
    if libc.unshare(flags) != 0 and libc.unshare(flags | CLONE_NEWUSER) != 0:
        _fail("unshare")
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):  # die the same way, so the server sees the signal
            signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
            os.kill(os.getpid(), os.WTERMSIG(status))
        os._exit(os.waitstatus_to_exitcode(status))


def apply_landlock(abi: int, workdir: str) -> None:
    fs = FS_RIGHTS_BY_ABI[max(k for k in FS_RIGHTS_BY_ABI if k <= abi)]
    attr = RulesetAttr(fs, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0, 0)
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        _fail("landlock_create_ruleset")
    readable = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path, *SYSTEM_LIBRARIES}
    rules = [(path, EXECUTE | READ_FILE | READ_DIR) for path in readable if path and os.path.exists(path)]
    rules += [(os.devnull, READ_FILE | WRITE_FILE), (workdir, fs)]
    for path, rights in rules:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            if not os.path.isdir(path):
                rights &= FILE_RIGHTS
            rule = PathBeneathAttr(rights & fs, fd)
            if libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
                _fail(f"landlock_add_rule {path}")
        finally:
            os.close(fd)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        _fail("prctl(NO_NEW_PRIVS)")
    if libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
        _fail("landlock_restrict_self")
    os.close(ruleset)


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def block_unix_sockets() -> None:
    """seccomp: ``socket(AF_UNIX, ...)`` fails with EACCES; every other call is allowed."""
    arch, socket_nr = SOCKET_SYSCALL[os.uname().machine]
    program = [
        (BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (BPF_JEQ_K, 0, 5, arch),
        (BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (BPF_JEQ_K, 0, 3, socket_nr),
        (BPF_LD_W_ABS, 0, 0, 16),  # seccomp_data.args[0], low half: the address family
        (BPF_JEQ_K, 0, 1, AF_UNIX),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EACCES),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]
    filters = (SockFilter * len(program))(*(SockFilter(*op) for op in program))
    fprog = SockFprog(len(program), filters)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        _fail("seccomp")


def refuse_sockets(event: str, args: tuple) -> None:
    if event in ("socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo"):
        raise PermissionError("network access is disabled in this sandbox")


def set_limits(settings: dict) -> None:
    for limit, value in (
        (resource.RLIMIT_AS, settings["memory_bytes"]),
        (resource.RLIMIT_CPU, settings["cpu_seconds"]),
        (resource.RLIMIT_FSIZE, settings["file_bytes"]),
        (resource.RLIMIT_NOFILE, 256),
        (resource.RLIMIT_CORE, 0),
    ):
        hard = resource.getrlimit(limit)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))


def run(code: str) -> int:
    """Like a notebook cell: statements run, and a final expression's value is printed."""
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        tree = ast.parse(code, "<code>")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "<code>", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<code>", "eval"), namespace)
            if value is not None:
                print(repr(value))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # noqa: BLE001 - reported to the model like an interpreter would
        traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next)
        return 1
    return 0


def main() -> None:
    settings = json.loads(sys.argv[1])
    if settings.get("probe"):
        seccomp = os.uname().machine in SOCKET_SYSCALL
        print(json.dumps({"landlock_abi": landlock_abi(), "namespaces": _probe_namespaces(), "seccomp": seccomp}))
        return
    code = sys.stdin.read()
    try:
        set_limits(settings)
        if settings["namespaces"]:
            enter_namespaces()
        if settings["landlock_abi"]:
            apply_landlock(settings["landlock_abi"], settings["workdir"])  # also sets no_new_privs
        if settings["seccomp"]:
            block_unix_sockets()
        sys.addaudithook(refuse_sockets)
    except OSError as exc:
        print(f"sandbox setup failed: {exc}", file=sys.stderr)
        os._exit(EXIT_SETUP_FAILED)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the code's stdin, for its whole life
    status = run(code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status % 256)


def _probe_namespaces() -> bool:
    pid = os.fork()
    if pid == 0:
        flags = CLONE_NEWNET | CLONE_NEWPID
        os._exit(0 if libc.unshare(flags) == 0 or libc.unshare(flags | CLONE_NEWUSER) == 0 else 1)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


if __name__ == "__main__":
    main()
