"""The xarray + dask door: per-variable encodings (Zarr v2 and v3), written
and read by a dask.distributed cluster of two worker processes.

    pip install "zfpcodec[xarray]"
    python examples/xarray_dask.py [directory]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr
from distributed import Client, LocalCluster

from zfpcodec import ZFP
from zfpcodec.zarr3 import ZFPCodec


def dataset() -> xr.Dataset:
    lat, lon = np.linspace(-80, 80, 90), np.linspace(0, 358, 180)
    wave = np.cos(np.radians(lat))[:, None] * np.sin(np.radians(3 * lon))[None, :]
    temperature = np.stack([15 + 10 * np.roll(wave, t, axis=1) for t in range(12)])
    return xr.Dataset(
        {"temperature": (("time", "lat", "lon"), temperature.astype("f4")),
         "stations": (("lat", "lon"), (wave * 1000).astype("i4"))},
        coords={"time": np.arange(12), "lat": lat, "lon": lon},
    ).chunk({"time": 4, "lat": 45, "lon": 90})


def main(root: Path) -> None:
    ds = dataset()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, host="127.0.0.1") as cluster, Client(cluster):
        # Zarr v2: numcodecs codecs go in "compressors"
        ds.to_zarr(root / "v2.zarr", zarr_format=2, consolidated=False, encoding={
            "temperature": {"compressors": ZFP(tolerance=0.01)},
            "stations": {"compressors": ZFP(reversible=True)}})
        # Zarr v3: the zfp codec is the serializer
        ds.to_zarr(root / "v3.zarr", zarr_format=3, consolidated=False, encoding={
            "temperature": {"serializer": ZFPCodec(tolerance=0.01), "compressors": None},
            "stations": {"serializer": ZFPCodec(mode="reversible"), "compressors": None}})
        for name in ("v2.zarr", "v3.zarr"):
            back = xr.open_zarr(root / name, consolidated=False).compute()
            error = float(abs(back.temperature - ds.temperature).max())
            assert error <= 0.01 and (back.stations == ds.stations).all()
            print(f"{name}: temperature max error {error:.2e}, stations exact")


if __name__ == "__main__":  # worker processes re-import this file
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
