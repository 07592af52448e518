"""atheris (libFuzzer) harness for zfpy.decompress_numpy and _decompress.

    python tools/fuzz/fuzz_decompress.py [libFuzzer options] CORPUS_DIR [SEED_DIR...]

tools/fuzz.sh sets it up (seeds, corpus, time limit, and, when clang is
installed, an engine instrumented for coverage and AddressSanitizer);
harness.py says what an input means and what counts as a bug.  The Python
layers (zfpy, zfpcodec) are always instrumented for coverage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["zfpy", "zfpcodec", "harness"]):
    import harness


def test_one_input(data: bytes) -> None:
    harness.check(data)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
