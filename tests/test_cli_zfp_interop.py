"""Interoperability of the command line with the zfp program (oracle:
Debian's zfp 1.0.0, /usr/bin/zfp), on raw binary files, both directions.

For every scalar type, rank 1 to 4 and mode (fixed rate, fixed precision,
fixed accuracy, reversible, expert ``-c``), one array with partial blocks:

* ``zfpcodec compress`` writes the bytes ``zfp -h`` writes, except for the
  final padding (ours ends on 8 bytes, Debian's zfp, built with 8-bit stream
  words, on a byte; the padding is zero bits);
* ``zfp -h`` decompresses our stream to the values that we decompress from
  zfp's stream, and those are the values zfp decompresses from its own.

The same is checked for headerless streams (zfp without ``-h``, ours with
``--no-header``) for every type and mode in 3-D.  And ``stats`` reports the
errors ``zfp -s`` reports.

Without the zfp program (``apt-get install zfp``) these tests are skipped,
unless ZFPCODEC_REQUIRE_ZFP=1, when they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from cli_process import run_zfpcodec

ZFP = shutil.which("zfp")

if ZFP is None:
    if os.environ.get("ZFPCODEC_REQUIRE_ZFP") == "1":
        raise RuntimeError("the zfp program is required (ZFPCODEC_REQUIRE_ZFP=1) but not "
                           "on PATH: apt-get install zfp")
    pytest.skip("the zfp program is not installed (apt-get install zfp)",
                allow_module_level=True)

TYPES = {"i32": np.int32, "i64": np.int64, "f32": np.float32, "f64": np.float64}
SHAPES = {1: (103,), 2: (13, 18), 3: (7, 9, 11), 4: (5, 6, 7, 3)}   # partial blocks

# One setting per mode and rank, chosen to cover the header's forms (format.md
# §2.3) and the rate clamp (§3.2): rank 1 rate 0.5 is below the float/double
# block minimum, ranks 3 and 4 rates give more than 2048 bits per block
# (long-form header), precision 64 is the default quadruple (expert, long
# form), expert 200 200 64 -1074 classifies as fixed rate, and the zfp -c
# zeros mean "unlimited bits" and "full precision".
MODES = {
    "rate": {1: ["-r", "0.5"], 2: ["-r", "6.5"], 3: ["-r", "40"], 4: ["-r", "8.5"]},
    "precision": {1: ["-p", "7"], 2: ["-p", "16"], 3: ["-p", "64"], 4: ["-p", "20"]},
    "accuracy": {1: ["-a", "1e-3"], 2: ["-a", "0.25"], 3: ["-a", "1e-9"], 4: ["-a", "3"]},
    "reversible": {d: ["-R"] for d in SHAPES},
    "expert": {1: ["-c", "1", "0", "0", "-1074"], 2: ["-c", "64", "128", "20", "-10"],
               3: ["-c", "0", "300", "32", "-20"], 4: ["-c", "200", "200", "64", "-1074"]},
}

CASES = [(t, d, m) for t in TYPES for d in SHAPES for m in MODES]


def case_id(case):
    ztype, dims, mode = case
    return f"{ztype}-{dims}d-{mode}"


def make_array(ztype: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Smooth data with noise, an all-zero block and, for floats, values
    spanning many binades, so that empty, small and large blocks all occur."""
    rng = np.random.default_rng(seed)
    smooth = np.cumsum(rng.standard_normal(shape), axis=-1)
    values = smooth + 0.05 * rng.standard_normal(shape)
    dtype = np.dtype(TYPES[ztype])
    if dtype.kind == "f":
        values *= 10.0 ** rng.integers(-6, 6, size=shape[:1]).reshape(
            (-1,) + (1,) * (len(shape) - 1))
    else:
        values *= 1e5 if dtype.itemsize == 4 else 1e14
    values[(slice(0, 4),) * len(shape)] = 0
    return values.astype(dtype)


def zfp_dims(shape: tuple[int, ...]) -> list[str]:
    """zfp's -1..-4 option: sizes x (fastest) first."""
    return [f"-{len(shape)}"] + [str(n) for n in reversed(shape)]


def run_ours(*args: str) -> subprocess.CompletedProcess:
    result = run_zfpcodec(args)  # forked warm: tests/cli_process.py
    assert result.returncode == 0, result.stderr
    return result


def run_zfp(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([ZFP, *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def assert_same_stream_modulo_padding(ours: bytes, theirs: bytes) -> None:
    """Byte-equal up to zfp's last byte; then zero bytes to an 8-byte end."""
    assert len(ours) == -(-len(theirs) // 8) * 8, (len(ours), len(theirs))
    if ours[:len(theirs)] != theirs:
        first = next(i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b)
        pytest.fail(f"streams differ from byte {first} of {len(theirs)}")
    assert not any(ours[len(theirs):])


def check_interop(tmp_path, ztype, dims, mode, header: bool):
    shape = SHAPES[dims]
    arr = make_array(ztype, shape, seed=dims * 10 + list(MODES).index(mode))
    raw = tmp_path / "in.raw"
    arr.tofile(raw)
    mode_args = MODES[mode][dims]
    h = ["-h"] if header else []
    raw_args = ["--dtype", ztype, "--shape", ",".join(map(str, shape))]

    run_zfp(*h, "-t", ztype, *zfp_dims(shape), *mode_args, "-i", raw,
            "-z", tmp_path / "theirs.zfp", "-q")
    # zfp stores whatever it is given; some cases (float32 with -a 1e-9) are
    # beyond the tolerance's bound, which our compress refuses by default
    run_ours("compress", raw, *raw_args, *mode_args, "-o", tmp_path / "ours.zfp", "-q",
             "--allow-unbounded", *([] if header else ["--no-header"]))
    ours = (tmp_path / "ours.zfp").read_bytes()
    theirs = (tmp_path / "theirs.zfp").read_bytes()
    assert_same_stream_modulo_padding(ours, theirs)

    # zfp reads ours; we read zfp's; both decode to zfp's own reconstruction.
    zfp_header_args = [] if header else ["-t", ztype, *zfp_dims(shape), *mode_args]
    run_zfp(*h, *zfp_header_args, "-z", tmp_path / "ours.zfp", "-o", tmp_path / "zfp_ours.raw",
            "-q")
    run_zfp(*h, *zfp_header_args, "-z", tmp_path / "theirs.zfp",
            "-o", tmp_path / "zfp_theirs.raw", "-q")
    run_ours("decompress", tmp_path / "theirs.zfp", "-o", tmp_path / "ours_theirs.raw", "-q",
             *([] if header else [*raw_args, *mode_args]))
    expected = (tmp_path / "zfp_theirs.raw").read_bytes()
    assert len(expected) == arr.nbytes
    assert (tmp_path / "zfp_ours.raw").read_bytes() == expected
    assert (tmp_path / "ours_theirs.raw").read_bytes() == expected
    if mode == "reversible":
        assert expected == arr.tobytes()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_streams_with_header_match_zfp_program_both_ways(tmp_path, case):
    check_interop(tmp_path, *case, header=True)


@pytest.mark.parametrize("case", [c for c in CASES if c[1] == 3], ids=case_id)
def test_headerless_streams_match_zfp_program_both_ways(tmp_path, case):
    check_interop(tmp_path, *case, header=False)


ZFP_STATS = re.compile(r"rmse=(\S+) nrmse=(\S+) maxe=(\S+) psnr=(\S+)")


@pytest.mark.parametrize("ztype, mode_args", [("f32", ["-r", "8"]), ("f64", ["-a", "1e-5"]),
                                              ("i32", ["-p", "12"])])
def test_stats_errors_match_zfp_dash_s(tmp_path, ztype, mode_args):
    shape = SHAPES[3]
    arr = make_array(ztype, shape, seed=7)
    raw = tmp_path / "in.raw"
    arr.tofile(raw)
    zfp_out = run_zfp("-t", ztype, *zfp_dims(shape), *mode_args, "-i", raw, "-s").stderr
    rmse, nrmse, maxe, psnr = map(float, ZFP_STATS.search(zfp_out).groups())
    ours = json.loads(run_ours("stats", raw, "--dtype", ztype, "--shape",
                               ",".join(map(str, shape)), *mode_args, "--json").stdout)
    row, = ours["rows"]
    # zfp prints 4 significant digits (psnr: 2 decimals)
    assert row["rmse"] == pytest.approx(rmse, rel=1e-3)
    assert row["nrmse"] == pytest.approx(nrmse, rel=1e-3)
    assert row["max_error"] == pytest.approx(maxe, rel=1e-3)
    assert row["psnr"] == pytest.approx(psnr, abs=0.006)


def test_zfps_reversible_stream_with_an_unpadded_block_of_zeros_is_refused_naming_why(tmp_path):
    """zfp -c 64 0 0 -1075 codes a float block of zeros in 1 bit, not 64; our
    reader refuses the stream (it does not fit its header) and says why,
    and our compress refuses to write one."""
    raw = tmp_path / "z.f32"
    np.zeros(4, np.float32).tofile(raw)
    subprocess.run([ZFP, "-f", "-1", "4", "-c", "64", "0", "0", "-1075", "-h", "-i", str(raw),
                    "-z", str(tmp_path / "z.zfp")], check=True, capture_output=True)
    done = run_zfpcodec(["decompress", tmp_path / "z.zfp", "-o", tmp_path / "z.raw"])
    assert done.returncode == 1 and not (tmp_path / "z.raw").exists()
    assert "zfp codes in 1 bit in reversible mode whatever minbits (64 here)" in done.stderr
    done = run_zfpcodec(["compress", raw, "-t", "f32", "--shape", "4",
                         "-c", "64", "0", "0", "-1075", "-o", tmp_path / "ours.zfp"])
    assert done.returncode == 1 and not (tmp_path / "ours.zfp").exists()
    assert "blocks with minbits=64 cannot be read back" in done.stderr


@pytest.mark.parametrize("minexp", [2**31 - 1, 2**31 - 5, 2**31 - 6, 2**31 - 9, 2**31 - 1100,
                                    2**31 - 1080])
def test_expert_minexp_near_2_to_the_31_keeps_zfps_wrapped_precision(tmp_path, minexp):
    """zfp computes emax - minexp in a 32-bit int: near minexp = 2^31 it wraps
    and the block keeps every plane (the engine computed 0 planes: other
    bytes, and zfp's streams decoded to zeros)."""
    raw = tmp_path / "a.raw"
    np.array([0.001, 0.002, 0.003, 0.004, 5e-320, 1e300, 7.0, -2.5]).tofile(raw)
    expert = ["-c", "1", "16658", "64", str(minexp)]
    subprocess.run([ZFP, "-q", "-d", "-1", "8", *expert, "-i", str(raw), "-z",
                    str(tmp_path / "z.zfp"), "-o", str(tmp_path / "z.raw")], check=True,
                   capture_output=True)
    done = run_zfpcodec(["compress", raw, "-t", "float64", "--shape", "8", *expert,
                         "--no-header", "-o", tmp_path / "o.zfp", "--allow-unbounded"])
    assert done.returncode == 0, done.stderr
    theirs, ours = (tmp_path / "z.zfp").read_bytes(), (tmp_path / "o.zfp").read_bytes()
    assert ours[:len(theirs)] == theirs and not any(ours[len(theirs):])
    done = run_zfpcodec(["decompress", tmp_path / "z.zfp", "-t", "float64", "--shape", "8",
                         *expert, "-o", tmp_path / "back.raw"])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "back.raw").read_bytes() == (tmp_path / "z.raw").read_bytes()
