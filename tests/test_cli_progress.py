"""The long commands' progress bar (`zfpcodec.cli.progress`), as the user
sees it on stderr: tqdm's bar where tqdm is installed (the ``[cli]``
extra), the plain line without it (tqdm blocked in the child interpreter),
drawn on a terminal (a pseudo-terminal here) and on request, and nowhere
else: not in a pipe by default, not with ``--quiet``.  Nested in a
caller's own tqdm bar, ours is drawn on the line below it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import numpy as np
import pytest

from zfpcodec.cli import main

# `python -m zfpcodec` with tqdm unimportable, as where the [cli] extra is absent
WITHOUT_TQDM = ("import sys; sys.modules['tqdm'] = None; "
                "from zfpcodec.cli import main; sys.exit(main())")
TQDM_BAR = re.compile(r"stats: +\d+%\|.*\| \d/4 \[")       # tqdm's l_bar|bar| n/total [
PLAIN_BAR = re.compile(r"stats \[[#.]{30}\] +\d+%")


@pytest.fixture
def field(tmp_path: Path) -> str:
    path = tmp_path / "field.npy"
    np.save(path, np.cumsum(np.random.default_rng(0).standard_normal((64, 64)), axis=1))
    return str(path)


def command(tqdm: bool) -> list[str]:
    return [sys.executable, "-m", "zfpcodec"] if tqdm else [sys.executable, "-c", WITHOUT_TQDM]


def stats_args(field: str, *extra: str) -> list[str]:
    return ["stats", field, "-r", "4", "8", "-p", "16", "-R", *extra]


def stderr_in_pipe(tqdm: bool, args: list[str]) -> str:
    """What the command writes to stderr when it is a pipe (as read in text
    mode, where carriage returns read as newlines)."""
    done = subprocess.run(command(tqdm) + args, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stderr


def stderr_on_terminal(tqdm: bool, args: list[str]) -> str:
    """What the command writes to stderr when stderr is an 80-column
    terminal (stdout a pipe, as in `zfpcodec stats ... | less`)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    child = subprocess.Popen(command(tqdm) + args, stdout=subprocess.PIPE,
                             stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    seen = bytearray()
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:                       # EIO: the child closed the terminal
            break
        if not data:
            break
        seen += data
    assert child.stdout is not None
    stdout = child.stdout.read()
    assert child.wait() == 0, bytes(seen)
    os.close(leader)
    assert b"setting" in stdout
    return seen.decode()


def needs_tqdm(tqdm: bool) -> None:
    if tqdm:
        pytest.importorskip("tqdm")


@pytest.mark.parametrize("tqdm", [True, False], ids=["tqdm", "plain"])
def test_a_terminal_gets_the_bar_by_default(field, tqdm):
    needs_tqdm(tqdm)
    seen = stderr_on_terminal(tqdm, stats_args(field))
    assert (TQDM_BAR if tqdm else PLAIN_BAR).search(seen), seen
    assert not (PLAIN_BAR if tqdm else TQDM_BAR).search(seen), seen


@pytest.mark.parametrize("tqdm", [True, False], ids=["tqdm", "plain"])
def test_quiet_keeps_the_terminal_clear_unless_progress_is_asked(field, tqdm):
    needs_tqdm(tqdm)
    assert stderr_on_terminal(tqdm, stats_args(field, "--quiet")) == ""
    seen = stderr_on_terminal(tqdm, stats_args(field, "--quiet", "--progress"))
    assert (TQDM_BAR if tqdm else PLAIN_BAR).search(seen), seen


@pytest.mark.parametrize("tqdm", [True, False], ids=["tqdm", "plain"])
def test_a_pipe_gets_no_bar_unless_asked(field, tqdm):
    needs_tqdm(tqdm)
    assert stderr_in_pipe(tqdm, stats_args(field)) == ""        # and the table on stdout:
    assert "setting" in subprocess.run(command(tqdm) + stats_args(field), capture_output=True,
                                       text=True, check=True).stdout
    assert stderr_in_pipe(tqdm, stats_args(field, "--no-progress")) == ""
    asked = stderr_in_pipe(tqdm, stats_args(field, "--progress"))
    assert (TQDM_BAR if tqdm else PLAIN_BAR).search(asked), asked


def test_a_terminal_bar_ends_cleared(field):
    # the plain bar's last word is a carriage return and an erase-line, so
    # the shell prompt (or the next note) starts on a clean line
    seen = stderr_on_terminal(False, stats_args(field))
    assert seen.endswith("\r\033[K"), repr(seen[-40:])


def test_tqdm_shows_bytes_in_decimal_units_for_zarr(tmp_path):
    pytest.importorskip("tqdm")
    pytest.importorskip("zarr")
    source = tmp_path / "a.npy"
    np.save(source, np.random.default_rng(1).random((256, 256)))     # 524288 bytes
    stderr = stderr_in_pipe(True, ["zarr", str(source), str(tmp_path / "a.zarr"),
                                   "-r", "8", "--progress"])
    # e.g. "zarr .../a.zarr:   0%|          | 0.00/524k [00:00<?, ?B/s]"
    assert re.search(r"zarr \S+a\.zarr: +\d+%\|.*\| [\d.]+k?/524k \[[^]]*B/s\]", stderr), stderr


def test_nested_in_a_callers_bar_it_draws_below_it(field, capsys):
    tqdm = pytest.importorskip("tqdm")
    with tqdm.tqdm(total=1, desc="outer", file=sys.stderr, mininterval=0) as outer:
        assert main(stats_args(field, "--progress")) == 0
        outer.update(1)
    stderr = capsys.readouterr().err
    # tqdm puts a second bar at position 1: down a line, draw, and the
    # cursor back up to the caller's line ("\x1b[A"), which stays
    assert re.search(r"\n\rstats: +0%\|[^\n]*\| 0/4 \[[^\n]*\x1b\[A", stderr), repr(stderr)
    # when done, ours is blanked out there and the caller's bar goes on
    assert re.search(r"\n\r +\x1b\[A\router: 100%\|[^|]+\| 1/1", stderr), repr(stderr)


def test_in_a_notebook_the_bar_is_on_by_default(capsys, monkeypatch):
    # a Jupyter kernel's stderr is no terminal; tqdm.auto then chooses its
    # notebook widget, and the bar is wanted all the same
    pytest.importorskip("tqdm")
    from tqdm import autonotebook
    from zfpcodec.cli.progress import Progress
    monkeypatch.setattr(autonotebook, "tqdm", type("Widget", (autonotebook.tqdm,), {}))
    with Progress(3, "work", unit="steps") as progress:
        progress.advance(3)
    assert re.search(r"work: +0%\|.*\| 0/3 \[", capsys.readouterr().err)
    with Progress(3, "work", unit="steps", quiet=True) as progress:
        progress.advance(3)
    assert capsys.readouterr().err == ""
