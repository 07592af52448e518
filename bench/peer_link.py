"""The other interpreter: the bench venv, where the peers live (LLNL's zfpy
1.0.1 and our drop-in both own the module name `zfpy`), made with pip from
`requirements-peers.txt`, and the pipe to the peer worker (`peers.py`) that
runs in it, one JSON request and one JSON reply per line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from console import log

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV = HERE / ".venv-peers"
REQ_PEERS = HERE / "requirements-peers.txt"


def venv_python() -> Path:
    """The bench venv's interpreter (it may not exist yet)."""
    return VENV / "bin" / "python"


def ensure_venv(base_python: str) -> Path:
    """The bench venv with the peers installed (made or refreshed when
    requirements-peers.txt changes)."""
    marker = VENV / ".bench-requirements.sha256"
    want = hashlib.sha256(REQ_PEERS.read_bytes()).hexdigest()
    if venv_python().exists() and marker.exists() and marker.read_text() == want:
        return venv_python()
    log(f"creating {VENV.relative_to(REPO)} with {base_python} (pip install -r "
        f"{REQ_PEERS.name}; needs the package index, about a minute)")
    subprocess.run([base_python, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    result = subprocess.run(pip + ["-r", str(REQ_PEERS)])
    if result.returncode:
        sys.exit(f"bench: could not install the peers into {VENV} (pip exit "
                 f"{result.returncode}); see above, or run with --no-peers")
    marker.write_text(want)
    return venv_python()


def child_env() -> dict:
    """Environment for child processes: no PYTHONPATH (the source tree's
    zfpy/ must not shadow the real zfpy in the venv)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


class PeerError(RuntimeError):
    """The peer worker failed a request, or died."""


class Peers:
    """The peer worker (`peers.py`) in the bench venv, over a pipe."""

    def __init__(self, python: Path, workdir: str):
        self.proc = subprocess.Popen([str(python), str(HERE / "peers.py")], cwd=workdir,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=child_env())

    def call(self, **req):
        """Send one request; its reply (PeerError for an error reply)."""
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise PeerError("the peer worker died (see its messages above)")
        reply = json.loads(line)
        if "error" in reply:
            raise PeerError(reply["error"])
        return reply

    def close(self):
        """Ask the worker to quit (kill it if it will not)."""
        try:
            self.proc.stdin.write('{"cmd": "quit"}\n')
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()
