"""Virtual environments that hold zfpcodec as a user installs it: its wheel
with one extra (and, for some tests, a few more requirements), nothing else.

The wheel is built once per change of the package's sources and each
environment once per change of its requirements, all under build/venvs/;
``ZFPCODEC_WHEEL`` names a wheel built elsewhere (e.g. by
tools/check-wheel.sh) to skip the build.  A new build of zfpcodec replaces
just the package in the environments.  Building them needs the package
index the first time.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Iterable

import pytest

from oracle import _FileLock

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "venvs"


def _digest(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _drop_stale(paths: Iterable[Path], keep: Path) -> None:
    """Remove the cached builds of older sources (they only take space)."""
    for path in paths:
        if path != keep:
            shutil.rmtree(path, ignore_errors=True)


def run(cmd: list[str], what: str) -> None:
    """Run `cmd`; fail the test with its output if it fails."""
    done = subprocess.run(cmd, check=False, capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    if done.returncode != 0:
        pytest.fail(f"{what} failed ({done.returncode}): {' '.join(cmd)}\n"
                    f"{done.stdout[-3000:]}{done.stderr[-3000:]}", pytrace=False)


def build_wheel(project: Path, name: str) -> Path:
    """The wheel of the project in folder `project` (for zfpcodec, the
    repository root), rebuilt only when its files change."""
    files = [p for p in project.rglob("*") if p.is_file()
             and not {"__pycache__", "build", ".git"} & set(p.relative_to(project).parts)
             and ".egg-info" not in str(p) and not p.relative_to(project).parts[0].startswith(".")]
    if project == ROOT:  # what goes into zfpcodec's wheel, not the tests and tools
        files = [ROOT / "pyproject.toml", ROOT / "meson.build", ROOT / "README.md",
                 *(p for p in files if p.relative_to(ROOT).parts[0] in ("csrc", "src"))]
    folder = CACHE / f"wheel-{name}-{_digest(files)}"
    # pytest-xdist's workers ask at once: one builds, the others wait for it
    with _FileLock(CACHE / f"wheel-{name}.lock"):
        _drop_stale(CACHE.glob(f"wheel-{name}-*"), folder)
        found = sorted(folder.glob("*.whl"))
        if not found:
            run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder),
                 str(project)], f"building the wheel of {project}")
            found = sorted(folder.glob("*.whl"))
    return found[-1]


def zfpcodec_wheel() -> Path:
    given = os.environ.get("ZFPCODEC_WHEEL")
    return Path(given).resolve() if given else build_wheel(ROOT, "zfpcodec")


def venv_python(wheel: Path, extra: str | None, also: tuple[str, ...] = ()) -> Path:
    """The Python of a venv holding `wheel` with only `extra` (None: no
    extra) and the requirements `also`."""
    label = f"{extra or 'core'}{'+' if also else ''}"
    # keyed by what decides its contents: the Python, the requirements
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    spec = repr((sys.version_info[:2], extra, also, project["dependencies"],
                 project["optional-dependencies"])).encode()
    venv = CACHE / f"venv-{label}-{hashlib.sha256(spec).hexdigest()[:16]}"
    python = venv / "bin" / "python"
    ready = venv / ".zfpcodec-ready"
    target = f"zfpcodec{f'[{extra}]' if extra else ''} @ {wheel.as_uri()}"
    built = hashlib.sha256(wheel.read_bytes()).hexdigest()
    with _FileLock(CACHE / f"venv-{label}.lock"):
        _drop_stale(CACHE.glob(f"venv-{label}-*"), venv)
        if not ready.is_file():
            run([sys.executable, "-m", "venv", "--clear", str(venv)], "python -m venv")
            run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 target, *also], f"installing {target} {' '.join(also)}")
            ready.write_text(built)
        if ready.read_text() != built:
            # same requirements, new build of zfpcodec: replace only the package
            run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 "--no-deps", "--force-reinstall", str(wheel)], "reinstalling zfpcodec")
            ready.write_text(built)
    return python
