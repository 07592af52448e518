"""The reference Zarr stack (LLNL zfpy 1.0.1 + numcodecs' ZFPY + zarr) in its
own virtual environment, ``.oracle/zarr-venv``, driven through
``tests/reference_zarr_worker.py``.

The venv is created on first use (PyPI needed once) under the same lock and
readiness rules as the zfpy oracle of ``tests/oracle.py``; set
``ZFPCODEC_ZARR_ORACLE_VENV`` to put it elsewhere.  It has no zfpcodec in
it, so numcodecs resolves id ``zfpy`` to its own ZFPY over LLNL's zfpy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from oracle import REPO_ROOT, OracleSetupError, _clean_env, _FileLock, network_reachable

REQUIREMENTS = ["zfpy==1.0.1", "numcodecs", "zarr", "numpy"]
WORKER = Path(__file__).resolve().parent / "reference_zarr_worker.py"
_MARKER = ".zfpcodec-zarr-oracle-ok"


def venv_path() -> Path:
    path = os.environ.get("ZFPCODEC_ZARR_ORACLE_VENV")
    return Path(path).expanduser().resolve() if path else REPO_ROOT / ".oracle" / "zarr-venv"


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _ready(venv: Path) -> bool:
    marker = venv / _MARKER
    return (marker.is_file() and marker.read_text() == json.dumps(REQUIREMENTS)
            and _python(venv).exists())


def ensure_venv() -> Path:
    """The reference venv's Python, creating the venv once."""
    venv = venv_path()
    if _ready(venv):
        return _python(venv)
    with _FileLock(str(venv) + ".lock"):
        if _ready(venv):
            return _python(venv)
        shutil.rmtree(venv, ignore_errors=True)
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)],
                              check=False, capture_output=True, text=True)
        if made.returncode != 0:
            raise OracleSetupError(f"python -m venv failed:\n{made.stderr}")
        installed = subprocess.run(
            [str(_python(venv)), "-m", "pip", "install", "--disable-pip-version-check",
             "--no-input", "-q", *REQUIREMENTS],
            check=False, capture_output=True, text=True, env=_clean_env(keep_pip=True))
        if installed.returncode != 0:
            reachable = network_reachable()
            shutil.rmtree(venv, ignore_errors=True)
            raise OracleSetupError(
                f"pip install {' '.join(REQUIREMENTS)} failed:\n{installed.stderr[-4000:]}",
                network_ok=reachable)
        (venv / _MARKER).write_text(json.dumps(REQUIREMENTS))
    return _python(venv)


class ReferenceZarr:
    """Runs batches of worker operations in the reference venv."""

    def __init__(self, python: Path):
        self.python = python
        self.versions: dict = {}

    def run(self, ops: list[dict]) -> list[dict]:
        """Results of `ops`, in order; raises if any failed."""
        results = self.run_lenient(ops)
        failed = [(op, r["error"]) for op, r in zip(ops, results) if not r["ok"]]
        if failed:
            raise AssertionError(f"reference stack failed: {failed}")
        return results

    def run_lenient(self, ops: list[dict]) -> list[dict]:
        done = subprocess.run([str(self.python), "-I", str(WORKER)],
                              input=json.dumps([_jsonable(op) for op in ops]),
                              check=False, capture_output=True, text=True, env=_clean_env(),
                              cwd=str(WORKER.parent), timeout=600)
        if done.returncode != 0:
            raise AssertionError(f"reference worker exited {done.returncode}:\n{done.stderr}")
        answer = json.loads(done.stdout)
        if Path(answer["prefix"]).resolve() != self.python.parent.parent.resolve():
            raise AssertionError(f"reference worker ran in {answer['prefix']}")
        self.versions = answer["versions"]
        return answer["results"]


def _jsonable(op: dict) -> dict:
    return {key: str(value) if isinstance(value, Path) else value for key, value in op.items()}
