"""`python -m zfpcodec ARGS` as a new process, forked from a warm one.

A command started cold spends about a quarter of a second on the
interpreter's start-up and the imports of NumPy and the package before it
reads its arguments, and the suite runs some six hundred commands.  So each
test process keeps one warm server (tests/cli_forkserver.py) that has made
those imports, and each command is a fork of it: a real process with its
own stdin, stdout and stderr (pipes, as subprocess.run's), working
directory, signals, exit status and exit handlers, running the package's
``__main__`` from argument parsing on.  What a fork does not exercise is the
start-up itself; the tests that need it (the console script, a missing
optional package, Ctrl-C during the imports, a preexec_fn) start the command
themselves, and ZFPCODEC_TEST_COLD=1 makes every command here cold as well.
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Sequence

from cli_forkserver import HEADER, REPLY

SERVER = Path(__file__).with_name("cli_forkserver.py")
COLD = os.environ.get("ZFPCODEC_TEST_COLD") == "1" or not hasattr(os, "fork")

_server: tuple[subprocess.Popen, socket.socket] | None = None
_lock = threading.Lock()


def _connection() -> socket.socket:
    """The socket of this process's server, started on first use."""
    global _server
    if _server is None or _server[0].poll() is not None:
        ours, theirs = socket.socketpair()
        process = subprocess.Popen([sys.executable, str(SERVER), str(theirs.fileno())],
                                   pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL)
        theirs.close()
        if ours.recv(1) != b"R":
            raise RuntimeError(f"{SERVER.name} did not start (exit status {process.wait()})")
        _server = process, ours
        atexit.register(_stop, process, ours)
    return _server[1]


def _stop(process: subprocess.Popen, sock: socket.socket) -> None:
    sock.close()  # the server ends at the end of its socket
    process.wait(timeout=30)


def _drain(fd: int, into: list[bytes]) -> None:
    with open(fd, "rb", closefd=True) as pipe:
        into.append(pipe.read())


def _feed(fd: int, data: bytes) -> None:
    with open(fd, "wb", closefd=True) as pipe:
        try:
            pipe.write(data)
        except BrokenPipeError:  # the command stopped reading: as subprocess.run
            pass


def _text(data: bytes) -> str:
    """Bytes as subprocess.run(text=True) gives them: the locale's
    encoding, universal newlines."""
    return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")


def _receive_int(sock: socket.socket) -> int:
    data = b""
    while len(data) < REPLY.size and (more := sock.recv(REPLY.size - len(data))):
        data += more
    if len(data) != REPLY.size:
        raise RuntimeError(f"{SERVER.name} ended while running a command")
    value: int = REPLY.unpack(data)[0]
    return value


def run_zfpcodec(args: Sequence[object], *, stdin: bytes | None = None, cwd: Path | None = None,
                 text: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run `python -m zfpcodec ARGS` in `cwd` with `stdin` (bytes; /dev/null
    without), capturing stdout and stderr (str when `text` and no stdin, as
    subprocess.run(text=...) decodes them; bytes otherwise), whatever its
    exit status; past `timeout` seconds the command is killed and
    subprocess.TimeoutExpired raised, as subprocess.run does."""
    argv = [str(arg) for arg in args]
    command = [sys.executable, "-m", "zfpcodec", *argv]
    text = text and stdin is None
    if COLD:
        return subprocess.run(command, cwd=cwd,
                              input=stdin, capture_output=True, text=text, timeout=timeout,
                              stdin=None if stdin is not None else subprocess.DEVNULL)
    request = json.dumps({"args": argv, "cwd": os.path.abspath(cwd or os.getcwd())}).encode()
    with _lock:
        sock = _connection()
        if stdin is None:
            feed = None
            child_in = os.open(os.devnull, os.O_RDONLY)
        else:
            child_in, feed = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            socket.send_fds(sock, [HEADER.pack(len(request)) + request], [child_in, out_w, err_w])
        finally:
            for fd in (child_in, out_w, err_w):
                os.close(fd)
        pid = _receive_int(sock)
        out: list[bytes] = []
        err: list[bytes] = []
        workers = [threading.Thread(target=_drain, args=(out_r, out)),
                   threading.Thread(target=_drain, args=(err_r, err))]
        if feed is not None:
            workers.append(threading.Thread(target=_feed, args=(feed, stdin)))
        for worker in workers:
            worker.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in workers:
            worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        late = any(worker.is_alive() for worker in workers)
        if late:
            os.kill(pid, signal.SIGKILL)
            for worker in workers:
                worker.join()
        code = os.waitstatus_to_exitcode(_receive_int(sock))
    if late:
        raise subprocess.TimeoutExpired(command, timeout or 0, out[0], err[0])
    stdout, stderr = (_text(out[0]), _text(err[0])) if text else (out[0], err[0])
    return subprocess.CompletedProcess(command, code, stdout, stderr)
