"""Zarr v2 and v3 arrays on S3-compatible object storage: moto's standalone
server on loopback (127.0.0.1 only), reached the way users reach S3, with
fsspec/s3fs URLs (``s3://...`` + storage_options) and with obstore through
zarr's ObjectStore."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from zfpcodec import ZFP, ZFPError

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


@pytest.mark.parametrize("client_kind", ["s3fs", "obstore"])
def test_fixed_rate_selections_fetch_byte_ranges_from_s3(s3, client_kind):
    """A small box of a fixed-rate chunk on S3 is fetched as byte ranges
    (counted as the store returns them) and equals the whole chunk's values;
    a 2-D chunk of another length (zarrs writes rates as for 3-D chunks) is
    read whole."""
    from counting_store import CountingStore

    from zfpcodec.region import StreamLayout
    from zfpcodec.zarr3 import RANGE_MERGE_GAP

    url, client = s3
    name = f"ranges-{client_kind}.zarr"
    if client_kind == "s3fs":
        pytest.importorskip("s3fs")
        base = zarr.storage.FsspecStore.from_url(
            f"s3://{BUCKET}/{name}",
            storage_options={"endpoint_url": url, "key": KEY, "secret": SECRET})
    else:
        obstore = pytest.importorskip("obstore.store")
        base = zarr.storage.ObjectStore(obstore.S3Store(
            BUCKET, prefix=name, endpoint=url, access_key_id=KEY, secret_access_key=SECRET,
            region=REGION, client_options={"allow_http": True}))
    store = CountingStore(base)
    # 2.4 MB of blocks: more than the two requests the box takes (its
    # blocks' range and the length check) cost, at REQUEST_COST_BYTES each
    shape = (1536, 1536)
    data = values(shape)
    codec = ZFPCodec(rate=8)
    array = zarr.create_array(store, shape=shape, chunks=shape, dtype="f8", serializer=codec,
                              compressors=None)
    array[...] = data
    store.reads.clear()
    whole = array[...]
    [(_, _, chunk_bytes)] = store.chunk_reads()
    sel = np.s_[16:48, 40:56]
    store.reads.clear()
    np.testing.assert_array_equal(array[sel], whole[sel])
    layout = StreamLayout.headerless("f8", shape, codec.zfp_mode)
    needed = sum(b - a for a, b in layout.byte_ranges(sel, max_gap=RANGE_MERGE_GAP))
    assert all(byte_range is not None for _, byte_range, _ in store.chunk_reads())
    # the blocks' ranges and the byte past the chunk's end, which checks its length
    assert store.fetched() == needed + 1 and store.fetched() < chunk_bytes / 10
    # the same chunk with 8 bytes appended (a length neither our rate
    # convention nor zarrs' gives): read whole, and refused, not decoded
    key = f"{name}/c/0/0"
    body = client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    client.put_object(Bucket=BUCKET, Key=key, Body=body + bytes(8))
    store.reads.clear()
    with pytest.raises(ZFPError, match="does not fit its metadata"):
        array[sel]
    assert any(r is None and size == chunk_bytes + 8 for _, r, size in store.chunk_reads())
    # and cut short by 8 bytes: refused the same way, from every client
    client.put_object(Bucket=BUCKET, Key=key, Body=body[:-8])
    with pytest.raises(ZFPError, match="truncated|does not fit its metadata"):
        array[sel]


def test_cli_zarr_to_an_s3_url_needs_force_and_deletes_a_partial_array(s3, tmp_path):
    """The zarr command on a URL writes in place (object stores cannot
    rename): an existing array is replaced only with --force, and Ctrl-C
    (a real SIGINT) deletes what was written instead of leaving an array
    whose missing chunks read as zeros."""
    pytest.importorskip("s3fs")
    url, client = s3
    env = dict(os.environ, AWS_ENDPOINT_URL=url)   # botocore's endpoint setting

    def cli(*args, **popen):
        return subprocess.Popen([sys.executable, "-m", "zfpcodec", "zarr", *map(str, args)],
                                stderr=subprocess.PIPE, text=True, env=env, **popen)

    data = values((40, 30)).astype("f4")
    np.save(tmp_path / "small.npy", data)
    dest = f"s3://{BUCKET}/cli.zarr"
    assert cli(tmp_path / "small.npy", dest, "-R", "-q").wait() == 0
    again = cli(tmp_path / "small.npy", dest, "-r", "4", "-q")
    assert again.wait() == 1 and f"{dest} exists; use --force" in again.stderr.read()
    assert cli(tmp_path / "small.npy", dest, "-r", "8", "--force", "-q").wait() == 0
    read = zarr.open_array(dest, mode="r", storage_options={"endpoint_url": url})
    assert read.metadata.to_dict()["codecs"][0]["configuration"] == {"mode": "fixed_rate",
                                                                   "rate": 8.0}
    # two of the command's 64 MiB batches; Ctrl-C once the first chunks arrive
    # ones, not the fill value, so every chunk is written; saved, not
    # memory-mapped (on a full disk a mapped store kills the test session)
    np.save(tmp_path / "big.npy", np.ones((256, 256, 512), "f4"))
    process = cli(tmp_path / "big.npy", f"s3://{BUCKET}/big.zarr", "-R", "--chunks",
                  "32,64,64", preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    while process.poll() is None and not keys(client, "big.zarr/c/"):
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=300) == 130
    assert process.stderr.read() == "zfpcodec: interrupted\n"
    assert keys(client, "big.zarr/") == []
