"""Zarr v2 and v3 arrays on S3-compatible object storage: moto's standalone
server on loopback (127.0.0.1 only), reached the way users reach S3, with
fsspec/s3fs URLs (``s3://...`` + storage_options) and with obstore through
zarr's ObjectStore."""

from __future__ import annotations

import numpy as np
import pytest

from zfpcodec import ZFP

zarr = pytest.importorskip("zarr")
pytest.importorskip("moto.server")
from zfpcodec.zarr3 import ZFPCodec

from s3_server import CREDENTIALS, FOREIGN, KEY, REGION, SECRET, moto_s3  # noqa: E402

BUCKET = "zfpcodec-test"
TOLERANCE = 1e-3


@pytest.fixture(scope="module")
def s3():
    """(endpoint URL, boto3 client) of a moto S3 server on 127.0.0.1 with an
    empty bucket; dummy credentials in the environment, nothing else reached."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in CREDENTIALS.items():
            env.setenv(name, value)
        for name in FOREIGN:
            env.delenv(name, raising=False)
        with moto_s3(BUCKET) as server:
            yield server


def keys(client, prefix):
    listing = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def values(shape, seed=0):
    grids = np.meshgrid(*[np.linspace(0, 4, n) for n in shape], indexing="ij")
    noise = np.random.default_rng(seed).normal(0, 1e-3, shape)
    return sum(np.sin(g * (k + 1)) for k, g in enumerate(grids)) + noise


def test_zarr_v2_through_an_s3_url_with_s3fs(s3):
    pytest.importorskip("s3fs")
    url, client = s3
    options = {"endpoint_url": url, "key": KEY, "secret": SECRET}
    data = values((100, 70))
    array = zarr.create_array(f"s3://{BUCKET}/v2.zarr", shape=data.shape, chunks=(32, 32),
                              dtype="f8", zarr_format=2, compressors=ZFP(tolerance=TOLERANCE),
                              storage_options=options)
    array[...] = data
    assert "v2.zarr/3.2" in keys(client, "v2.zarr/")
    chunk = client.get_object(Bucket=BUCKET, Key="v2.zarr/0.0")["Body"].read()
    assert chunk.startswith(b"zfp")  # a full zfp stream, header included
    read = zarr.open_array(f"s3://{BUCKET}/v2.zarr", mode="r", storage_options=options)
    assert read.compressors == (ZFP(tolerance=TOLERANCE),)
    assert np.abs(read[...] - data).max() <= TOLERANCE
    assert np.abs(read[40:90, 7] - data[40:90, 7]).max() <= TOLERANCE


def test_zarr_v3_sharded_through_obstore(s3):
    obstore = pytest.importorskip("obstore.store")
    url, client = s3

    def store():
        return zarr.storage.ObjectStore(obstore.S3Store(
            BUCKET, prefix="v3.zarr", endpoint=url, access_key_id=KEY, secret_access_key=SECRET,
            region=REGION, client_options={"allow_http": True}))

    data = values((96, 64, 10)).astype("f4")
    array = zarr.create_array(store(), shape=data.shape, chunks=(16, 16, 10),
                              shards=(48, 32, 10), dtype="f4",
                              serializer=ZFPCodec(mode="fixed_accuracy", tolerance=TOLERANCE),
                              compressors=None)
    array[...] = data
    assert keys(client, "v3.zarr/") == ["v3.zarr/c/0/0/0", "v3.zarr/c/0/1/0",
                                        "v3.zarr/c/1/0/0", "v3.zarr/c/1/1/0",
                                        "v3.zarr/zarr.json"]
    read = zarr.open_array(store(), mode="r")
    assert np.abs(read[...] - data).max() <= TOLERANCE
    assert np.abs(read[50:60, 3:40, 4] - data[50:60, 3:40, 4]).max() <= TOLERANCE


def test_xarray_dataset_to_s3(s3):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("s3fs")
    url, client = s3
    options = {"endpoint_url": url, "key": KEY, "secret": SECRET}
    ds = xr.Dataset({"t": (("y", "x"), values((40, 50)).astype("f4")),
                     "n": (("y", "x"), np.arange(2000, dtype="i4").reshape(40, 50))})
    ds.to_zarr(f"s3://{BUCKET}/ds.zarr", storage_options=options, consolidated=False,
               encoding={"t": {"serializer": ZFPCodec(tolerance=TOLERANCE),
                               "compressors": None},
                         "n": {"serializer": ZFPCodec(), "compressors": None}})
    read = xr.open_zarr(f"s3://{BUCKET}/ds.zarr", storage_options=options,
                        consolidated=False).load()
    assert np.abs(read["t"].values - ds["t"].values).max() <= TOLERANCE
    np.testing.assert_array_equal(read["n"].values, ds["n"].values)
    assert "ds.zarr/t/zarr.json" in keys(client, "ds.zarr/")
