"""No leaks: ten thousand rounds of calls, failing and succeeding, keep the
process's memory flat.

Each check runs in a fresh child process (tests/hostile_runner.py) so that
nothing else the test session allocates moves the numbers.  Memory is the
resident set size from /proc/self/statm after a warm-up (allocator pools
and caches filled), compared with the size after the measured rounds; a
leak of even a few dozen bytes per call would show as megabytes.
Sanitizer builds keep freed memory in quarantine, so the check is skipped
under tools/asan-tests.sh.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_runner import run_functions  # noqa: E402

WARMUP = 2000
ROUNDS = 10_000
ALLOWED_GROWTH = 1 << 20        # bytes, over all ROUNDS


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _measure(round_of_calls) -> str:
    for i in range(WARMUP):
        round_of_calls(i)
    gc.collect()
    before = _rss()
    for i in range(ROUNDS):
        round_of_calls(i)
    gc.collect()
    growth = _rss() - before
    assert growth < ALLOWED_GROWTH, (
        f"resident memory grew by {growth} bytes over {ROUNDS} rounds "
        f"({growth / ROUNDS:.0f} bytes per round)")
    return f"grew {growth} bytes over {ROUNDS} rounds"


def _inputs():
    import zfpy
    rng = np.random.default_rng(11)
    floats = rng.standard_normal((9, 13))
    ints = rng.integers(-500, 500, size=(6, 5, 4)).astype(np.int32)
    return {
        "floats": floats,
        "ints": ints,
        "stream": zfpy.compress_numpy(floats, tolerance=1e-3),
        "bare": zfpy.compress_numpy(floats, write_header=False, rate=12.0),
        "int stream": zfpy.compress_numpy(ints),
        "out": np.empty((9, 13)),
    }


def leak_check_successful_calls():
    import zfpy
    from zfpcodec import engine
    from zfpcodec.modes import Mode
    data = _inputs()
    mode = Mode.from_args(precision=20)

    def round_of_calls(i):
        zfpy.compress_numpy(data["floats"], tolerance=1e-3)
        zfpy.compress_numpy(data["ints"], write_header=bool(i % 2))
        zfpy.decompress_numpy(data["stream"])
        zfpy.decompress_numpy(data["int stream"], threads=2)
        zfpy._decompress(data["bare"], 4, [9, 13], rate=12.0)
        zfpy._decompress(data["bare"], 4, [9, 13], out=data["out"], rate=12.0)
        zfpy.header(data["stream"])
        engine.decompress(engine.compress(data["floats"], mode, threads=2))
    return _measure(round_of_calls)


def leak_check_failing_calls():
    import zfpy
    from zfpcodec import ZFPError, engine
    data = _inputs()
    stream, bare = data["stream"], data["bare"]
    forged = b"zfp\x05" + bytes([0x0F, 0xFF, 0xFF, 0xFF]) + bytes(8)
    read_only = np.zeros((9, 13))
    read_only.setflags(write=False)
    failing = [
        lambda: zfpy.decompress_numpy(b""),
        lambda: zfpy.decompress_numpy(b"garbage!garbage!"),
        lambda: zfpy.decompress_numpy(stream[:len(stream) // 2]),
        lambda: zfpy.decompress_numpy(stream[:12]),
        lambda: zfpy.decompress_numpy(forged),
        lambda: zfpy.decompress_numpy("not bytes"),
        lambda: zfpy._decompress(bare[:8], 4, [9, 13], rate=12.0),
        lambda: zfpy._decompress(bare, 4, [9, 13], out=read_only, rate=12.0),
        lambda: zfpy._decompress(bare, 4, [9, 13], out=bytearray(10), rate=12.0),
        lambda: zfpy._decompress(bare, 4, [2**40], rate=12.0),
        lambda: zfpy._decompress(bare, 9, [9, 13]),
        lambda: zfpy.compress_numpy(np.zeros((0, 3))),
        lambda: zfpy.compress_numpy(np.zeros(3, np.float16)),
        lambda: zfpy.compress_numpy(data["floats"], rate=1.0, tolerance=1.0),
        lambda: zfpy.compress_numpy(np.broadcast_to(np.float32(1), (1, 2**24 + 1))),
        lambda: engine.decompress(stream[:20]),
        lambda: engine.decompress(b"zfp\x04" + stream[4:]),
    ]

    def round_of_calls(i):
        for call in failing:
            try:
                call()
            except (ZFPError, ValueError, TypeError, RuntimeError, OverflowError):
                pass
            else:
                raise AssertionError("a failing call succeeded")
    return _measure(round_of_calls)


@pytest.mark.skipif(os.environ.get("ZFPCODEC_SANITIZED") == "1",
                    reason="sanitizer quarantine holds freed memory")
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
@pytest.mark.parametrize("check", ["leak_check_successful_calls", "leak_check_failing_calls"])
def test_ten_thousand_rounds_keep_memory_flat(check):
    outcome = run_functions(Path(__file__), [check], timeout=600)[check]
    assert outcome.kind == "returned", outcome.describe() + "\n" + outcome.detail
    print(check, outcome.value)
