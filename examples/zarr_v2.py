"""The Zarr v2 door: zfpcodec.ZFP as the compressor of a Zarr format 2 array
(its configuration is numcodecs' ZFPY's, so LLNL's zfpy reads it too).

    pip install "zfpcodec[zarr]"
    python examples/zarr_v2.py [directory]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import zarr

from zfpcodec import ZFP


def main(root: Path) -> None:
    path = str(root / "t.zarr")
    a = zarr.open(path, mode="w", shape=(512, 512), chunks=(128, 128), dtype="f8",
                  zarr_format=2, compressor=ZFP(tolerance=1e-3))
    values = np.random.default_rng(0).random((512, 512))
    a[:] = values

    b = zarr.open(path, mode="r")
    error = np.abs(b[:] - values).max()
    print(f"{path}: compressor {b.compressors[0]!r}, max error {error:.2e} <= 1e-3")
    assert error <= 1e-3

    # F-ordered arrays work too (numcodecs' ZFPY refuses their chunks)
    f = zarr.create_array(root / "f.zarr", shape=(300, 200), chunks=(64, 64), dtype="f4",
                          zarr_format=2, order="F", compressors=ZFP(reversible=True))
    ints = np.arange(300 * 200, dtype="f4").reshape(300, 200)
    f[...] = ints
    assert (zarr.open_array(root / "f.zarr", mode="r")[...] == ints).all()
    print(f"{root / 'f.zarr'}: F order, reversible, exact")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
