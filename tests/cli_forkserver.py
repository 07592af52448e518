"""The warm process behind `cli_process`: run as a script, never imported.

``python tests/cli_forkserver.py FD`` imports NumPy and the command line
once, says so with one byte on the Unix socket FD, then serves one command
at a time: a request (its arguments and working directory, with the
command's stdin, stdout and stderr as passed descriptors) makes a child with
os.fork, whose process id, then exit status (a wait status) go back on
the socket as 32-bit integers.
The child takes the descriptors as 0, 1 and 2, fresh `sys` streams on them
(the interpreter decided its own streams' buffering for the server's
/dev/null), the working directory as `-m` takes it (first on sys.path,
where the server has none), and runs the package's __main__ as
`python -m zfpcodec` does, to the exit status its SystemExit gives.  The
server ends when the socket does.

Only modules that start no thread are imported ahead: a fork copies one
thread, so a library whose import starts one (numcodecs' Blosc does) would
find its state half-present in the child.  The children import the rest as
the command line always does, when it needs them.
"""

from __future__ import annotations

import io
import json
import os
import runpy
import socket
import struct
import sys

HEADER = struct.Struct("<I")  # the request's JSON length, ahead of the JSON
REPLY = struct.Struct("<i")   # the child's pid, then its wait status


def receive(sock: socket.socket) -> tuple[dict, list[int]] | None:
    """One request and its three descriptors; None once the client is gone."""
    data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 3)
    if not data:
        return None
    while len(data) < HEADER.size or len(data) < HEADER.size + HEADER.unpack_from(data)[0]:
        more = sock.recv(1 << 16)
        if not more:
            return None
        data += more
    return json.loads(data[HEADER.size:]), fds


def serve(sock: socket.socket) -> dict:
    """Fork a child per request and report its wait status; return the
    request in the child only (the server returns when the client is gone)."""
    while (message := receive(sock)) is not None:
        request, fds = message
        pid = os.fork()
        if pid == 0:
            sock.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in fds:
                if fd > 2:
                    os.close(fd)
            return request
        for fd in fds:
            os.close(fd)
        sock.sendall(REPLY.pack(pid))  # for a client that must kill it
        _, status = os.waitpid(pid, 0)
        sock.sendall(REPLY.pack(status))
    raise SystemExit(0)


def standard_streams() -> None:
    """New sys.stdin, stdout and stderr on descriptors 0-2, as the
    interpreter makes them at start-up (stdout line-buffered on a terminal
    only, stderr always; the old ones' encodings), and buffered whatever
    this one was told: users rarely run Python with -u or PYTHONUNBUFFERED,
    and a bug may show only without (np.save on a stdout pipe did)."""
    for name, fd, mode in (("stdin", 0, "rb"), ("stdout", 1, "wb"), ("stderr", 2, "wb")):
        old = getattr(sys, name)
        binary = io.open(fd, mode, closefd=False)
        line = fd == 2 or (fd == 1 and os.isatty(fd))
        stream = io.TextIOWrapper(binary, encoding=old.encoding, errors=old.errors,
                                  line_buffering=line)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    del sys.path[0]  # this folder: its modules must not stand in for anyone's
    import numpy  # noqa: F401  (the imports every command makes)

    import zfpcodec.cli  # noqa: F401
    sock.sendall(b"R")
    try:
        request = serve(sock)
    except KeyboardInterrupt:  # pytest's Ctrl-C reaches the whole group
        raise SystemExit(0) from None
    os.chdir(request["cwd"])
    sys.path.insert(0, os.getcwd())
    sys.argv = ["zfpcodec", *request["args"]]
    standard_streams()
    runpy.run_module("zfpcodec", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
