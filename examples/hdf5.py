"""The HDF5 door: datasets of the H5Z-ZFP filter (HDF5 filter 32013, what
hdf5plugin and C codes write) read and written with h5py alone, and the file
read by Zarr and xarray through kerchunk references, without HDF5.

    pip install "zfpcodec[hdf5,xarray]"
    python examples/hdf5.py [directory]
"""

import json
import sys
import tempfile
from pathlib import Path

import fsspec
import h5py
import numpy as np
import xarray as xr
from zarr.storage import FsspecStore

import zfpcodec.hdf5 as zh


def main(root: Path) -> None:
    path = root / "run.h5"
    t = np.linspace(0, 1, 24)[:, None, None]
    y, x = np.meshgrid(np.linspace(0, 4, 90), np.linspace(0, 4, 120), indexing="ij")
    temperature = 280 + 10 * np.sin(x + 3 * t) * np.cos(y)        # (time, y, x)

    with h5py.File(path, "w") as f:   # no plugin: filter 32013 and its cd_values, our chunks
        zh.write(f, "temperature", temperature, chunks=(4, 32, 32), tolerance=1e-3)
    with h5py.File(path, "r") as f:
        back = zh.read(f["temperature"], (slice(0, 8), 45))    # 8 steps of one row
        info, = zh.zfp_datasets(f)
        print(f"{info.path}: {info.format.describe()}, ratio {info.ratio:.1f}")
    error = np.abs(back - temperature[:8, 45]).max()
    print(f"{path}: read {back.shape} without the plugin, max error {error:.1e} <= 1e-3")
    assert error <= 1e-3

    refs = zh.references(path)                    # kerchunk JSON: byte ranges + codecs
    (root / "run.json").write_text(json.dumps(refs))
    fs = fsspec.filesystem("reference", fo=str(root / "run.json"), asynchronous=True)
    ds = xr.open_dataset(FsspecStore(fs, read_only=True, path=""), engine="zarr",
                         zarr_format=2)
    error = float(np.abs(ds["temperature"].values - temperature).max())
    print(f"xarray through references: {dict(ds.sizes)}, max error {error:.1e}")
    assert error <= 1e-3


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
