"""The ``zfpcodec`` command line, run as a subprocess on real files.

Every subcommand's work (compress, decompress, info, stats, zarr, demo) is
checked against the in-process engine (`zfpcodec.engine`) or the data it
started from; every error path for its exit status (1: the work failed,
2: a wrong command line) and for a message that names the problem.
Interoperability with the zfp program is in test_cli_zfp_interop.py.
"""

from __future__ import annotations

import io
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from cli_process import run_zfpcodec
from common import corrupt_zarr_source

from zfpcodec import engine
from zfpcodec.cli.zarr import chunk_batches
from zfpcodec.modes import Mode

EXIT_FAILURE, EXIT_USAGE = 1, 2
ZARR_AVAILABLE = all(__import__("importlib").util.find_spec(m) for m in ("zarr", "numcodecs"))
needs_zarr = pytest.mark.skipif(not ZARR_AVAILABLE, reason="zarr and numcodecs not installed")


def run(*args, stdin: bytes | None = None, expect: int = 0, text: bool = True,
        timeout: float | None = None) -> subprocess.CompletedProcess:
    """`python -m zfpcodec ARGS` (forked warm: tests/cli_process.py),
    asserting its exit status."""
    result = run_zfpcodec(args, stdin=stdin, text=text, timeout=timeout)
    assert result.returncode == expect, (result.stdout, result.stderr)
    return result


def fails(*args, expect: int, message: str) -> str:
    """Run a command that must fail with `expect`, naming `message`; the
    stderr, which must be one line for a failure of the work."""
    stderr = run(*args, expect=expect).stderr
    assert message in stderr, stderr
    assert "Traceback" not in stderr, stderr
    if expect == EXIT_FAILURE:
        assert stderr.startswith("zfpcodec ") and stderr.count("\n") == 1, stderr
    return stderr


def smooth(shape, dtype=np.float32, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.standard_normal(shape), axis=-1)
    if np.dtype(dtype).kind == "i":
        values *= 1000
    return values.astype(dtype)


@pytest.fixture
def field(tmp_path) -> tuple[Path, np.ndarray]:
    arr = smooth((12, 17, 9))
    path = tmp_path / "field.npy"
    np.save(path, arr)
    return path, arr


# --------------------------------------------------------------------------
# compress / decompress

@pytest.mark.parametrize("dtype, options, mode, bound", [
    (np.float32, ["--tolerance", "1e-3"], Mode.from_args(tolerance=1e-3), 1e-3),
    (np.float64, ["-a", "0.5"], Mode.from_args(tolerance=0.5), 0.5),
    (np.float64, ["--rate", "16"], Mode.from_args(rate=16), None),
    (np.int32, ["--precision", "20"], Mode.from_args(precision=20), None),
    # zfp -c: MAXBITS 0 is unlimited, MAXPREC 0 the type's 64 bits (still lossy for ints)
    (np.int64, ["--expert", "1", "0", "0", "-1074"],
     Mode.from_args(minbits=1, maxbits=16658, maxprec=64, minexp=-1074), None),
    (np.float32, ["--reversible"], Mode.from_args(reversible=True), 0),
    (np.int32, [], Mode.from_args(reversible=True), 0),
])
def test_npy_round_trip_is_the_engines_stream_in_every_mode(tmp_path, dtype, options, mode,
                                                            bound):
    arr = smooth((6, 10, 7), dtype)
    np.save(tmp_path / "a.npy", arr)
    run("compress", tmp_path / "a.npy", *options, "-q")
    stream = (tmp_path / "a.npy.zfp").read_bytes()
    assert stream == engine.compress(arr, mode, rate_clamp=True)
    (tmp_path / "a.npy").unlink()
    run("decompress", tmp_path / "a.npy.zfp", "-q")          # writes a.npy again
    back = np.load(tmp_path / "a.npy")
    assert back.dtype == dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, engine.decompress(stream))
    if bound is not None:
        assert np.max(np.abs(back.astype(float) - arr)) <= bound


def test_raw_files_round_trip_with_dtype_and_shape(tmp_path):
    arr = smooth((5, 8, 9, 3), np.float64)
    arr.tofile(tmp_path / "a.f64")
    run("compress", tmp_path / "a.f64", "-t", "f64", "--shape", "5x8x9x3", "-R",
        "-o", tmp_path / "a.zfp", "-q")
    run("decompress", tmp_path / "a.zfp", "-o", tmp_path / "b.f64", "-q")
    assert (tmp_path / "b.f64").read_bytes() == arr.tobytes()
    run("decompress", tmp_path / "a.zfp", "-o", tmp_path / "b.dat", "--format", "npy", "-q")
    np.testing.assert_array_equal(np.load(tmp_path / "b.dat"), arr)


def test_big_endian_and_fortran_order_inputs_compress_their_values(tmp_path):
    arr = smooth((9, 13), np.float32)
    np.save(tmp_path / "f.npy", np.asfortranarray(arr))
    np.save(tmp_path / "b.npy", arr.astype(">f4"))
    arr.astype(">f4").tofile(tmp_path / "b.raw")
    run("compress", tmp_path / "f.npy", "-q")
    run("compress", tmp_path / "b.npy", "-q")
    run("compress", tmp_path / "b.raw", "--dtype", ">f4", "--shape", "9,13", "-q")
    expected = engine.compress(arr, Mode.from_args(reversible=True))
    for name in ("f.npy.zfp", "b.npy.zfp", "b.raw.zfp"):
        assert (tmp_path / name).read_bytes() == expected, name


def test_stdin_to_stdout_pipes(tmp_path, field):
    path, arr = field
    stream = run("compress", "-", "-r", "12", "-q", stdin=path.read_bytes()).stdout
    assert stream == engine.compress(arr, Mode.from_args(rate=12), rate_clamp=True)
    raw = run("decompress", "-", "-q", stdin=stream).stdout
    np.testing.assert_array_equal(np.frombuffer(raw, np.float32).reshape(arr.shape),
                                  engine.decompress(stream))
    npy = run("decompress", "-", "--format", "npy", "-q", stdin=stream).stdout
    assert npy.startswith(b"\x93NUMPY")


def fifo_of(folder: Path, data: bytes) -> tuple[Path, threading.Thread]:
    """A named pipe in `folder` and the thread that writes `data` into it
    once a reader opens it (join it after the command)."""
    path = folder / "pipe"
    os.mkfifo(path)

    def feed() -> None:
        with open(path, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return path, writer


FIFO_COMMANDS = ["compress npy", "compress raw", "decompress", "info", "stats", "zarr"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes as POSIX has them")
@pytest.mark.parametrize("command", FIFO_COMMANDS)
def test_a_pipe_given_by_name_is_read_whole(tmp_path, field, command):
    """A FIFO, a shell's <(command) or /dev/stdin on a pipe can be neither
    memory-mapped nor reopened: the command reads it once, whole, as it
    reads '-' (opened twice, it would wait for a second writer forever)."""
    path, arr = field
    stream = engine.compress(arr, Mode.from_args(rate=8), rate_clamp=True)
    kind = command.split()[-1]
    data = {"npy": path.read_bytes(), "raw": arr.tobytes(), "decompress": stream,
            "info": stream, "stats": path.read_bytes(), "zarr": path.read_bytes()}[kind]
    pipe, writer = fifo_of(tmp_path, data)
    out = tmp_path / "out"
    if command.startswith("compress"):
        extra = ["-t", "f32", "--shape", ",".join(map(str, arr.shape))] if kind == "raw" else []
        run("compress", pipe, *extra, "-r", "8", "-o", out, "-q", timeout=60)
        assert out.read_bytes() == stream
    elif command == "decompress":
        run("decompress", pipe, "-o", out.with_suffix(".npy"), "-q", timeout=60)
        np.testing.assert_array_equal(np.load(out.with_suffix(".npy")), engine.decompress(stream))
    elif command == "info":
        assert json.loads(run("info", pipe, "--json", timeout=60).stdout)["dtype"] == "float32"
    elif command == "stats":
        assert "rate 8" in run("stats", pipe, "-r", "8", timeout=60).stdout
    else:
        if not ZARR_AVAILABLE:
            pytest.skip("zarr and numcodecs not installed")
        import zarr
        run("zarr", pipe, out.with_suffix(".zarr"), "-r", "8", "-q", timeout=60)
        np.testing.assert_array_equal(zarr.open_array(out.with_suffix(".zarr"), mode="r")[...],
                                      engine.decompress(stream))
    writer.join(timeout=60)
    assert not writer.is_alive()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_raw_input_from_an_endless_stream_stops_past_its_size(tmp_path):
    """Raw values of a known size are read from stdin or a device no
    further than a byte past that size: an input that holds more is an
    error that says so, and one that never ends (here /dev/zero) is not
    read into memory forever."""
    need = 16 * 16 * 4
    message = f"holds more than {need} bytes, but float32 values of shape 16x16 take {need} bytes"
    out = tmp_path / "z.zfp"

    def compress(source: str) -> list:
        return ["compress", source, "-t", "f32", "--shape", "16,16", "-r", "8", "-o", out, "-q"]

    stderr = fails(*compress("/dev/zero"), expect=EXIT_FAILURE, message=message)
    assert stderr.startswith("zfpcodec compress: error: /dev/zero holds"), stderr
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run([sys.executable, "-m", "zfpcodec", *compress("-")], stdin=zeros,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_FAILURE and f"<stdin> {message}" in done.stderr, done.stderr
    short = run(*compress("-"), stdin=bytes(1000), expect=EXIT_FAILURE, text=False).stderr
    assert f"<stdin> holds 1000 bytes, but float32 values of shape 16x16 take {need}".encode() \
        in short
    assert not out.exists()
    run(*compress("-"), stdin=bytes(need))
    assert (engine.decompress(out.read_bytes()) == 0).all()


def endless(prefix: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m zfpcodec ARGS` reading stdin from a pipe that carries the
    file `prefix`, then zeros for ever, in at most 3 GiB of address space
    (a command that read it whole would fail, not take the machine)."""
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    feeder = subprocess.Popen(["sh", "-c", 'cat "$0" /dev/zero', str(prefix)],
                              stdout=subprocess.PIPE)
    try:
        return subprocess.run([sys.executable, "-m", "zfpcodec", *map(str, args)],
                              stdin=feeder.stdout, capture_output=True, text=True, cwd=cwd,
                              timeout=120, preexec_fn=limited)
    finally:
        feeder.kill()
        feeder.wait()
        assert feeder.stdout is not None
        feeder.stdout.close()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.skipif(bool(os.environ.get("ZFPCODEC_SANITIZED_SITE")),
                    reason="AddressSanitizer's shadow memory needs more address space than "
                           "the limit that keeps a regression from taking the machine")
def test_a_stream_or_npy_from_an_endless_pipe_is_read_no_further_than_it_can_reach(
        tmp_path, field):
    """A pipe or device that never ends is read no further than its first
    bytes say the input can reach: a header says how far a zfp stream or a
    .npy file can go, and bytes that begin neither are refused at once."""
    path, arr = field
    stream = tmp_path / "s.zfp"
    stream.write_bytes(engine.compress(arr, Mode.from_args(tolerance=1e-3)))
    headerless = tmp_path / "h.zfp"
    headerless.write_bytes(engine.compress(arr, Mode.from_args(rate=8), header=False,
                                           rate_clamp=True))
    nothing = tmp_path / "empty"
    nothing.write_bytes(b"")
    shape = ",".join(map(str, arr.shape))
    for args, status, message in [
            (("info", "-"), EXIT_FAILURE, "<stdin> is not a zfp stream with a header"),
            (("decompress", "-", "-o", "x.npy"), EXIT_FAILURE, "<stdin> has no zfp header"),
            (("compress", "-", "-R", "-o", "x.zfp"), EXIT_USAGE, "<stdin> is not a .npy file"),
            (("stats", "-", "-R"), EXIT_USAGE, "<stdin> is not a .npy file")]:
        done = endless(nothing, *args, cwd=tmp_path)
        assert done.returncode == status and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
    # a whole input, then more: the zeros past a stream are ignored (as
    # zfp does), past headerless blocks they are a wrong description, and
    # past a .npy file's values they are ignored (as np.load does)
    done = endless(stream, "decompress", "-", "-o", "s.npy", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"),
                                  engine.decompress(stream.read_bytes()))
    done = endless(stream, "info", "-", "--json", cwd=tmp_path)
    assert json.loads(done.stdout)["shape"] == list(arr.shape), done.stderr
    done = endless(headerless, "decompress", "-", "-t", "f32", "--shape", shape, "-r", "8",
                   "-o", "h.npy", cwd=tmp_path)
    assert done.returncode == EXIT_FAILURE and "does not fit its description" in done.stderr
    done = endless(path, "compress", "-", "-R", "-o", "r.zfp", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(engine.decompress((tmp_path / "r.zfp").read_bytes()), arr)


def test_npy_to_a_stdout_pipe_without_unbuffered_python(tmp_path, field):
    """np.save on a buffered pipe fails once it needs the file position
    (after the header); Python runs buffered unless told otherwise."""
    path, arr = field
    run("compress", path, "-o", tmp_path / "f.zfp", "-r", "12", "-q")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    done = subprocess.run([sys.executable, "-m", "zfpcodec", "decompress", tmp_path / "f.zfp",
                           "-o", "-", "--format", "npy", "-q"], capture_output=True, env=env)
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    np.testing.assert_array_equal(np.load(io.BytesIO(done.stdout)),
                                  engine.decompress((tmp_path / "f.zfp").read_bytes()))


def test_decompress_region_reads_only_the_blocks_it_needs(tmp_path):
    """--region in NumPy syntax: the values of that part of the full decode;
    from a fixed-rate file only the header and the blocks' bytes are read
    (the count printed is what was read, and noise everywhere else in the
    file changes nothing); other modes read a prefix."""
    from zfpcodec.region import HEADER_MAX_BYTES, StreamLayout

    arr = smooth((40, 36, 32), np.float64)
    np.save(tmp_path / "a.npy", arr)
    run("compress", tmp_path / "a.npy", "-r", "8", "-o", tmp_path / "a.zfp", "-q")
    stream = (tmp_path / "a.zfp").read_bytes()
    full = engine.decompress(stream)
    layout = StreamLayout.from_header(stream)
    region, sel = "3:9, ::-5, -1", np.s_[3:9, ::-5, -1]
    ranges = layout.byte_ranges(sel)
    noisy = bytearray(np.random.default_rng(0).integers(0, 256, len(stream), np.uint8))
    noisy[:HEADER_MAX_BYTES] = stream[:HEADER_MAX_BYTES]
    for start, stop in ranges:
        noisy[start:stop] = stream[start:stop]
    (tmp_path / "noisy.zfp").write_bytes(noisy)
    note = run("decompress", tmp_path / "noisy.zfp", "--region", region,
               "-o", tmp_path / "part.npy").stderr
    np.testing.assert_array_equal(np.load(tmp_path / "part.npy"), full[sel])
    read = HEADER_MAX_BYTES + sum(stop - start for start, stop in ranges)
    assert f"(read {read} of its {len(stream)} bytes)" in note and read < len(stream) / 10
    # standard input is read whole: no partial read is claimed
    piped = run("decompress", "-", "--region", region, "-o", tmp_path / "piped.npy",
                stdin=stream, text=False)
    assert b" of its " not in piped.stderr and b" -> " in piped.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "piped.npy"), full[sel])
    # a headerless stream, lists of indices, '...'
    run("compress", tmp_path / "a.npy", "--no-header", "-r", "8", "-o", tmp_path / "h.zfp",
        "-q")
    run("decompress", tmp_path / "h.zfp", "-t", "f64", "--shape", "40,36,32", "-r", "8",
        "--region", "..., [0, 31, 5]", "-o", tmp_path / "h.npy", "-q")
    np.testing.assert_array_equal(np.load(tmp_path / "h.npy"), full[..., [0, 31, 5]])
    # a region that begins with a minus sign is a value, not an option
    run("decompress", tmp_path / "a.zfp", "--region", "-2:,5", "-o", tmp_path / "m.npy",
        "-q")
    np.testing.assert_array_equal(np.load(tmp_path / "m.npy"), full[-2:, 5])
    # variable rate: a prefix
    run("compress", tmp_path / "a.npy", "-a", "1e-3", "-o", tmp_path / "v.zfp", "-q")
    stream = (tmp_path / "v.zfp").read_bytes()
    note = run("decompress", tmp_path / "v.zfp", "--region", "0, 0:4, 0:4",
               "-o", tmp_path / "v.npy").stderr
    np.testing.assert_array_equal(np.load(tmp_path / "v.npy"),
                                  engine.decompress(stream)[0, 0:4, 0:4])
    assert f"of its {len(stream)} bytes" in note
    fails("decompress", tmp_path / "v.zfp", "--region", "0, 99", "-o", tmp_path / "x.npy",
          expect=EXIT_FAILURE, message="--region: index 99 is out of bounds for axis 1")
    fails("decompress", tmp_path / "v.zfp", "--region", "0, x", "-o", tmp_path / "x.npy",
          expect=EXIT_USAGE, message="'0, x' is not a region")
    fails("decompress", tmp_path / "v.zfp", "--region", "::0", "-o", tmp_path / "x.npy",
          expect=EXIT_FAILURE, message="--region: slice step cannot be zero")
    # a fixed-rate file cut before the region's blocks: says so, writes nothing
    (tmp_path / "cut.zfp").write_bytes((tmp_path / "a.zfp").read_bytes()[:700])
    fails("decompress", tmp_path / "cut.zfp", "--region", "39", "-o", tmp_path / "x.npy",
          expect=EXIT_FAILURE, message="but the 700-byte input holds only")
    assert not (tmp_path / "x.npy").exists()
    fails("decompress", tmp_path / "v.zfp", "--region", "1] + _[2", "-o", tmp_path / "x.npy",
          expect=EXIT_USAGE, message="'1] + _[2' is not a region")
    # nesting deeper than Python's parser goes (a RecursionError traceback)
    fails("decompress", tmp_path / "v.zfp", "--region=" + "-" * 3000 + "1", "-o",
          tmp_path / "x.npy", expect=EXIT_USAGE, message="is not a region")


@pytest.mark.parametrize("fmt", ["raw", "npy"])
def test_an_empty_region_is_an_empty_output(tmp_path, field, fmt):
    path, arr = field
    run("compress", path, "-R", "-o", tmp_path / "s.zfp", "-q")
    out = tmp_path / f"r.{fmt}"
    run("decompress", tmp_path / "s.zfp", "--region", "0:0", "-o", out, "-q")
    if fmt == "raw":
        assert out.read_bytes() == b""
    else:
        assert np.load(out).shape == (0,) + arr.shape[1:]


@pytest.mark.parametrize("missing", ["nan", "-9999"])
def test_stats_of_an_array_whose_every_value_is_missing(tmp_path, missing):
    path = tmp_path / "gone.npy"
    np.save(path, np.full((10, 10), float(missing), np.float32))
    out = run("stats", path, "--missing", missing, "-R", "-a", "1").stdout
    assert "100 of 100 values missing" in out and "(no error to measure)" in out, out
    rows = json.loads(run("stats", path, "--missing", missing, "-R", "--json").stdout)["rows"]
    assert [math.isnan(rows[0][key]) for key in ("max_error", "rmse", "psnr")] == [True] * 3


def test_headerless_streams_need_and_use_dtype_shape_and_mode(tmp_path, field):
    path, arr = field
    run("compress", path, "--no-header", "-r", "6", "-o", tmp_path / "h.zfp", "-q")
    stream = (tmp_path / "h.zfp").read_bytes()
    assert stream == engine.compress(arr, Mode.from_args(rate=6), header=False,
                                     rate_clamp=True)
    run("decompress", tmp_path / "h.zfp", "-t", "float32", "--shape", "12,17,9", "-r", "6",
        "-o", tmp_path / "h.npy", "-q")
    np.testing.assert_array_equal(
        np.load(tmp_path / "h.npy"),
        engine.decompress(stream, dtype=np.float32, shape=arr.shape,
                          mode=Mode.from_args(rate=6)))
    fails("decompress", tmp_path / "h.zfp", "-o", tmp_path / "x", expect=EXIT_FAILURE,
          message="has no zfp header")
    fails("decompress", tmp_path / "h.zfp", "-t", "f32", "--shape", "12,17,9", "-o",
          tmp_path / "x", expect=EXIT_USAGE, message="needs the mode it was compressed with")


@pytest.mark.parametrize("written, described", [
    (["-r", "8"], ["-t", "f32", "--shape", "6,17,9", "-r", "8"]),      # too few values
    (["-a", "1e-3"], ["-t", "f64", "--shape", "12,17,9", "-a", "1e-3"]),  # another type
    (["-r", "8"], ["-t", "f32", "--shape", "12,17,9", "-r", "4"]),     # another rate
    (["-a", "1e-3"], ["-t", "f32", "--shape", "12,17,9", "-a", "1e-2"]),
    (["-a", "1e-3"], ["-t", "f32", "--shape", "12,17,9", "-p", "12"]),
    (["-p", "16"], ["-t", "f32", "--shape", "12,8,9", "-p", "16"]),
    (["-R"], ["-t", "f64", "--shape", "12,17,9", "-R"]),
])
def test_a_headerless_stream_described_wrongly_is_refused(tmp_path, field, written, described):
    """A headerless stream decoded with another type, shape or mode ends
    far from where its bytes do: the values would be garbage, so nothing
    is written and the error names the options to fix (the zfp program
    writes the garbage).  (Only what the length shows: at a fixed rate,
    another type or shape of as many blocks fits the same bytes.)"""
    path, _ = field
    run("compress", path, "--no-header", *written, "-o", tmp_path / "h.zfp", "-q")
    # whole, or a region (read from the blocks it needs, where it wrote a value)
    for region in ([], ["--region", "0, 0, 0"], ["--region", "-1"]):
        stderr = fails("decompress", tmp_path / "h.zfp", *described, *region, "-o",
                       tmp_path / "x.npy", expect=EXIT_FAILURE,
                       message="does not fit its description")
        assert "give the --dtype, --shape and mode it was compressed with" in stderr
        assert not (tmp_path / "x.npy").exists()


def test_a_headerless_stream_may_end_on_any_zfp_word(tmp_path, field):
    """zfp pads a stream to its build's stream word: 64 bits here and in
    zfpy, 8 in Debian's zfp program.  Any padding from a byte to 64 bits
    reads; a byte more, or a byte short of the blocks, does not."""
    path, arr = field
    run("compress", path, "--no-header", "-a", "1e-3", "-o", tmp_path / "h.zfp", "-q")
    stream = (tmp_path / "h.zfp").read_bytes()
    described = ["-t", "f32", "--shape", "12,17,9", "-a", "1e-3"]
    expected = engine.decompress(stream, dtype=np.float32, shape=arr.shape,
                                 mode=Mode.from_args(tolerance=1e-3))
    blocks_end = len(stream.rstrip(b"\0"))   # the last block ends in a 1 bit
    assert len(stream) - blocks_end < 8
    for length in range(blocks_end, len(stream) + 1):
        (tmp_path / "p.zfp").write_bytes(stream[:length])
        run("decompress", tmp_path / "p.zfp", *described, "-o", tmp_path / "p.npy", "-q",
            "-f")
        np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), expected)
    (tmp_path / "p.zfp").write_bytes(stream + bytes(1))
    fails("decompress", tmp_path / "p.zfp", *described, "-o", tmp_path / "x.npy",
          expect=EXIT_FAILURE, message="does not fit its description")


def test_compress_reports_sizes_and_mode_unless_quiet(tmp_path, field):
    path, arr = field
    stderr = run("compress", path, "-a", "0.01").stderr
    assert f"{arr.nbytes} -> " in stderr and "fixed accuracy, tolerance 2^-7" in stderr
    assert run("compress", path, "-a", "0.01", "-q", "--force").stderr == ""


def test_threads_do_not_change_the_stream(tmp_path, field):
    path, _ = field
    run("compress", path, "-p", "14", "--threads", "2", "-o", tmp_path / "t2.zfp", "-q")
    run("compress", path, "-p", "14", "-o", tmp_path / "t1.zfp", "-q")
    assert (tmp_path / "t2.zfp").read_bytes() == (tmp_path / "t1.zfp").read_bytes()


# --------------------------------------------------------------------------
# info

def test_info_reports_the_header(tmp_path, field):
    path, arr = field
    run("compress", path, "-r", "8", "-q")
    stream = Path(f"{path}.zfp")
    text = run("info", stream).stdout
    for expected in ("float32", "12x17x9", "nx=9 ny=17 nz=12",
                     "fixed rate 8 bits/value (512 bits per block)", "--rate 8",
                     f"{arr.nbytes} bytes", f"{stream.stat().st_size} bytes"):
        assert expected in text, (expected, text)
    info = json.loads(run("info", stream, "--json", "--verify").stdout)
    assert info["dtype"] == "float32" and info["shape"] == [12, 17, 9]
    assert info["mode"] == "fixed rate" and info["verified"] is True
    assert info["parameters"] == dict(minbits=512, maxbits=512, maxprec=64, minexp=-1074)
    assert info["ratio"] == pytest.approx(arr.nbytes / stream.stat().st_size)
    assert info["header_bits"] == 96


@pytest.mark.parametrize("options, mode, same_as", [
    (["-a", "1e-3"], "fixed accuracy", "--tolerance 0.0009765625"),
    (["-p", "17"], "fixed precision", "--precision 17"),
    (["-R"], "reversible", "--reversible"),
    (["-p", "64"], "expert", "--expert 1 16658 64 -1074"),        # format.md §3.7: the defaults
    (["-c", "5", "900", "30", "-20"], "expert", "--expert 5 900 30 -20"),
])
def test_info_names_each_mode_and_the_options_that_reproduce_it(tmp_path, field, options,
                                                                  mode, same_as):
    path, _ = field
    run("compress", path, *options, "-o", tmp_path / "s.zfp", "-q")
    info = json.loads(run("info", tmp_path / "s.zfp", "--json").stdout)
    assert info["mode"] == mode and info["options"] == same_as
    run("compress", path, *same_as.split(), "-o", tmp_path / "again.zfp", "-q")
    assert (tmp_path / "again.zfp").read_bytes() == (tmp_path / "s.zfp").read_bytes()


def test_info_of_a_zfpy_rate_below_the_double_minimum_suggests_expert(tmp_path):
    # zfpy's compress_numpy does not clamp rates (format.md §3.2, §14.1): 1-D double
    # rate 2 is 8 bits per block, which --rate 2 (clamped to 12) cannot give.
    arr = np.linspace(0, 1, 100)
    stream = engine.compress(arr, Mode.from_args(rate=2), rate_clamp=False)
    (tmp_path / "zfpy.zfp").write_bytes(stream)
    info = json.loads(run("info", tmp_path / "zfpy.zfp", "--json").stdout)
    assert info["mode"] == "fixed rate" and info["options"] == "--expert 8 8 64 -1074"
    np.save(tmp_path / "a.npy", arr)
    run("compress", tmp_path / "a.npy", *info["options"].split(), "-q")
    assert (tmp_path / "a.npy.zfp").read_bytes() == stream


# --------------------------------------------------------------------------
# stats

def test_stats_table_has_a_row_per_setting_in_command_line_order(field):
    path, arr = field
    out = run("stats", path, "-a", "1e-2", "1e-4", "-r", "8", "-R", "-c", "1", "0", "0",
              "-1074", "-p", "20").stdout
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}: float32 12x17x9")
    assert lines[1].split()[:2] == ["setting", "ratio"] and "PSNR" in lines[1]
    assert [line.split()[0] for line in lines[3:]] == ["tolerance", "tolerance", "rate",
                                                        "reversible", "expert", "precision"]


def test_stats_json_measures_what_the_engine_does(field):
    path, arr = field
    rows = json.loads(run("stats", path, "-a", "1e-3", "-r", "10", "-R", "--json",
                          "--repeat", "2").stdout)["rows"]
    assert [r["setting"] for r in rows] == ["tolerance 0.001", "rate 10", "reversible"]
    stream = engine.compress(arr, Mode.from_args(tolerance=1e-3))
    back = engine.decompress(stream)
    diff = back.astype(float) - arr
    assert rows[0]["stream_bytes"] == len(stream)
    assert rows[0]["ratio"] == pytest.approx(arr.nbytes / len(stream))
    assert rows[0]["bits_per_value"] == pytest.approx(8 * len(stream) / arr.size)
    assert rows[0]["max_error"] == pytest.approx(np.abs(diff).max())
    assert rows[0]["rmse"] == pytest.approx(np.sqrt(np.mean(diff ** 2)))
    assert rows[0]["psnr"] == pytest.approx(
        20 * np.log10((arr.max() - arr.min()) / (2 * rows[0]["rmse"])))
    assert rows[0]["max_error"] <= 1e-3
    assert rows[2]["max_error"] == 0 and rows[2]["psnr"] == float("inf")
    assert all(r["compress_mbps"] > 0 and r["decompress_mbps"] > 0 for r in rows)


def test_stats_defaults_to_three_rates_and_lossless(field):
    path, _ = field
    rows = json.loads(run("stats", path, "--json").stdout)["rows"]
    assert [r["setting"] for r in rows] == ["rate 4", "rate 8", "rate 16", "reversible"]


def test_progress_line_only_on_request_when_not_a_terminal(field):
    path, _ = field
    assert "\r" not in run("stats", path, "-r", "4").stderr
    assert "[" in run("stats", path, "-r", "4", "--progress").stderr


# --------------------------------------------------------------------------
# zarr and demo

@needs_zarr
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_recompresses_an_npy_file_chunk_by_chunk(tmp_path, zarr_format):
    import zarr
    arr = smooth((40, 36, 22))
    np.save(tmp_path / "a.npy", arr)
    dest = tmp_path / "a.zarr"
    stderr = run("zarr", tmp_path / "a.npy", dest, "-a", "1e-3", "--chunks", "16,16,8",
                 "--zarr-format", zarr_format).stderr
    assert "ratio" in stderr
    z = zarr.open_array(dest, mode="r")
    assert z.metadata.zarr_format == zarr_format and z.chunks == (16, 16, 8)
    assert np.max(np.abs(z[...] - arr)) <= 1e-3
    config = json.dumps(z.metadata.to_dict())
    assert ('"zfp"' if zarr_format == 3 else '"zfpy"') in config


@needs_zarr
@pytest.mark.parametrize("missing", [[], ["--missing", "-9999"]])
def test_zarr_v2_stores_byte_swapped_values_as_native_ones(tmp_path, missing):
    """numcodecs hands codecs native values, so a v2 copy of a big-endian
    .npy is a native array of the same values (it was a TypeError
    traceback at the first chunk)."""
    import zarr
    values = np.arange(-30, 34, dtype=">i4").reshape(8, 8)
    np.save(tmp_path / "be.npy", values)
    run("zarr", tmp_path / "be.npy", tmp_path / "be.zarr", "-R", "--zarr-format", "2",
        *missing)
    back = zarr.open_array(tmp_path / "be.zarr", mode="r")
    assert back.dtype == np.dtype("=i4")
    np.testing.assert_array_equal(back[...], values)


@needs_zarr
@pytest.mark.parametrize("dtype", ["u1", "i2", "f2"])
def test_zarr_v3_takes_an_npy_file_of_a_type_its_codec_converts(tmp_path, dtype):
    """The v3 codec stores smaller types (a Zarr source of them was
    copied; an .npy of the same values was refused)."""
    import zarr
    values = np.arange(100).astype(dtype).reshape(10, 10)
    np.save(tmp_path / "small.npy", values)
    run("zarr", tmp_path / "small.npy", tmp_path / "small.zarr", "-R")
    back = zarr.open_array(tmp_path / "small.zarr", mode="r")
    assert back.dtype == values.dtype and back[...].tobytes() == values.tobytes()
    err = run("zarr", tmp_path / "small.npy", tmp_path / "v2.zarr", "-R", "--zarr-format",
              "2", expect=EXIT_FAILURE).stderr
    assert f"zfp compresses int32, int64, float32 and float64 arrays, not {values.dtype}" in err
    assert not (tmp_path / "v2.zarr").exists()


@needs_zarr
def test_zarr_from_a_corrupt_source_chunk_is_one_line_and_leaves_nothing(tmp_path):
    result = run("zarr", corrupt_zarr_source(tmp_path), tmp_path / "out.zarr", "-R",
                 expect=EXIT_FAILURE)
    assert result.stderr.startswith("zfpcodec zarr: error: cannot read ")
    assert len(result.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.zarr"]


@needs_zarr
def test_zarr_copies_a_zarr_array_from_a_group_with_its_attributes(tmp_path):
    import zarr
    arr = smooth((30, 20), np.float64)
    group = zarr.open_group(tmp_path / "src.zarr", mode="w")
    src = group.create_array("t", shape=arr.shape, dtype=arr.dtype, chunks=(8, 20))
    src[...] = arr
    src.attrs["units"] = "K"
    fails("zarr", tmp_path / "src.zarr", tmp_path / "x.zarr", expect=EXIT_USAGE,
          message="is a Zarr group; name the array with --array (arrays here: t)")
    run("zarr", tmp_path / "src.zarr", "--array", "t", tmp_path / "d.zarr", "-R",
        "--zarr-format", "2", "-q")
    d = zarr.open_array(tmp_path / "d.zarr", mode="r")
    np.testing.assert_array_equal(d[...], arr)
    assert d.chunks == (8, 20) and dict(d.attrs) == {"units": "K"}
    fails("zarr", tmp_path / "src.zarr", "--array", "t", tmp_path / "d.zarr",
          expect=EXIT_FAILURE, message="d.zarr exists; use --force to replace it")
    run("zarr", tmp_path / "d.zarr", tmp_path / "d.zarr2", "-r", "16", "-q")
    run("zarr", tmp_path / "src.zarr", "--array", "t", tmp_path / "d.zarr", "-r", "16",
        "--force", "-q")


@needs_zarr
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_writes_and_reads_stores_in_zip_files(tmp_path, zarr_format):
    # a DEST named *.zip is a zip file (zarr's ZipStore), not a directory of
    # that name; a zip source is read as a Zarr store, not as a raw file
    import zipfile

    import zarr
    arr = smooth((40, 36, 22))
    np.save(tmp_path / "a.npy", arr)
    dest = tmp_path / "a.zarr.zip"
    run("zarr", tmp_path / "a.npy", dest, "-a", "1e-3", "--chunks", "16,16,8",
        "--zarr-format", zarr_format, "-q")
    assert zipfile.is_zipfile(dest)
    stored = zarr.open_array(zarr.storage.ZipStore(dest, mode="r"), mode="r")
    assert stored.metadata.zarr_format == zarr_format and stored.chunks == (16, 16, 8)
    assert np.max(np.abs(stored[...] - arr)) <= 1e-3
    run("zarr", dest, tmp_path / "copy.zarr", "-R", "-q")
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "copy.zarr", mode="r")[...],
                                  stored[...])
    before = dest.read_bytes()
    fails("zarr", tmp_path / "a.npy", dest, "-R", expect=EXIT_FAILURE,
          message="a.zarr.zip exists; use --force to replace it")
    assert dest.read_bytes() == before
    run("zarr", tmp_path / "copy.zarr", dest, "-R", "--force", "-q")
    np.testing.assert_array_equal(
        zarr.open_array(zarr.storage.ZipStore(dest, mode="r"), mode="r")[...], stored[...])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy", "a.zarr.zip", "copy.zarr"]
    fails("zarr", tmp_path / "a.npy", "s3://bucket/a.zarr.zip", expect=EXIT_USAGE,
          message="a Zarr store in a zip file must be a local file")
    (tmp_path / "dir.zip").mkdir()
    fails("zarr", tmp_path / "a.npy", tmp_path / "dir.zip", "--force", expect=EXIT_FAILURE,
          message="dir.zip is a directory, and a Zarr store named *.zip is written as a zip "
                  "file: choose another destination")


def test_chunk_batches_cover_the_array_once_on_chunk_boundaries():
    shape, chunks = (10, 7, 9), (4, 3, 5)
    for budget in (1, 60, 200, 500, 10**6):
        seen = np.zeros(shape, int)
        for region in chunk_batches(shape, chunks, budget):
            seen[region] += 1
            for s, c, n in zip(region, chunks, shape):
                assert s.start % c == 0 and (s.stop % c == 0 or s.stop == n)
            size = np.prod([s.stop - s.start for s in region])
            assert size <= max(budget, np.prod(chunks))
        assert (seen == 1).all(), budget


@needs_zarr
def test_demo_writes_zarr_stores_and_reports_bounds_that_hold(tmp_path):
    out = run("demo", "--shape", "24,20,16", "--chunks", "12,12,8", "-a", "0.5", "0.05",
              "--out", tmp_path / "demo").stdout
    assert "tolerance 0.5" in out and "reversible" in out and "Error bounds hold: yes" in out
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "lossless.zarr", "tolerance-0.05.zarr", "tolerance-0.5.zarr"]
    rows = json.loads(run("demo", "--shape", "16,16,16", "--json", "--zarr-format", "2")
                      .stdout)
    assert [r["setting"] for r in rows] == ["tolerance 0.1", "tolerance 0.01",
                                            "tolerance 0.001", "reversible"]
    assert all(r["bound_holds"] and r["ratio"] > 1 for r in rows)


@needs_zarr
def test_demo_with_a_tolerance_float32_cannot_keep_names_the_option(tmp_path):
    """The refusal is the demo's own (it was labelled a corrupt stream and
    named codec classes and options the demo does not have); nothing is
    left in --out."""
    err = run("demo", "--shape", "8,8,8", "--chunks", "8,8,8", "-a", "1e-9", "--out",
              tmp_path / "demo", expect=EXIT_FAILURE).stderr
    assert err.startswith("zfpcodec demo: error: tolerance 1e-09: 8 of 8 blocks span a "
                          "dynamic range too wide for the tolerance in float32")
    assert err.rstrip().endswith("Fix: a larger -a/--tolerance")
    assert "corrupt" not in err and not (tmp_path / "demo").exists()


def test_zarr_commands_without_zarr_say_what_to_install(tmp_path, field):
    path, _ = field
    code = ("import sys; sys.modules['zarr'] = None; from zfpcodec.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    for args in (["demo"], ["zarr", str(path), str(tmp_path / "z.zarr")]):
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                                text=True)
        assert result.returncode == EXIT_FAILURE
        assert "needs zarr >= 3 and numcodecs: pip install zarr numcodecs" in result.stderr


# --------------------------------------------------------------------------
# help, entry points and error paths

@pytest.mark.parametrize("command", [[], ["compress"], ["decompress"], ["info"], ["stats"],
                                     ["zarr"], ["demo"]])
def test_help_everywhere(command):
    out = run(*command, "--help").stdout
    assert out.startswith("usage: zfpcodec") and "--help" in out


def test_no_command_prints_usage_and_exits_2():
    assert "usage: zfpcodec" in run(expect=EXIT_USAGE).stderr


def test_console_script_runs_the_same_main(field):
    script = shutil.which("zfpcodec") or str(Path(sys.executable).with_name("zfpcodec"))
    if not os.access(script, os.X_OK):
        pytest.skip("the zfpcodec console script is not installed")
    result = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("zfpcodec ")


def test_missing_and_unreadable_inputs_exit_1_naming_the_path(tmp_path):
    fails("compress", tmp_path / "nope.npy", expect=EXIT_FAILURE,
          message=f"{tmp_path / 'nope.npy'}: no such file")
    fails("decompress", tmp_path / "nope.zfp", expect=EXIT_FAILURE, message="no such file")
    fails("info", tmp_path, expect=EXIT_FAILURE, message="is a directory")
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY garbage")
    fails("compress", tmp_path / "bad.npy", expect=EXIT_FAILURE,
          message="not a readable .npy file")


def test_unwritable_output_exits_1(tmp_path, field):
    path, _ = field
    fails("compress", path, "-o", tmp_path / "no" / "such" / "dir.zfp", expect=EXIT_FAILURE,
          message="No such file or directory")
    # the output named, not the hidden name it is written under
    stderr = fails("compress", path, "-o", f"{tmp_path}/newdir/", expect=EXIT_FAILURE,
                   message=f"cannot write {tmp_path}/newdir/")
    assert "partial" not in stderr


@needs_zarr
def test_settings_no_reader_decodes_are_one_line_in_every_command(tmp_path, field):
    """Settings whose streams no reader decodes back (blocks too long for a
    header; integer blocks of 0 bits) are refused in one line by stats and
    zarr as by compress, and so is a thread count past the engine's."""
    path, _ = field
    ints = tmp_path / "i.npy"
    np.save(ints, np.arange(4096, dtype=np.int32))
    for command in (["stats", path, "-r", "1000"], ["stats", ints, "-r", "0.01"],
                    ["zarr", path, tmp_path / "z.zarr", "-r", "1000", "--zarr-format", "2"],
                    ["zarr", ints, tmp_path / "z.zarr", "-r", "0.01"]):
        fails(*command, expect=EXIT_FAILURE, message="cannot be read back")
        assert not (tmp_path / "z.zarr").exists()
    fails("zarr", path, tmp_path / "z.zarr", "--threads", "9" * 20, expect=EXIT_USAGE,
          message="threads must be 0 (one per core) or a count up to")


@pytest.mark.parametrize("options, message", [
    (["--shape", "3,0"], "not a shape zfp can hold"),
    (["--shape", "1,2,3,4,5"], "not a shape zfp can hold"),
    (["--shape", "ten"], "is not a shape"),
    (["--dtype", "float16", "--shape", "4"], "'float16' is not a zfp scalar type"),
    (["--dtype", "u8", "--shape", "4"], "is not a zfp scalar type"),
    (["-a", "1e-3", "-r", "8"], "not allowed with argument"),
    (["-a", "0"], "tolerance must be a finite number > 0"),
    (["-a", "nan"], "tolerance must not be NaN"),
    (["-r", "-1"], "rate must be a finite number"),
    (["-p", "65"], "precision must be 1..64"),
    (["-c", "10", "5", "0", "0"], "minbits <= maxbits"),
    (["-r", "fast"], "invalid float value"),
    (["--threads", "-2"], "is not an integer >= 0"),
])
def test_bad_options_exit_2_with_a_message(field, options, message):
    path, _ = field
    fails("compress", path, *options, expect=EXIT_USAGE, message=message)


def test_raw_input_errors(tmp_path, field):
    path, arr = field
    arr.tofile(tmp_path / "a.raw")
    fails("compress", tmp_path / "a.raw", expect=EXIT_USAGE,
          message="is not a .npy file; for raw binary input give --dtype and --shape")
    fails("compress", tmp_path / "a.raw", "--dtype", "f32", expect=EXIT_USAGE,
          message="needs both --dtype and --shape")
    fails("compress", tmp_path / "a.raw", "--dtype", "f64", "--shape", "12,17,9",
          expect=EXIT_FAILURE, message=f"holds {arr.nbytes} bytes, but float64 values of "
                                       f"shape 12x17x9 take {2 * arr.nbytes} bytes")
    fails("compress", path, "--dtype", "f32", "--shape", "12,17,9", expect=EXIT_USAGE,
          message="is a .npy file, which records its own dtype and shape")
    fails("compress", path, "-o", path, expect=EXIT_USAGE, message="is the input")


@pytest.mark.parametrize("arr, message", [
    (np.zeros(8, np.float16), "zfp compresses int32, int64, float32 and float64 arrays, "
                              "not float16"),
    (np.zeros((2,) * 5, np.float32), "1 to 4 dimensions, not 5"),
    (np.zeros((3, 0), np.float32), "cannot compress an empty array"),
    (np.float32(1.5), "1 to 4 dimensions, not 0"),
])
def test_arrays_zfp_cannot_hold_exit_1(tmp_path, arr, message):
    np.save(tmp_path / "x.npy", arr)
    fails("compress", tmp_path / "x.npy", expect=EXIT_FAILURE, message=message)


def test_corrupt_and_truncated_streams_exit_1(tmp_path, field):
    path, _ = field
    run("compress", path, "-a", "1e-4", "-q")
    stream = Path(f"{path}.zfp").read_bytes()
    (tmp_path / "short.zfp").write_bytes(stream[:len(stream) // 2])
    (tmp_path / "header.zfp").write_bytes(stream[:9])
    (tmp_path / "version.zfp").write_bytes(b"zfp\x04" + stream[4:])
    (tmp_path / "text.zfp").write_text("not a stream")
    fails("decompress", tmp_path / "short.zfp", expect=EXIT_FAILURE,
          message="corrupt or truncated zfp stream")
    fails("decompress", tmp_path / "header.zfp", expect=EXIT_FAILURE,
          message="corrupt or truncated zfp stream")
    fails("decompress", tmp_path / "version.zfp", expect=EXIT_FAILURE,
          message="has no zfp header")
    fails("info", tmp_path / "text.zfp", expect=EXIT_FAILURE,
          message="is not a zfp stream with a header")
    fails("info", tmp_path / "short.zfp", "--verify", expect=EXIT_FAILURE,
          message="corrupt or truncated zfp stream")
    assert not (tmp_path / "short").exists()


def test_decompress_option_conflicts_exit_2(tmp_path, field):
    path, _ = field
    run("compress", path, "-q")
    fails("decompress", f"{path}.zfp", "-r", "8", expect=EXIT_USAGE,
          message="mode options are only for headerless streams")
    fails("decompress", f"{path}.zfp", "-t", "f32", "--shape", "12,17,9", "-R",
          expect=EXIT_USAGE, message="has a zfp header")
    fails("decompress", path, expect=EXIT_USAGE, message="does not end in .zfp): give -o")
    (tmp_path / ".zfp").write_bytes((tmp_path / f"{path.name}.zfp").read_bytes())
    fails("decompress", tmp_path / ".zfp", expect=EXIT_USAGE,
          message="(nothing comes before its .zfp): give -o")
    fails("decompress", f"{path}.zfp", "--format", "hdf5", expect=EXIT_USAGE,
          message="invalid choice: 'hdf5'")


@needs_zarr
def test_zarr_error_paths(tmp_path, field):
    path, _ = field
    fails("zarr", tmp_path / "missing.zarr", tmp_path / "d.zarr", expect=EXIT_FAILURE,
          message="no such file or Zarr store")
    (tmp_path / "empty").mkdir()
    fails("zarr", tmp_path / "empty", tmp_path / "d.zarr", expect=EXIT_FAILURE,
          message="empty is a directory but not a Zarr store")
    fails("zarr", path, tmp_path / "d.zarr", "--chunks", "4,4", expect=EXIT_USAGE,
          message="has 2 axes, the source 3")
    np.save(tmp_path / "i.npy", np.arange(64, dtype=np.int32).reshape(8, 8))
    fails("zarr", tmp_path / "i.npy", tmp_path / "i.zarr", "-a", "0.1", expect=EXIT_FAILURE,
          message="fixed_accuracy mode applies to floating-point data")
