"""Every script in examples/ runs as a user would run it (a fresh interpreter
in a scratch folder) and succeeds: in the test environment, and (marker
``extras``) in a virtual environment of its own that holds zfpcodec's wheel
with only the extra the script names in its first lines (tests/venvs.py),
so that no example leans on a package its extra does not bring.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from s3_server import CREDENTIALS, FOREIGN, moto_s3
from venvs import venv_python

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
EXTRAS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
_INSTALL_LINE = re.compile(r'^\s*pip install "?zfpcodec(?:\[([\w,]+)\])?"?\s*$', re.M)


def named_extra(script: Path) -> str | None:
    """The extras in the script's ``pip install "zfpcodec[EXTRA,...]"`` line
    (None for a plain ``pip install zfpcodec``); exactly one such line must
    stand in its first 12 lines."""
    head = "\n".join(script.read_text().splitlines()[:12])
    found = _INSTALL_LINE.findall(head)
    assert len(found) == 1, f"{script.name}: wants one 'pip install zfpcodec[EXTRA]' line, has {found}"
    return found[0] or None


def extra_closure(extra: str | None) -> set[str]:
    """Distribution names extras ("a" or "a,b") ask for, following
    zfpcodec[...] inside them."""
    names: set[str] = set()
    pending = extra.split(",") if extra else []
    while pending:
        for line in EXTRAS[pending.pop()]:
            req = Requirement(line)
            if canonicalize_name(req.name) == "zfpcodec":
                pending.extend(req.extras)
            else:
                names.add(canonicalize_name(req.name))
    return names


def own_environment(**environ: str) -> dict[str, str]:
    """This process's environment less what would point a child Python at
    another build of zfpcodec (PYTHONPATH: the sanitizer run sets it) or at
    this test's S3 service."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("S3_ENDPOINT_URL", "S3_BUCKET", "PYTHONPATH", "VIRTUAL_ENV", *FOREIGN)}
    env.update(environ)
    return env


def run_example(python: str | Path, script: Path, tmp_path: Path, **environ: str) -> str:
    env = own_environment(**environ)
    args = [str(python), str(script)]
    if script.name not in ("zfpy_api.py", "s3.py", "demo.py"):
        args.append(str(tmp_path))
    done = subprocess.run(args, cwd=tmp_path, env=env, check=False, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip()
    return done.stdout


def test_every_example_names_an_extra_of_pyproject():
    assert {p.name for p in EXAMPLES} >= {"zfpy_api.py", "zarr_v2.py", "zarr_v3.py",
                                          "xarray_dask.py", "s3.py", "demo.py", "hdf5.py"}
    for script in EXAMPLES:
        extra = named_extra(script)
        assert extra is None or set(extra.split(",")) <= set(EXTRAS), \
            f"{script.name} names unknown extras {extra!r}"
    # the extras of the doors and of the command line exist, and "all"
    # gathers every one of them (and the test venv all of "all")
    doors = {"numcodecs", "zarr", "xarray", "s3", "hdf5"}
    command_line = {"cli", "plot"}
    assert doors | command_line <= set(EXTRAS)
    assert extra_closure("all") == set().union(*(extra_closure(d) for d in doors | command_line))
    assert extra_closure("all") <= extra_closure("test")
    assert extra_closure("cli") == {"tqdm"} and extra_closure("plot") == {"matplotlib"}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    # s3.py starts its own moto server here (moto is in the test extra)
    run_example(sys.executable, script, tmp_path)


@pytest.mark.extras
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_with_only_its_extra(script, tmp_path, zfpcodec_wheel):
    extra = named_extra(script)
    python = venv_python(zfpcodec_wheel, extra)
    # the venv is what it should be: our wheel, and no door's package that
    # this extra does not ask for
    others = set().union(*(extra_closure(e) for e in EXTRAS if e != "test")) - extra_closure(extra)
    probe = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m, zfpcodec; print(zfpcodec.__file__); "
         "print(*sorted(d.metadata['Name'] for d in m.distributions()))"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=own_environment())
    location, installed = probe.stdout.splitlines()
    assert Path(location).is_relative_to(python.parent.parent)
    assert not others & {canonicalize_name(n) for n in installed.split()}
    if script.name != "s3.py":
        run_example(python, script, tmp_path)
        return
    # the S3 door needs an S3 service, not moto: this process serves one
    pytest.importorskip("moto.server")
    with moto_s3("zfpcodec-example") as (url, _):
        run_example(python, script, tmp_path, S3_ENDPOINT_URL=url,
                    S3_BUCKET="zfpcodec-example", **CREDENTIALS)
