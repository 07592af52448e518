"""The command line never loses data and never reports garbage as good.

Every case runs ``python -m zfpcodec`` as a real subprocess on real files:
an existing output is replaced only with ``--force``; an output that is,
contains or lies inside an input is refused and nothing is touched; a full
disk (``RLIMIT_FSIZE`` in the child, so that write() fails with EFBIG) or a
real SIGINT leaves the old state or the complete new output, never a
partial one and no temporary name (``h5 import`` adds to a copy of an
existing HDF5 file); Ctrl-C exits 130 with one line; ``info``
exits 1 on an incomplete stream; negative mode values reach the mode's own
check; a Zarr source directory's problems are told apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from cli_process import run_zfpcodec

from zfpcodec import engine
from zfpcodec.modes import Mode

EXIT_FAILURE, EXIT_USAGE = 1, 2
# each stopping signal: the exit status and the one line it prints
STOPS = {signal.SIGINT: (130, "zfpcodec: interrupted\n"),
         signal.SIGTERM: (143, "zfpcodec: terminated\n")}
stopping_signals = pytest.mark.parametrize("signum", list(STOPS), ids=lambda s: s.name)
ZARR_AVAILABLE = all(__import__("importlib").util.find_spec(m) for m in ("zarr", "numcodecs"))
needs_zarr = pytest.mark.skipif(not ZARR_AVAILABLE, reason="zarr and numcodecs not installed")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="RLIMIT_FSIZE and SIGXFSZ as Linux has them")


def cli(*args, cwd: Path | None = None,
        preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess:
    """`python -m zfpcodec ARGS` (whatever its exit status): forked warm
    (tests/cli_process.py), or started cold to run `preexec_fn` first."""
    if preexec_fn is None:
        return run_zfpcodec(args, cwd=cwd)
    return subprocess.run([sys.executable, "-m", "zfpcodec", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, preexec_fn=preexec_fn)


def refused(*args, expect: int, message: str, cwd: Path | None = None) -> str:
    """Run a command that must fail with status `expect`, naming `message`
    on stderr (in one line for a failure of the work, after the usage for
    argparse's own errors); its stderr."""
    result = cli(*args, cwd=cwd)
    assert result.returncode == expect, (result.returncode, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
    if expect == EXIT_FAILURE:
        assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder` (hidden ones too), by relative path: the
    SHA-256 of a file, 'dir' for a directory."""
    state = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        state[key] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def full_disk(limit: int) -> Callable[[], None]:
    """A preexec_fn that limits the files the child writes to `limit` bytes:
    writing past it fails with EFBIG (SIGXFSZ, which would kill it, is
    ignored), as on a full disk."""
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return apply


def interrupted(*args, when: Callable[[int], bool], signum: int = signal.SIGINT,
                timeout: float = 120) -> tuple[int, str]:
    """Start `python -m zfpcodec ARGS`, send it a real `signum` (Ctrl-C by
    default) as soon as `when(pid)` holds, and return (exit status, stderr)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "zfpcodec", *map(str, args)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        # a test run from a non-interactive shell's background job inherits
        # SIGINT ignored; the child must see Ctrl-C as a terminal sends it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + timeout
    while process.poll() is None and not when(process.pid) and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=timeout)
    return process.returncode, stderr


def hidden_entry_in(folder: Path) -> Callable[[int], bool]:
    """Whether a hidden name (an output being written) exists in `folder`."""
    return lambda pid: any(name.startswith(".") for name in os.listdir(folder))


def maps(path: Path) -> Callable[[int], bool]:
    """Whether process `pid` has memory-mapped `path` (its work has begun)."""
    def mapped(pid: int) -> bool:
        try:
            return str(path) in Path(f"/proc/{pid}/maps").read_text()
        except OSError:                 # it has just exited
            return False
    return mapped


def smooth(shape, dtype=np.float32, seed=0) -> np.ndarray:
    values = np.cumsum(np.random.default_rng(seed).standard_normal(shape), axis=-1)
    return values.astype(dtype)


@pytest.fixture
def field(tmp_path) -> tuple[Path, np.ndarray]:
    arr = smooth((16, 20, 24))
    path = tmp_path / "field.npy"
    np.save(path, arr)
    return path, arr


@pytest.fixture(scope="module")
def big_field(tmp_path_factory) -> Path:
    """A 128 MiB float32 .npy: two of the zarr command's 64 MiB batches, and
    a second or more of work for each command on this hardware."""
    path = tmp_path_factory.mktemp("big") / "big.npy"
    arr = np.empty((256, 256, 512), np.float32)
    rng = np.random.default_rng(1)
    for i in range(0, 256, 32):
        arr[i:i + 32] = np.cumsum(rng.standard_normal((32, 256, 512), np.float32), axis=-1)
    # written, not memory-mapped: on a full disk a write fails with an
    # error, where a store to a mapped page kills the whole test session
    np.save(path, arr)
    return path


def make_store(path: Path, arr: np.ndarray, chunks=(8, 10, 12)) -> None:
    """A Zarr array of `arr` at `path`: a directory, or a zip file (*.zip)."""
    import zarr
    store = zarr.storage.ZipStore(path, mode="w") if path.suffix == ".zip" else path
    z = zarr.create_array(store, shape=arr.shape, dtype=arr.dtype, chunks=chunks)
    z[...] = arr
    if path.suffix == ".zip":
        store.close()


def read_store(path: Path) -> np.ndarray:
    import zarr
    store = zarr.storage.ZipStore(path, mode="r") if path.suffix == ".zip" else path
    return zarr.open_array(store, mode="r")[...]


# --------------------------------------------------------------------------
# an output that is, contains or lies inside an input is refused, untouched

@needs_zarr
def test_zarr_destination_equal_to_its_source_is_refused_and_the_store_kept(tmp_path, field):
    path, arr = field
    make_store(tmp_path / "out.zarr", arr)
    before = snapshot(tmp_path)
    refused("zarr", tmp_path / "out.zarr", tmp_path / "out.zarr", "-a", "1e-2", "--force",
            expect=EXIT_USAGE, message="the output")
    (tmp_path / "link.zarr").symlink_to(tmp_path / "out.zarr")
    refused("zarr", tmp_path / "out.zarr", tmp_path / "link.zarr", "--force",
            expect=EXIT_USAGE, message="is the input")
    refused("zarr", tmp_path / "out.zarr", tmp_path / "out.zarr" / "inner", "--force",
            expect=EXIT_USAGE, message="lies inside the input")
    (tmp_path / "link.zarr").unlink()
    assert snapshot(tmp_path) == before
    import zarr
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "out.zarr", mode="r")[...], arr)


@needs_zarr
def test_zarr_destination_containing_its_source_is_refused_and_the_folder_kept(tmp_path,
                                                                              field):
    folder = tmp_path / "p"
    folder.mkdir()
    np.save(folder / "field.npy", field[1])
    (folder / "notes.txt").write_text("unrelated work")
    before = snapshot(tmp_path)
    refused("zarr", "field.npy", ".", "--force", cwd=folder, expect=EXIT_USAGE,
            message="the output . contains the input field.npy")
    refused("zarr", folder / "field.npy", tmp_path, "--force", expect=EXIT_USAGE,
            message="contains the input")
    assert snapshot(tmp_path) == before


def test_file_outputs_over_their_input_are_refused_through_links(tmp_path, field):
    path, _ = field
    before = path.read_bytes()
    (tmp_path / "alias.npy").symlink_to(path)
    os.link(path, tmp_path / "hard.npy")
    for output in (path, tmp_path / "alias.npy", tmp_path / "hard.npy"):
        refused("compress", path, "-o", output, "--force", expect=EXIT_USAGE,
                message="is the input")
    assert path.read_bytes() == before


# --------------------------------------------------------------------------
# an existing output is replaced only with --force

def test_decompress_keeps_an_existing_original_without_force(tmp_path, field):
    path, arr = field
    assert cli("compress", path, "-a", "0.5", "-q").returncode == 0
    original = path.read_bytes()
    refused("decompress", f"{path}.zfp", expect=EXIT_FAILURE,
            message=f"{path} exists; use --force to replace it")
    assert path.read_bytes() == original
    assert cli("decompress", f"{path}.zfp", "--force", "-q").returncode == 0
    np.testing.assert_array_equal(np.load(path), engine.decompress(
        Path(f"{path}.zfp").read_bytes()))


def test_compress_keeps_an_existing_stream_without_force(tmp_path, field):
    path, arr = field
    assert cli("compress", path, "-R", "-q").returncode == 0
    stream = Path(f"{path}.zfp")
    lossless = stream.read_bytes()
    refused("compress", path, "-r", "4", expect=EXIT_FAILURE,
            message=f"{stream} exists; use --force to replace it")
    assert stream.read_bytes() == lossless
    assert cli("compress", path, "-r", "4", "-f", "-q").returncode == 0
    assert stream.read_bytes() == engine.compress(arr, Mode.from_args(rate=4), rate_clamp=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["field.npy", "field.npy.zfp"]


def test_devices_are_written_without_force(field):
    path, _ = field
    assert cli("compress", path, "-o", os.devnull, "-q").returncode == 0


@needs_zarr
def test_a_destination_named_dash_is_a_name_where_no_stdout_is_written(tmp_path, field):
    """zarr and h5 export cannot write to stdout: their DEST ``-`` is an
    ordinary name, so an existing file or folder of that name is kept
    without --force (it was replaced)."""
    path, _ = field
    (tmp_path / "-").mkdir()
    (tmp_path / "-" / "thesis.txt").write_text("years of work")
    before = snapshot(tmp_path)
    refused("zarr", path, "-", "-q", "-r", "8", cwd=tmp_path, expect=EXIT_FAILURE,
            message="- exists and is a directory, not a Zarr store")
    assert snapshot(tmp_path) == before
    assert cli("h5", "import", path, tmp_path / "t.h5", "--dataset", "T", "-r", "8",
               "-q").returncode == 0
    before = snapshot(tmp_path)
    refused("h5", "export", tmp_path / "t.h5", "/T", "-", "-q", cwd=tmp_path,
            expect=EXIT_FAILURE, message="- exists and is a directory, not a Zarr store")
    assert snapshot(tmp_path) == before


def test_an_output_link_stays_a_link_and_its_target_is_replaced(tmp_path, field):
    """--force on a symbolic link replaces the file it points to (as the
    zfp program, which opens the name, writes through it); stdout under
    another name (/dev/stdout, /proc/self/fd/1) is written as stdout, so
    what is redirected there gets the stream."""
    path, arr = field
    expected = engine.compress(arr, Mode.from_args(rate=8), rate_clamp=True)
    target = tmp_path / "target.zfp"
    target.write_bytes(b"old")
    (tmp_path / "link.zfp").symlink_to(target)
    refused("compress", path, "-r", "8", "-o", tmp_path / "link.zfp", expect=EXIT_FAILURE,
            message="exists; use --force")
    assert cli("compress", path, "-r", "8", "-o", tmp_path / "link.zfp", "-f",
               "-q").returncode == 0
    assert (tmp_path / "link.zfp").is_symlink() and target.read_bytes() == expected
    for name in ("/dev/stdout", "/proc/self/fd/1"):
        if not os.path.exists(name):
            continue
        with open(tmp_path / "redirected.zfp", "wb") as out:
            result = subprocess.run([sys.executable, "-m", "zfpcodec", "compress", str(path),
                                     "-r", "8", "-o", name, "-q"], stdout=out,
                                    stderr=subprocess.PIPE, text=True)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "redirected.zfp").read_bytes() == expected


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_a_replaced_file_keeps_its_permissions(tmp_path, field, mode):
    """--force writes a new file and renames it over the old one: the new
    file takes the old one's permissions (as writing over it in place, as
    the zfp program does, would), so a private output stays private and a
    shared one readable.  A new output gets the umask's."""
    path, arr = field
    out = tmp_path / "out.zfp"
    out.write_bytes(b"old")
    out.chmod(mode)
    assert cli("compress", path, "-r", "8", "-o", out, "-f", "-q").returncode == 0
    assert out.read_bytes() == engine.compress(arr, Mode.from_args(rate=8), rate_clamp=True)
    assert out.stat().st_mode & 0o7777 == mode
    umask = os.umask(0o022)
    os.umask(umask)
    fresh = tmp_path / "fresh.zfp"
    assert cli("compress", path, "-r", "8", "-o", fresh, "-q").returncode == 0
    assert fresh.stat().st_mode & 0o7777 == 0o666 & ~umask


def test_a_closed_stderr_never_sends_the_summary_into_the_data(tmp_path, field):
    """With stderr closed (2>&-), print() falls back to stdout: the summary
    line and any error must not end up in the stream on stdout."""
    path, arr = field
    with open(tmp_path / "s.zfp", "wb") as out:
        result = subprocess.run([sys.executable, "-m", "zfpcodec", "compress", str(path),
                                 "-r", "8", "-o", "-"], stdout=out, stderr=subprocess.DEVNULL,
                                close_fds=True, preexec_fn=lambda: os.close(2))
    assert result.returncode == 0
    assert (tmp_path / "s.zfp").read_bytes() == engine.compress(arr, Mode.from_args(rate=8),
                                                               rate_clamp=True)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_full_stderr_does_not_fail_the_work(tmp_path, field):
    """With stderr on a full device (2>/dev/full) the summary line cannot be
    written: the command still succeeds (status 0, its output whole), and a
    command that fails still gives its own status, with no traceback."""
    path, arr = field
    out = tmp_path / "s.zfp"
    for unbuffered in ("", "1"):  # stderr buffered, as users run Python, and not
        env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
        env |= {"PYTHONUNBUFFERED": unbuffered} if unbuffered else {}
        out.unlink(missing_ok=True)
        with open("/dev/full", "w") as full:
            def cli(*args):
                return subprocess.run([sys.executable, "-m", "zfpcodec", *map(str, args)],
                                      stderr=full, env=env).returncode
            assert cli("compress", path, "-r", "8", "-o", out) == 0
            assert out.read_bytes() == engine.compress(arr, Mode.from_args(rate=8),
                                                       rate_clamp=True)
            assert cli("compress", tmp_path / "none.npy", "-r", "8") == 1
            # exists, no --force: still refused, the output kept
            assert cli("compress", path, "-r", "12", "-o", out) == 1
    assert out.read_bytes() == engine.compress(arr, Mode.from_args(rate=8), rate_clamp=True)


CLOSED_STREAM_COMMANDS = [
    (["compress", "{npy}", "-r", "8", "-o", "-"], 1),
    (["decompress", "{zfp}", "-o", "-", "--format", "npy"], 1),
    (["info", "{zfp}"], 1),
    (["info", "{zfp}", "--json"], 1),
    (["stats", "{npy}", "-r", "8"], 1),
    (["--version"], 1),
    (["compress", "-", "-r", "8", "-o", "{out}"], 0),
    (["decompress", "-", "-o", "{out}"], 0),
]


@pytest.mark.parametrize("command, fd", CLOSED_STREAM_COMMANDS,
                         ids=[" ".join(c) for c, _ in CLOSED_STREAM_COMMANDS])
def test_a_closed_stdin_or_stdout_is_an_error_not_silence(tmp_path, field, command, fd):
    """Started with stdin or stdout closed (<&-, >&-; Python leaves
    sys.stdin or sys.stdout None), a command that needs it fails in one
    line naming the stream: no traceback, no report dropped without a
    word, no output file."""
    path, arr = field
    (tmp_path / "f.zfp").write_bytes(engine.compress(arr, Mode.from_args(rate=8),
                                                     rate_clamp=True))
    args = [arg.format(npy=path, zfp=tmp_path / "f.zfp", out=tmp_path / "out") for arg in command]
    result = subprocess.run([sys.executable, "-m", "zfpcodec", *args], capture_output=True,
                            text=True, preexec_fn=lambda: os.close(fd))
    stream = ("<stdin>: Bad file descriptor (standard input is closed)" if fd == 0 else
              "<stdout>: Bad file descriptor (standard output is closed)")
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert stream in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "out").exists()


@needs_zarr
def test_zarr_replaces_only_zarr_stores_and_only_with_force(tmp_path, field):
    import zarr
    path, arr = field
    make_store(tmp_path / "old.zarr", arr * 2)
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "thesis.tex").write_text("years of it")
    (tmp_path / "file.zarr").write_text("not a store")
    before = snapshot(tmp_path)
    refused("zarr", path, tmp_path / "old.zarr", expect=EXIT_FAILURE,
            message="old.zarr exists; use --force to replace it")
    refused("zarr", path, tmp_path / "work", "--force", expect=EXIT_FAILURE,
            message="is a directory, not a Zarr store: not replacing it")
    refused("zarr", path, tmp_path / "file.zarr", "--force", expect=EXIT_FAILURE,
            message="is a file, not a Zarr store")
    assert snapshot(tmp_path) == before
    assert cli("zarr", path, tmp_path / "old.zarr", "-R", "--force", "-q").returncode == 0
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "old.zarr", mode="r")[...], arr)
    (tmp_path / "empty").mkdir()
    assert cli("zarr", path, tmp_path / "empty", "-R", "--force", "-q").returncode == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    # a private store stays private when replaced
    (tmp_path / "old.zarr").chmod(0o700)
    assert cli("zarr", path, tmp_path / "old.zarr", "-R", "--force", "-q").returncode == 0
    assert (tmp_path / "old.zarr").stat().st_mode & 0o7777 == 0o700


@needs_zarr
def test_zarr_replaces_only_zipped_zarr_stores_with_a_zip(tmp_path, field):
    """A destination named *.zip is a zip file: --force replaces one that
    holds a Zarr store, never another zip file or a file that is none."""
    import zarr
    path, arr = field
    with zipfile.ZipFile(tmp_path / "docs.zip", "w") as archive:
        archive.writestr("thesis.txt", "years of it")
    (tmp_path / "notes.zip").write_text("not a zip file")
    make_store(tmp_path / "old.zarr.zip", arr * 2)
    before = snapshot(tmp_path)
    for name in ("docs.zip", "notes.zip"):
        refused("zarr", path, tmp_path / name, "-R", "--force", expect=EXIT_FAILURE,
                message=f"{name} exists and is not a Zarr store in a zip file")
    assert snapshot(tmp_path) == before
    assert cli("zarr", path, tmp_path / "old.zarr.zip", "-R", "--force", "-q").returncode == 0
    np.testing.assert_array_equal(read_store(tmp_path / "old.zarr.zip"), arr)
    with zipfile.ZipFile(tmp_path / "docs.zip") as archive:
        assert archive.read("thesis.txt") == b"years of it"


@needs_zarr
def test_demo_keeps_existing_stores_without_force(tmp_path):
    args = ["demo", "--shape", "8,8,8", "--chunks", "8,8,8", "-a", "0.5", "--out",
            tmp_path, "-q"]
    assert cli(*args).returncode == 0
    before = snapshot(tmp_path)
    refused(*args, expect=EXIT_FAILURE, message="tolerance-0.5.zarr exists; use --force")
    assert snapshot(tmp_path) == before
    assert cli(*args, "--force").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lossless.zarr",
                                                          "tolerance-0.5.zarr"]


@needs_zarr
def test_demo_force_stopped_between_stores_keeps_every_old_store(tmp_path, monkeypatch):
    """demo --force writes several stores: a Ctrl-C after the first is
    written must leave all the old ones (it replaced the first and kept
    the rest: a mix of two runs)."""
    from zfpcodec.cli import demo, main
    out = tmp_path / "out"
    args = ["demo", "--shape", "8,8,8", "--chunks", "8,8,8", "-a", "0.5", "0.1",
            "--out", str(out), "-q"]
    assert cli(*args, "--seed", "1").returncode == 0
    before = snapshot(out)
    write = demo.demo_row

    def write_then_stop(*row_args, **kwargs):
        row = write(*row_args, **kwargs)
        signal.raise_signal(signal.SIGINT)   # held: acted on before the next store
        return row

    monkeypatch.setattr(demo, "demo_row", write_then_stop)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert main([*args, "--seed", "2", "--force"]) == STOPS[signal.SIGINT][0]
    finally:
        signal.signal(signal.SIGINT, previous)
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["lossless.zarr", "tolerance-0.1.zarr",
                                                     "tolerance-0.5.zarr"]
    monkeypatch.undo()
    assert main([*args, "--seed", "2", "--force"]) == 0
    assert snapshot(out) != before


# --------------------------------------------------------------------------
# a failed write (full disk) leaves the old state and no temporary file

@linux_only
@pytest.mark.parametrize("existing", [False, True])
def test_compress_on_a_full_disk_leaves_no_partial_stream(tmp_path, existing):
    arr = smooth((64, 64, 64))                   # ~1 MB reversible stream
    np.save(tmp_path / "a.npy", arr)
    if existing:
        (tmp_path / "a.npy.zfp").write_bytes(b"the old stream")
    before = snapshot(tmp_path)
    result = cli("compress", tmp_path / "a.npy", "-R", "--force",
                 preexec_fn=full_disk(64 << 10))
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "cannot write" in result.stderr and "File too large" in result.stderr
    assert ("is unchanged" if existing else "nothing was written") in result.stderr
    assert snapshot(tmp_path) == before


@linux_only
@pytest.mark.parametrize("fmt", ["npy", "raw"])
def test_decompress_on_a_full_disk_keeps_the_old_file(tmp_path, fmt):
    arr = smooth((64, 64, 64))
    (tmp_path / "a.zfp").write_bytes(engine.compress(arr, Mode.from_args(reversible=True)))
    (tmp_path / "a.out").write_bytes(b"the original")
    before = snapshot(tmp_path)
    result = cli("decompress", tmp_path / "a.zfp", "-o", tmp_path / "a.out", "--format",
                 fmt, "--force", preexec_fn=full_disk(64 << 10))
    assert result.returncode == EXIT_FAILURE and "a.out is unchanged" in result.stderr, \
        result.stderr
    assert snapshot(tmp_path) == before


@linux_only
@needs_zarr
@pytest.mark.parametrize("dest", ["a.zarr", "a.zarr.zip"])
@pytest.mark.parametrize("existing", [False, True])
def test_zarr_on_a_full_disk_leaves_no_partial_store(tmp_path, existing, dest):
    arr = smooth((64, 64, 64))
    np.save(tmp_path / "a.npy", arr)
    if existing:
        make_store(tmp_path / dest, arr + 1)
    before = snapshot(tmp_path)
    result = cli("zarr", tmp_path / "a.npy", tmp_path / dest, "-R", "--chunks",
                 "32,32,32", "--force", preexec_fn=full_disk(16 << 10))
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "cannot write" in result.stderr and "File too large" in result.stderr
    assert snapshot(tmp_path) == before


@linux_only
@needs_zarr
def test_demo_on_a_full_disk_leaves_no_out_directory(tmp_path):
    result = cli("demo", "--out", tmp_path / "new" / "out", "--shape", "32,32,32",
                 "--chunks", "16,16,16", "-q", preexec_fn=full_disk(1 << 10))
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert os.listdir(tmp_path) == ["new"] and os.listdir(tmp_path / "new") == []


# --------------------------------------------------------------------------
# Ctrl-C: exit 130, one line, the old state or the complete new output

@linux_only
@needs_zarr
@stopping_signals
@pytest.mark.parametrize("dest", ["out.zarr", "out.zarr.zip"])
@pytest.mark.parametrize("existing", [False, True])
def test_ctrl_c_during_zarr_leaves_no_store_and_no_traceback(tmp_path, big_field, existing,
                                                             dest, signum):
    old = smooth((8, 8, 8))
    if existing:
        make_store(tmp_path / dest, old, chunks=(8, 8, 8))
    before = snapshot(tmp_path)
    status, stderr = interrupted("zarr", big_field, tmp_path / dest, "-a", "1e-3",
                                 "--chunks", "32,64,64", "--force",
                                 when=hidden_entry_in(tmp_path), signum=signum)
    assert (status, stderr) == STOPS[signum], stderr
    assert snapshot(tmp_path) == before
    if existing:
        np.testing.assert_array_equal(read_store(tmp_path / dest), old)


@linux_only
@stopping_signals
def test_ctrl_c_while_compress_writes_keeps_the_old_stream(tmp_path, big_field, signum):
    output = tmp_path / "big.zfp"
    output.write_bytes(b"the old stream")
    status, stderr = interrupted("compress", big_field, "-R", "-o", output, "--force",
                                 when=hidden_entry_in(tmp_path), signum=signum)
    assert (status, stderr) == STOPS[signum], stderr
    assert snapshot(tmp_path) == {"big.zfp": hashlib.sha256(b"the old stream").hexdigest()}


@linux_only
@stopping_signals
def test_ctrl_c_while_compressing_writes_nothing(tmp_path, big_field, signum):
    status, stderr = interrupted("compress", big_field, "-R", "-o", tmp_path / "big.zfp",
                                 when=maps(big_field), signum=signum)
    assert (status, stderr) == STOPS[signum], stderr
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_imports_no_numpy_before_it_can_catch_ctrl_c():
    # importing NumPy and the commands takes about half a second after the
    # command starts; only what the console script imports first runs
    # before main() can catch a Ctrl-C
    code = "import sys, zfpcodec.cli; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "False\n", done.stderr


@pytest.mark.parametrize("heavy", ["numpy", "zfpcodec._zfp", "zfpcodec.cli.compress"])
def test_ctrl_c_while_the_command_line_imports_is_a_clean_stop(tmp_path, field, heavy):
    # a real SIGINT, sent by the process to itself as the import of
    # `heavy` begins (an import hook, the first that Python asks)
    path, _ = field
    code = (
        "import os, signal, sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {heavy!r}:\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from zfpcodec.cli import main\n"
        f"sys.exit(main(['compress', {str(path)!r}, '-R', '-o', 'out.zfp']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                         signal.SIG_DFL))
    assert (done.returncode, done.stderr, done.stdout) == (130, "zfpcodec: interrupted\n", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]

    def closed_stderr() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.close(2)

    # with stderr closed (2>&-), the line is dropped, never sent to stdout
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                          cwd=tmp_path, close_fds=True, preexec_fn=closed_stderr)
    assert (done.returncode, done.stdout) == (130, "")


@stopping_signals
@pytest.mark.parametrize("kind", ["file", "directory"])
def test_a_signal_while_the_temporary_name_is_made_leaves_nothing(tmp_path, kind, signum):
    # the signal comes the moment the name exists, before the code that
    # removes it on failure could have been told its name
    from zfpcodec.cli.command_line import _signals_stop_cleanly
    from zfpcodec.cli.outputs import temporary_beside

    def make_then_signalled(name: str) -> None:
        os.mkdir(name) if kind == "directory" else open(name, "xb").close()
        signal.raise_signal(signum)

    # as in the command line: Ctrl-C raises KeyboardInterrupt, SIGTERM Terminated
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        # (caught outside the context, as main does: inside it, a SIGTERM
        # the block caught would be raised again as the context closes)
        with pytest.raises(KeyboardInterrupt), _signals_stop_cleanly():
            with temporary_beside(str(tmp_path / "out"), make_then_signalled):
                pytest.fail("the block ran after the signal")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# h5 import and export: a new file or output whole or absent; an existing
# HDF5 file as it was (HDF5 writes in place: a failed write there leaves a
# file that no longer opens)

needs_h5py = pytest.mark.skipif(not __import__("importlib").util.find_spec("h5py"),
                                reason="h5py not installed")


def datasets(path: Path) -> dict[str, str]:
    """Each dataset of an HDF5 file without filters: the SHA-256 of its values."""
    import h5py
    found = {}
    with h5py.File(path, "r") as file:
        file.visititems(lambda name, node: found.__setitem__(
            name, hashlib.sha256(node[...].tobytes()).hexdigest())
            if isinstance(node, h5py.Dataset) else None)
    return found


def old_h5(path: Path) -> dict[str, str]:
    """An existing HDF5 file with a plain dataset /T and a group; its datasets."""
    import h5py
    with h5py.File(path, "w") as file:
        file["T"] = np.arange(12.0).reshape(3, 4)
        file.create_group("g")
    return datasets(path)


@pytest.fixture(scope="module")
def big_h5(tmp_path_factory, big_field) -> Path:
    """big_field imported into an H5Z-ZFP dataset /T."""
    path = tmp_path_factory.mktemp("h5") / "big.h5"
    result = cli("h5", "import", big_field, path, "--dataset", "T", "-a", "1e-2")
    assert result.returncode == 0, result.stderr
    return path


@linux_only
@needs_h5py
@pytest.mark.parametrize("existing", [False, True])
def test_h5_import_on_a_full_disk_keeps_the_files_datasets(tmp_path, existing):
    np.save(tmp_path / "a.npy", smooth((64, 64, 64)))
    target = tmp_path / "x.h5"
    old = old_h5(target) if existing else None
    before = snapshot(tmp_path)
    result = cli("h5", "import", tmp_path / "a.npy", target, "--dataset", "T" if existing
                 else "/new/T", "-R", "--force", preexec_fn=full_disk(64 << 10))
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"cannot write {target}: File too large; " in result.stderr
    assert ("x.h5 is unchanged" if existing else "nothing was written") in result.stderr
    assert snapshot(tmp_path) == before
    if existing:
        assert datasets(target) == old


@linux_only
@needs_h5py
@pytest.mark.parametrize("dest", ["T.npy", "T.zarr", "T.zarr.zip"])
@pytest.mark.parametrize("existing", [False, True])
def test_h5_export_on_a_full_disk_leaves_the_old_output(tmp_path, big_h5, dest, existing):
    if not dest.endswith(".npy") and not ZARR_AVAILABLE:
        pytest.skip("zarr and numcodecs not installed")
    if existing and dest.endswith(".npy"):
        np.save(tmp_path / dest, np.zeros(3))
    elif existing:
        make_store(tmp_path / dest, smooth((8, 8, 8)))
    before = snapshot(tmp_path)
    result = cli("h5", "export", big_h5, "T", tmp_path / dest, "--force",
                 preexec_fn=full_disk(16 << 10))
    assert result.returncode == EXIT_FAILURE, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"cannot write {tmp_path / dest}: File too large; " in result.stderr
    assert snapshot(tmp_path) == before


@linux_only
@needs_h5py
@stopping_signals
@pytest.mark.parametrize("existing", [False, True])
def test_ctrl_c_during_h5_import_keeps_the_files_datasets(tmp_path, big_field, existing,
                                                         signum):
    target = tmp_path / "x.h5"
    old = old_h5(target) if existing else None
    before = snapshot(tmp_path)
    status, stderr = interrupted("h5", "import", big_field, target, "--dataset", "T",
                                 "-a", "1e-3", "--force", when=maps(big_field), signum=signum)
    assert (status, stderr) == STOPS[signum], stderr
    assert snapshot(tmp_path) == before
    if existing:
        assert datasets(target) == old


@linux_only
@needs_h5py
@stopping_signals
def test_ctrl_c_during_h5_export_writes_nothing(tmp_path, big_h5, signum):
    status, stderr = interrupted("h5", "export", big_h5, "T", tmp_path / "T.npy",
                                 when=hidden_entry_in(tmp_path), signum=signum)
    assert (status, stderr) == STOPS[signum], stderr
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# info: an incomplete stream exits 1

@pytest.mark.parametrize("options", [["-r", "8"], ["-r", "3.3"], ["-c", "300", "300", "64",
                                                                    "-1074"]])
def test_info_checks_a_fixed_rate_streams_length(tmp_path, field, options):
    path, arr = field
    assert cli("compress", path, *options, "-q").returncode == 0
    stream = Path(f"{path}.zfp").read_bytes()
    _, _, (minbits, maxbits, _, _), header_bits = engine.read_header(stream)
    assert minbits == maxbits
    blocks = np.prod([-(-n // 4) for n in arr.shape])
    needed = -(-(header_bits + blocks * maxbits) // 8)
    (tmp_path / "exact.zfp").write_bytes(stream[:needed])
    (tmp_path / "short.zfp").write_bytes(stream[:needed - 1])
    assert cli("info", tmp_path / "exact.zfp").returncode == 0
    for extra in ([], ["--json"]):
        result = cli("info", tmp_path / "short.zfp", *extra)
        assert result.returncode == EXIT_FAILURE and result.stdout == "", result.stdout
        assert "compressed stream is truncated" in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("options", [["-a", "1e-4"], ["-p", "20"], ["-R"]])
def test_info_decodes_a_variable_rate_stream_to_check_it(tmp_path, field, options):
    path, _ = field
    assert cli("compress", path, *options, "-q").returncode == 0
    stream = Path(f"{path}.zfp").read_bytes()
    assert cli("info", f"{path}.zfp").returncode == 0
    for cut in (len(stream) // 2, len(stream) - 8):
        (tmp_path / "short.zfp").write_bytes(stream[:cut])
        result = cli("info", tmp_path / "short.zfp", "--json")
        assert result.returncode == EXIT_FAILURE and result.stdout == "", (cut, result.stdout)
        assert "corrupt or truncated zfp stream" in result.stderr, result.stderr


def test_huge_minexp_is_described_not_an_overflow(tmp_path, field):
    path, _ = field
    result = cli("compress", path, "-c", "1", "16658", "64", "1500")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    info = cli("info", f"{path}.zfp", "--json")
    assert info.returncode == 0, info.stderr
    described = json.loads(info.stdout)
    assert described["parameters"]["minexp"] == 1500
    assert described["options"] == "--expert 1 16658 64 1500"


# --------------------------------------------------------------------------
# negative mode values reach the mode's own check

@pytest.mark.parametrize("options, message", [
    (["-a", "-1e-3"], "tolerance must be a finite number > 0, not -0.001"),
    (["--tolerance", "-1e-3"], "tolerance must be a finite number > 0, not -0.001"),
    (["-a", "-inf"], "tolerance must be a finite number > 0, not -inf"),
    (["-r", "-4"], "rate must be a finite number of bits per value > 0, not -4.0"),
    (["--rate", "-2.5e1"], "rate must be a finite number of bits per value > 0, not -25.0"),
    (["-p", "-3"], "precision must be 1..64 bit planes, not -3"),
    (["-a", "1e-3", "-1e-4"], "unrecognized arguments"),
])
def test_negative_mode_values_get_the_modes_message(field, options, message):
    path, _ = field
    refused("compress", path, *options, expect=EXIT_USAGE, message=message)


def test_several_settings_may_be_negative_and_flags_still_parse(tmp_path, field):
    path, arr = field
    refused("stats", path, "-a", "1e-2", "-1e-4", "-r", "8", expect=EXIT_USAGE,
            message="tolerance must be a finite number > 0, not -0.0001")
    result = cli("compress", path, "-a", "1e-3", "-q", "-f", "-o", tmp_path / "s.zfp")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert (tmp_path / "s.zfp").read_bytes() == engine.compress(
        arr, Mode.from_args(tolerance=1e-3))
    assert cli("compress", path, "-c", "1", "0", "0", "-1074", "-q", "-o",
               tmp_path / "e.zfp").returncode == 0


# --------------------------------------------------------------------------
# a Zarr source's problems are told apart

@needs_zarr
def test_zarr_source_directory_problems_are_told_apart(tmp_path, field):
    import zarr
    path, arr = field
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("x")
    refused("zarr", tmp_path / "plain", tmp_path / "d.zarr", expect=EXIT_FAILURE,
            message="plain is a directory but not a Zarr store")
    group = zarr.open_group(tmp_path / "g.zarr", mode="w")
    for name in ("a", "b"):
        group.create_array(name, shape=arr.shape, dtype=arr.dtype)[...] = arr
    refused("zarr", tmp_path / "g.zarr", tmp_path / "d.zarr", expect=EXIT_USAGE,
            message="g.zarr is a Zarr group; name the array with --array (arrays here: a, b)")
    refused("zarr", tmp_path / "g.zarr", "--array", "c", tmp_path / "d.zarr",
            expect=EXIT_FAILURE, message="g.zarr has no Zarr array c (arrays here: a, b)")
    zarr.create_array(tmp_path / "loose" / "t", shape=(4,), dtype="f4")  # no root metadata
    refused("zarr", tmp_path / "loose", tmp_path / "d.zarr", expect=EXIT_USAGE,
            message="loose is a Zarr group; name the array with --array (arrays here: t)")
    assert not (tmp_path / "d.zarr").exists()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("signum, stopped", [(signal.SIGTERM, "Terminated"),
                                              (signal.SIGINT, "KeyboardInterrupt")])
def test_a_signal_python_swallows_still_ends_the_command(signum, stopped):
    """A SIGTERM or Ctrl-C that lands in a weakref callback (or a __del__)
    raises where Python only prints "Exception ignored": the work then runs
    to its end, and the command must still report that it was stopped
    (exit 143 or 130), as CI once saw it not do after an h5 import."""
    import weakref

    from zfpcodec.cli.command_line import _signals_stop_cleanly
    from zfpcodec.cli.errors import Terminated

    class Thing:
        pass

    def stop(_: object) -> None:
        # to this thread, and its handler runs before raise_signal returns
        signal.raise_signal(signum)

    expected = {"Terminated": Terminated, "KeyboardInterrupt": KeyboardInterrupt}[stopped]
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        thing = Thing()
        ref = weakref.ref(thing, stop)
        with pytest.raises(expected) as caught:
            with _signals_stop_cleanly():
                del thing            # the callback runs, its exception is ignored
                finished = True      # ...and the work goes on
        assert type(caught.value) is expected
        assert finished and ref() is None
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_swallowed_stop_still_keeps_the_old_output(tmp_path, signum):
    """A stop Python dropped (raised in a weakref callback) must not let the
    work replace the output: the commit raises it again, the old file stays
    and the temporary name goes; Python's 'Exception ignored' is not
    printed (CI saw an h5 import finish and replace its file that way)."""
    import io
    import weakref
    from contextlib import redirect_stderr

    from zfpcodec.cli.command_line import _signals_stop_cleanly
    from zfpcodec.cli.outputs import staged_file

    class Thing:
        pass

    target = tmp_path / "out.zfp"
    target.write_bytes(b"old")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    errors = io.StringIO()
    try:
        with redirect_stderr(errors), pytest.raises(KeyboardInterrupt):
            with _signals_stop_cleanly(), staged_file(str(target)) as temp:
                thing = Thing()
                ref = weakref.ref(thing, lambda _: signal.raise_signal(signum))
                del thing                       # the stop is raised and dropped here
                assert ref() is None
                with open(temp, "wb") as file:  # ...and the work goes on
                    file.write(b"new")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.zfp"]
    assert "Exception ignored" not in errors.getvalue()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("staged", ["staged_file", "staged_directory"])
def test_a_stop_held_while_the_output_is_flushed_keeps_the_old_output(
        tmp_path, monkeypatch, signum, staged):
    """The commands hold Ctrl-C and SIGTERM around their work
    (`HeldInterrupts`); one that comes while the finished output is being
    flushed to disk must stop the commit: a probe saw zarr, h5 import and
    h5 export replace the old output, then exit 130 as if nothing had
    been written."""
    from zfpcodec.cli import outputs
    from zfpcodec.cli.command_line import _signals_stop_cleanly
    from zfpcodec.cli.errors import Terminated

    target = tmp_path / "out"
    if staged == "staged_file":
        target.write_bytes(b"old")
    else:
        target.mkdir()
        (target / "old").write_bytes(b"old")
    before = {p.relative_to(tmp_path): p.read_bytes() if p.is_file() else None
              for p in tmp_path.rglob("*")}
    flush = outputs._fsync_file

    def flush_then_stop(path: str) -> None:
        flush(path)
        signal.raise_signal(signum)      # held: the handler only records it

    monkeypatch.setattr(outputs, "_fsync_file", flush_then_stop)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(Terminated if signum == signal.SIGTERM else KeyboardInterrupt):
            with _signals_stop_cleanly(), outputs.HeldInterrupts():
                with getattr(outputs, staged)(str(target)) as temp:
                    if staged == "staged_file":
                        Path(temp).write_bytes(b"new")
                    else:
                        (Path(temp) / "new").write_bytes(b"new")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert {p.relative_to(tmp_path): p.read_bytes() if p.is_file() else None
            for p in tmp_path.rglob("*")} == before
