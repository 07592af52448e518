"""numcodecs' ZFPY class and the opt-in ``zfpy`` metadata distribution
(compat/zfpy-metadata): numcodecs defines ``numcodecs.ZFPY`` only when a
distribution named zfpy is installed.  With zfpcodec alone, configurations
with id ``zfpy`` resolve to `zfpcodec.ZFP` and the class name is absent; with
the metadata alias, numcodecs builds its own ZFPY over our ``zfpy`` module
and writes the same bytes.  Each case runs in a venv of its own
(tests/venvs.py)."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from venvs import ROOT, build_wheel, venv_python

pytestmark = pytest.mark.extras

CONFIG = {"id": "zfpy", "mode": 4, "compression_kwargs": {"tolerance": 1e-3}, "tolerance": 1e-3,
          "rate": -1, "precision": -1}  # as numcodecs' ZFPY writes it


def check(python: Path, tmp_path: Path, body: str) -> None:
    script = tmp_path / "check.py"
    script.write_text(textwrap.dedent(f"""\
        import numpy as np, numcodecs, zfpcodec, zfpy
        from pathlib import Path
        config = {CONFIG!r}
        values = np.random.default_rng(1).standard_normal((33, 40))
        assert Path(zfpy.__file__).parent.parent == Path(zfpcodec.__file__).parent.parent
        """) + textwrap.dedent(body))
    done = subprocess.run([str(python), str(script)], cwd=tmp_path, check=False,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_without_the_alias_configs_resolve_to_zfpcodec_and_numcodecs_has_no_zfpy_class(
        zfpcodec_wheel, tmp_path):
    check(venv_python(zfpcodec_wheel, "numcodecs"), tmp_path, """
        import importlib.metadata
        try:
            importlib.metadata.version("zfpy")
            raise AssertionError("a zfpy distribution is installed")
        except importlib.metadata.PackageNotFoundError:
            pass
        try:
            from numcodecs import ZFPY
            raise AssertionError("numcodecs.ZFPY exists")
        except ImportError:
            pass
        codec = numcodecs.get_codec(dict(config))
        assert type(codec) is zfpcodec.ZFP, type(codec)
        assert np.abs(codec.decode(codec.encode(values)) - values).max() <= 1e-3
        """)


def test_with_the_alias_numcodecs_zfpy_runs_on_our_zfpy_with_the_same_bytes(
        zfpcodec_wheel, tmp_path):
    alias = build_wheel(ROOT / "compat" / "zfpy-metadata", "zfpy-metadata")
    check(venv_python(zfpcodec_wheel, "numcodecs", (str(alias),)), tmp_path, """
        import importlib.metadata
        assert importlib.metadata.version("zfpy") == "1.0.1"
        assert importlib.metadata.files("zfpy") and not any(
            str(f).endswith((".py", ".so")) for f in importlib.metadata.files("zfpy"))
        from numcodecs import ZFPY
        from numcodecs.zfpy import ZFPY as same
        assert ZFPY is same
        theirs = ZFPY(mode=zfpy.mode_fixed_accuracy, tolerance=1e-3)
        ours = zfpcodec.ZFP(tolerance=1e-3)
        assert theirs.encode(values) == ours.encode(values)
        assert np.array_equal(theirs.decode(ours.encode(values)), ours.decode(ours.encode(values)))
        assert theirs.get_config() == ours.get_config() == config
        # numcodecs registers its own class for the id, over our entry point
        assert type(numcodecs.get_codec(dict(config))) is ZFPY
        """)
