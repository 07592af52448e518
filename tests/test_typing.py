"""zfpcodec is typed for its users: `mypy --strict` passes on the package and
on a typed user script (tests/typed_usage.py) that goes through every door,
the installed package carries py.typed and the binding's stub, and mypy sees
real types in it (not Any) where a user makes a mistake."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USAGE = ROOT / "tests" / "typed_usage.py"

pytest.importorskip("mypy")


@pytest.fixture(scope="module")
def mypy(tmp_path_factory):
    """Run mypy in `cwd` (one cache for this module's runs); (status, output)."""
    cache = tmp_path_factory.mktemp("mypy-cache")

    def run(*args: str, cwd: Path) -> tuple[int, str]:
        done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args],
                              cwd=cwd, capture_output=True, text=True, timeout=600,
                              check=False, env={**os.environ, "MYPY_FORCE_COLOR": "0"})
        return done.returncode, done.stdout + done.stderr

    return run


def installed(package: str) -> Path:
    spec = find_spec(package)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def test_the_package_and_the_user_script_pass_mypy_strict(mypy):
    # the configuration in pyproject.toml: strict, the sources in src/
    status, output = mypy(cwd=ROOT)
    assert status == 0, output
    assert "Success: no issues found" in output


def test_the_installed_package_ships_its_types():
    assert (installed("zfpcodec") / "py.typed").is_file()
    assert (installed("zfpcodec") / "_zfp.pyi").is_file()
    assert (installed("zfpy") / "py.typed").is_file()


def test_the_user_script_type_checks_against_the_installed_package(mypy, tmp_path):
    # a user's mypy, outside the repository: no configuration, site-packages
    status, output = mypy("--strict", str(USAGE), cwd=tmp_path)
    assert status == 0, output


def test_the_user_script_runs(tmp_path):
    done = subprocess.run([sys.executable, str(USAGE)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every door passed" in done.stdout


def test_mypy_catches_a_user_mistake(mypy, tmp_path):
    (tmp_path / "mistakes.py").write_text(
        "import numpy as np\n"
        "import zfpy\n"
        "from zfpcodec.zarr3 import ZFPCodec\n"
        "stream = zfpy.compress_numpy(np.zeros(16), rate=8)\n"
        "reveal_type(stream)\n"
        "stream.shape\n"                              # bytes have no shape
        "zfpy.decompress_numpy(stream).mean(axis='x')\n"
        "ZFPCodec(tolerance='0.001')\n")              # a string is no number
    status, output = mypy("--strict", "mistakes.py", cwd=tmp_path)
    assert status == 1, output
    assert re.search(r'mistakes.py:5: note: Revealed type is "(builtins\.)?bytes"', output)
    assert 'mistakes.py:6: error: "bytes" has no attribute "shape"' in output
    assert "mistakes.py:7: error:" in output
    assert "mistakes.py:8: error:" in output and '"tolerance"' in output
