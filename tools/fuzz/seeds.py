"""Write the fuzzer's seed corpus: streams of every type, rank and mode,
with and without header (each with a trailer selecting the matching
`_decompress` arguments, see harness.py), plus every file of the reference
corpus under tests/data.

    python tools/fuzz/seeds.py OUTPUT_DIR
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import MODES, encode_trailer  # noqa: E402

import zfpy  # noqa: E402

REFERENCE_CORPUS = HERE.parent.parent / "tests" / "data"
MAX_SEED_BYTES = 1 << 16


def _arrays():
    rng = np.random.default_rng(1)
    for dtype in ("int32", "int64", "float32", "float64"):
        for shape in ((5,), (16,), (3, 6), (8, 8), (2, 3, 5), (4, 4, 4), (2, 3, 2, 5),
                      (4, 4, 4, 4)):
            grid = np.indices(shape).sum(axis=0)
            if dtype.startswith("int"):
                yield (grid * 37 + rng.integers(-3, 3, shape)).astype(dtype)
            else:
                values = np.sin(0.5 * grid) * 10 + 0.01 * rng.standard_normal(shape)
                values.flat[::5] = 0
                yield values.astype(dtype)
            if dtype == "float64" and shape == (16,):
                yield np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1e308] * 2
                               + [0.0] * 4, dtype=dtype)


def _seeds():
    parameters = {"reversible": 0, "rate": 31, "precision": 11, "tolerance": 30}
    for values in _arrays():
        ztype = zfpy.dtype_to_ztype(values.dtype)
        for mode, (name, keywords) in enumerate(MODES):
            parameter = parameters[name]
            kwargs = keywords(parameter)
            trailer = encode_trailer(ztype, values.shape, mode, parameter)
            yield zfpy.compress_numpy(values, **kwargs) + trailer
            yield zfpy.compress_numpy(values, write_header=False, **kwargs) + trailer
    if REFERENCE_CORPUS.is_dir():
        for path in sorted(REFERENCE_CORPUS.rglob("*")):
            if path.is_file() and path.stat().st_size <= MAX_SEED_BYTES:
                yield path.read_bytes()


def write_seeds(directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for seed in _seeds():
        name = hashlib.sha1(seed).hexdigest()
        (directory / name).write_bytes(seed)
        count += 1
    return count


if __name__ == "__main__":
    print(f"{write_seeds(Path(sys.argv[1]))} seeds written to {sys.argv[1]}")
