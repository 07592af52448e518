"""xarray Datasets and dask arrays through both codecs: per-variable
encodings for Zarr v2 (`compressors`) and v3 (`serializer`), dask-chunked
writes, and a dask.distributed LocalCluster with two worker processes
(the codecs travel pickled to other interpreters)."""

from __future__ import annotations

import numpy as np
import pytest

from zfpcodec import ZFP

zarr = pytest.importorskip("zarr")
xr = pytest.importorskip("xarray")
da = pytest.importorskip("dask.array")
from zfpcodec.zarr3 import ZFPCodec

TOLERANCE = 1e-3


def dataset():
    """Several variables, the kind xarray users write.  The lossy float
    variables are chunked evenly below: zarr pads ragged edge chunks with the
    fill value, NaN for xarray floats, which ZFP and ZFPCodec refuse (a finite
    fill value avoids it, see below; the masked codecs store it:
    test_masked_zarr.py); the integers are ragged."""
    rng = np.random.default_rng(3)
    time, lat, lon = 7, 45, 90
    grid = np.meshgrid(np.linspace(-1, 1, lat), np.linspace(0, 6, lon), indexing="ij")
    temperature = np.stack([15 + 10 * np.sin(grid[1] + t / 3) * np.cos(grid[0])
                            for t in range(time)]).astype("f4")
    pressure = (1000 + 20 * np.cos(grid[1]) + rng.normal(0, 0.01, (lat, lon))).astype("f8")
    counts = rng.integers(0, 10_000, size=(time, lat, lon)).astype("i4")
    return xr.Dataset(
        {"temperature": (("time", "lat", "lon"), temperature, {"units": "degC"}),
         "pressure": (("lat", "lon"), pressure),
         "counts": (("time", "lat", "lon"), counts)},
        coords={"time": np.arange(time), "lat": np.linspace(-60, 60, lat),
                "lon": np.linspace(0, 356, lon)})


def check_dataset(read, original):
    np.testing.assert_array_equal(read["counts"].values, original["counts"].values)
    for name in ("temperature", "pressure"):
        error = np.abs(read[name].values - original[name].values).max()
        assert error <= TOLERANCE, (name, error)
    assert read["temperature"].attrs["units"] == "degC"
    np.testing.assert_array_equal(read["lat"].values, original["lat"].values)


def test_dataset_round_trip_with_zarr_v2_encodings(tmp_path):
    ds = dataset()
    encoding = {"temperature": {"compressors": ZFP(tolerance=TOLERANCE),
                                "chunks": (7, 15, 30)},
                "pressure": {"compressors": [ZFP(tolerance=TOLERANCE)]},
                "counts": {"compressors": ZFP(reversible=True), "chunks": (3, 20, 20)}}
    ds.to_zarr(tmp_path / "v2.zarr", zarr_format=2, encoding=encoding, consolidated=False)
    read = xr.open_zarr(tmp_path / "v2.zarr", consolidated=False)
    check_dataset(read.load(), ds)
    assert read["temperature"].encoding["compressors"] == (ZFP(tolerance=TOLERANCE),)
    # a straight copy re-uses the codecs xarray put back into .encoding
    read.to_zarr(tmp_path / "copy.zarr", zarr_format=2, consolidated=False)
    copy = zarr.open_group(tmp_path / "copy.zarr", mode="r")
    assert copy["counts"].compressors == (ZFP(reversible=True),)
    check_dataset(xr.open_zarr(tmp_path / "copy.zarr", consolidated=False).load(), ds)


def test_dataset_round_trip_with_zarr_v3_encodings_and_dask_chunks(tmp_path):
    ds = dataset().chunk({"time": 7, "lat": 15, "lon": 30})
    encoding = {"temperature": {"serializer": ZFPCodec(tolerance=TOLERANCE),
                                "compressors": None},
                "pressure": {"serializer": ZFPCodec(mode="fixed_accuracy",
                                                    tolerance=TOLERANCE),
                             "compressors": None},
                "counts": {"serializer": ZFPCodec(mode="reversible"), "compressors": None}}
    ds.to_zarr(tmp_path / "v3.zarr", zarr_format=3, encoding=encoding, consolidated=False)
    read = xr.open_zarr(tmp_path / "v3.zarr", consolidated=False)
    check_dataset(read.load(), ds.load())
    assert read["pressure"].encoding["serializer"] == ZFPCodec(tolerance=TOLERANCE)
    group = zarr.open_group(tmp_path / "v3.zarr", mode="r")
    assert group["counts"].serializer == ZFPCodec()


RAGGED_FIXES = {2: {"compressors": ZFP(tolerance=TOLERANCE), "_FillValue": None},
                3: {"serializer": ZFPCodec(tolerance=TOLERANCE), "compressors": None,
                    "fill_value": 0.0}}


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_ragged_float_chunks_are_refused_with_the_fill_value_fix_which_works(
        tmp_path, zarr_format):
    # xarray gives float variables a NaN fill value, and zarr pads ragged edge
    # chunks with it: the plain codec cannot tell that padding from missing
    # data, so it refuses, and its message names the encoding that avoids it
    from zfpcodec.bound import BoundError
    ds = dataset()[["temperature"]]
    chunks = {"chunks": (4, 20, 40)}   # ragged on every axis
    plain = {key: value for key, value in RAGGED_FIXES[zarr_format].items()
             if key in ("compressors", "serializer")}
    with pytest.raises(BoundError, match=r"hold NaN or \+-inf.*ragged edge chunks.*" +
                       ("'fill_value': 0.0} with Zarr v3" if zarr_format == 3
                        else "'_FillValue': None} with Zarr v2")):
        ds.to_zarr(tmp_path / "refused.zarr", zarr_format=zarr_format, consolidated=False,
                   encoding={"temperature": {**plain, **chunks}})
    ds.to_zarr(tmp_path / "fixed.zarr", zarr_format=zarr_format, consolidated=False,
               encoding={"temperature": {**RAGGED_FIXES[zarr_format], **chunks}})
    read = xr.open_zarr(tmp_path / "fixed.zarr", consolidated=False)["temperature"].values
    assert np.abs(read - ds["temperature"].values).max() <= TOLERANCE


def test_dask_array_to_zarr_v2_and_v3_with_the_threaded_scheduler(tmp_path):
    x = da.from_array(np.linspace(0, 1, 120 * 90).reshape(120, 90), chunks=(32, 32))
    x.to_zarr(str(tmp_path / "v2.zarr"), zarr_format=2, compressors=ZFP(tolerance=TOLERANCE))
    x.to_zarr(str(tmp_path / "v3.zarr"), serializer=ZFPCodec(tolerance=TOLERANCE),
              compressors=None)
    for name in ("v2.zarr", "v3.zarr"):
        back = da.from_zarr(str(tmp_path / name)).compute()
        assert np.abs(back - x.compute()).max() <= TOLERANCE


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1",
                                  worker_dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def test_local_cluster_with_two_worker_processes_writes_and_reads(cluster_client, tmp_path):
    import os

    pids = set(cluster_client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids
    values = np.sin(np.linspace(0, 20, 200 * 160)).reshape(200, 160)
    x = da.from_array(values, chunks=(50, 40))
    x.to_zarr(str(tmp_path / "v2.zarr"), zarr_format=2, compressors=ZFP(tolerance=TOLERANCE))
    x.to_zarr(str(tmp_path / "v3.zarr"), serializer=ZFPCodec(rate=24), compressors=None)
    back2 = da.from_zarr(str(tmp_path / "v2.zarr")).compute()
    back3 = da.from_zarr(str(tmp_path / "v3.zarr")).compute()
    assert np.abs(back2 - values).max() <= TOLERANCE
    assert np.abs(back3 - values).max() <= 1e-4
    # both worker processes loaded the codecs (the task graph carried them pickled)
    loaded = cluster_client.run(
        lambda: sorted(m for m in __import__("sys").modules if m.startswith("zfpcodec.")))
    assert all({"zfpcodec.codec", "zfpcodec.zarr3"} <= set(v) for v in loaded.values())
