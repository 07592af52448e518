"""``zfpcodec stats --plot``: the rate-distortion figure (matplotlib, the
``[plot]`` extra) is written as an image file, atomically and never over an
existing file without --force; without matplotlib the command says which
extra to install, before doing any work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXIT_FAILURE, EXIT_USAGE = 1, 2
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WITHOUT_MATPLOTLIB = ("import sys; sys.modules['matplotlib'] = None; "
                      "from zfpcodec.cli import main; sys.exit(main())")
SETTINGS = ["-r", "2", "4", "8", "-p", "8", "16", "-a", "1e-2", "1e-4", "-R"]


@pytest.fixture
def field(tmp_path: Path) -> Path:
    path = tmp_path / "field.npy"
    rng = np.random.default_rng(0)
    np.save(path, np.cumsum(np.cumsum(rng.standard_normal((48, 40, 24)), axis=0), axis=2))
    return path


def zfpcodec(*args: object, expect: int = 0,
             without_matplotlib: bool = False) -> subprocess.CompletedProcess[str]:
    head = ["-c", WITHOUT_MATPLOTLIB] if without_matplotlib else ["-m", "zfpcodec"]
    done = subprocess.run([sys.executable, *head, *map(str, args)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == expect, (done.stdout, done.stderr)
    return done


def leftovers(folder: Path) -> list[str]:
    """Temporary files of an atomic write left in `folder`."""
    return [p.name for p in folder.iterdir() if "zfpcodec-partial" in p.name]


def test_plot_writes_a_png_beside_the_table(field, tmp_path):
    pytest.importorskip("matplotlib")
    image = tmp_path / "rd.png"
    done = zfpcodec("stats", field, *SETTINGS, "--plot", image, "--json")
    assert len(json.loads(done.stdout)["rows"]) == 8       # the table is unchanged
    data = image.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000                              # two panels, not an empty canvas
    # the IHDR chunk: 1100 x 420 pixels (11 x 4.2 inches at 100 dpi)
    assert int.from_bytes(data[16:20], "big") == 1100
    assert int.from_bytes(data[20:24], "big") == 420
    assert leftovers(tmp_path) == []


def test_plot_format_follows_the_extension(field, tmp_path):
    pytest.importorskip("matplotlib")
    zfpcodec("stats", field, "-r", "4", "8", "--plot", tmp_path / "rd.svg")
    assert b"<svg" in (tmp_path / "rd.svg").read_bytes()[:1000]
    stderr = zfpcodec("stats", field, "--plot", tmp_path / "rd.xyz", expect=EXIT_USAGE).stderr
    assert "--plot" in stderr and ".png" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "rd.xyz").exists()


def test_plot_refuses_an_existing_file_without_force(field, tmp_path):
    pytest.importorskip("matplotlib")
    image = tmp_path / "rd.png"
    image.write_bytes(b"keep me")
    done = zfpcodec("stats", field, "-r", "4", "--plot", image, expect=EXIT_FAILURE)
    assert f"{image} exists; use --force to replace it" in done.stderr
    assert done.stdout == ""                               # refused before measuring
    assert image.read_bytes() == b"keep me"
    zfpcodec("stats", field, "-r", "4", "--plot", image, "--force")
    assert image.read_bytes().startswith(PNG_SIGNATURE)
    assert leftovers(tmp_path) == []


def test_plot_refuses_to_overwrite_its_input(tmp_path):
    # a raw input that happens to have an image's name
    pytest.importorskip("matplotlib")
    raw = tmp_path / "field.png"
    raw.write_bytes(np.arange(4096, dtype=np.float32).tobytes())
    done = zfpcodec("stats", raw, "--dtype", "f32", "--shape", "64,64", "-r", "4",
                    "--plot", raw, "--force", expect=EXIT_USAGE)
    assert f"the output {raw} is the input" in done.stderr, done.stderr
    assert raw.read_bytes() == np.arange(4096, dtype=np.float32).tobytes()


def test_without_matplotlib_plot_names_the_extra_to_install(field, tmp_path):
    image = tmp_path / "rd.png"
    done = zfpcodec("stats", field, "-r", "4", "--plot", image, expect=EXIT_FAILURE,
                    without_matplotlib=True)
    assert done.stderr == ("zfpcodec stats: error: --plot needs matplotlib, which is not "
                           'installed: pip install "zfpcodec[plot]"\n')
    assert done.stdout == ""
    assert not image.exists() and leftovers(tmp_path) == []
    # stats without --plot does not need it
    table = zfpcodec("stats", field, "-r", "4", without_matplotlib=True).stdout
    assert "rate 4" in table


def test_exact_settings_are_drawn_without_failing(tmp_path):
    # integers at full precision and reversible: no finite PSNR, zero error
    pytest.importorskip("matplotlib")
    path = tmp_path / "ints.npy"
    np.save(path, np.arange(4096, dtype=np.int32).reshape(64, 64))
    zfpcodec("stats", path, "-p", "32", "-R", "--plot", tmp_path / "rd.png")
    assert (tmp_path / "rd.png").read_bytes().startswith(PNG_SIGNATURE)
    assert os.path.getsize(tmp_path / "rd.png") > 0
