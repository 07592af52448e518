"""The C engine's own test driver (tests/c/engine_test.c) builds with the
host's C compiler, runs, and passes; and the stream and value hashes it
embeds are those of our zfpy (so zfpy 1.0.1's, by the differential tests)
on the same arrays.  ``python tests/test_c_engine.py`` prints the table of
cases with fresh hashes, for pasting into the driver."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import zfpy

ROOT = Path(__file__).resolve().parent.parent
DRIVER = ROOT / "tests" / "c" / "engine_test.c"
DTYPES = {"ZFPC_TYPE_INT32": np.int32, "ZFPC_TYPE_INT64": np.int64,
          "ZFPC_TYPE_FLOAT": np.float32, "ZFPC_TYPE_DOUBLE": np.float64}
KEYWORD = {"REVERSIBLE": None, "ACCURACY": "tolerance", "RATE": "rate",
           "PRECISION": "precision"}
_CASE = re.compile(r'\{"(?P<name>[^"]+)", (?P<type>ZFPC_TYPE_\w+), (?P<dims>\d), '
                   r'\{(?P<n>[\d, ]+)\}, (?P<mode>[A-Z]+), (?P<parameter>[\de.-]+),\s*'
                   r'(?P<size>\w+), (?P<stream>\w+), (?P<decoded>\w+)\}')


def cases() -> list[dict]:
    found = [m.groupdict() for m in _CASE.finditer(DRIVER.read_text())]
    assert len(found) >= 5
    return found


def fnv1a(data: bytes) -> int:
    h = 0xcbf29ce484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def values(case: dict) -> np.ndarray:
    """The driver's array (fill() in engine_test.c), in NumPy's axis order."""
    n = [int(v) for v in case["n"].split(",")][: int(case["dims"])]
    shape = tuple(reversed(n))
    i = np.arange(int(np.prod(n)), dtype=np.uint64)
    n0, n1, n2 = n[0], (n + [1, 1, 1])[1], (n + [1, 1, 1])[2]
    x, y, z, w = i % n0, i // n0 % n1, i // (n0 * n1) % n2, i // (n0 * n1 * n2)
    noise = ((i * 2654435761) & 0xFFFFFFFF) >> 28
    k = ((x * x + 3 * y * y + 2 * x * y + 5 * z + 7 * w * w + noise) & 0xFFFF).astype(np.int64)
    dtype = DTYPES[case["type"]]
    if dtype == np.int32:
        return (k * 1000 - 30000000).astype(np.int32).reshape(shape)
    if dtype == np.int64:
        return ((k << 30) - (1 << 45)).reshape(shape)
    return (k.astype(dtype) / dtype(64) - dtype(400)).astype(dtype).reshape(shape)


def expected(case: dict) -> tuple[int, int, int]:
    """(stream bytes, stream hash, decoded values hash) from our zfpy."""
    keyword = KEYWORD[case["mode"]]
    parameter = float(case["parameter"])
    kwargs = {} if keyword is None else {
        keyword: int(parameter) if keyword == "precision" else parameter}
    stream = zfpy.compress_numpy(values(case), **kwargs)
    return len(stream), fnv1a(stream), fnv1a(zfpy.decompress_numpy(stream).tobytes())


@pytest.mark.parametrize("case", cases(), ids=lambda c: c["name"])
def test_driver_hashes_are_our_zfpys(case):
    size, stream, decoded = expected(case)
    assert (int(case["size"]), int(case["stream"], 16), int(case["decoded"], 16)) == \
        (size, stream, decoded), f"refresh with: python {Path(__file__).relative_to(ROOT)}"


def test_driver_builds_and_passes_with_the_host_compiler(tmp_path):
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler")
    exe = tmp_path / "engine_test"
    sources = sorted(str(p) for p in (ROOT / "csrc").glob("*.c"))
    subprocess.run([compiler, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror",
                    f"-I{ROOT / 'csrc'}", str(DRIVER), *sources, "-o", str(exe),
                    "-lm", "-lpthread"], check=True, capture_output=True, text=True)
    done = subprocess.run([str(exe)], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == f"{len(cases())} passed, 0 failed"


def print_expected() -> None:
    for case in cases():
        size, stream, decoded = expected(case)
        n = ", ".join(case["n"].split(", "))
        print(f'  {{"{case["name"]}", {case["type"]}, {case["dims"]}, {{{n}}}, {case["mode"]}, '
              f'{case["parameter"]},\n   {size}, 0x{stream:016x}, 0x{decoded:016x}}},')


if __name__ == "__main__":
    sys.exit(print_expected())
