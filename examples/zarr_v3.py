"""The Zarr v3 door: zfpcodec.zarr3.ZFPCodec, the registered ``zfp`` codec,
as the serializer of a Zarr format 3 array, plain and sharded.

    pip install "zfpcodec[zarr]"
    python examples/zarr_v3.py [directory]
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import zarr

from zfpcodec.zarr3 import ZFPCodec


def main(root: Path) -> None:
    b = zarr.create_array(root / "v3.zarr", shape=(512, 512), chunks=(128, 128), dtype="f4",
                          serializer=ZFPCodec(mode="fixed_accuracy", tolerance=1e-3),
                          compressors=None)  # else zarr appends zstd after zfp
    values = np.random.default_rng(0).random((512, 512)).astype("f4")
    b[:] = values
    codecs = json.loads((root / "v3.zarr" / "zarr.json").read_text())["codecs"]
    error = np.abs(zarr.open_array(root / "v3.zarr", mode="r")[:] - values).max()
    print(f"codecs {codecs}, max error {error:.2e}")
    assert error <= 1e-3

    # sharding: many small zfp chunks in one object; small integer types are promoted
    s = zarr.create_array(root / "sharded.zarr", shape=(1024, 1024), chunks=(64, 64),
                          shards=(512, 512), dtype="uint16",
                          serializer=ZFPCodec(mode="reversible"), compressors=None)
    y, x = np.mgrid[0:1024, 0:1024] / 1024
    counts = (30000 + 20000 * np.sin(6 * x) * np.cos(4 * y)).astype("uint16")
    s[...] = counts
    assert (zarr.open_array(root / "sharded.zarr", mode="r")[...] == counts).all()
    size = sum(p.stat().st_size for p in (root / "sharded.zarr").rglob("*") if p.is_file())
    print(f"sharded uint16, reversible: {counts.nbytes} -> {size} bytes, exact")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
