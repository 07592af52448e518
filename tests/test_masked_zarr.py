"""The masked codecs in real stores: Zarr v2 (`MaskedZFP` as compressor)
and v3 (`MaskedZFPCodec` as serializer, also inside sharding) on disk,
edge chunks padded with NaN, the metadata written, the same chunk bytes in
both formats, xarray `to_zarr` of a dataset whose land is NaN, and dask."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zfpcodec import MaskedZFP, ZFPError

zarr = pytest.importorskip("zarr")
from zfpcodec.zarr3 import MaskedZFPCodec, ZFPCodec

TOLERANCE = 1e-2


def ocean(shape=(3, 45, 70), dtype="f4", seed=0):
    """Sea temperatures (degC) with NaN over a smooth land mask, as ocean
    models write them."""
    rng = np.random.default_rng(seed)
    t, y, x = np.meshgrid(*[np.linspace(0, 1, n) for n in shape], indexing="ij")
    values = 28 - 25 * y + 3 * np.sin(6 * x + t) + rng.normal(0, 0.05, shape)
    land = np.cos(5 * x) * np.cos(4 * y) > 0.35
    values[land] = np.nan
    return values.astype(dtype)


def check_read(read, written, tolerance=TOLERANCE):
    """NaN exactly where it was (bit for bit), the rest within `tolerance`."""
    missing = np.isnan(written)
    bits = f"u{written.dtype.itemsize}"
    np.testing.assert_array_equal(read.view(bits)[missing], written.view(bits)[missing])
    assert not np.isnan(read[~missing]).any()
    assert np.abs(read[~missing] - written[~missing]).max() <= tolerance


def test_zarr_v2_directory_store_with_the_masked_compressor(tmp_path):
    values = ocean()
    array = zarr.open(tmp_path / "v2.zarr", mode="w", shape=values.shape, chunks=(2, 16, 32),
                      dtype=values.dtype, zarr_format=2,
                      compressor=MaskedZFP(tolerance=TOLERANCE))
    array[...] = values
    meta = json.loads((tmp_path / "v2.zarr" / ".zarray").read_text())
    assert meta["compressor"] == {"id": "zfpcodec.masked", "mode": "fixed_accuracy",
                                  "tolerance": TOLERANCE, "missing": "nan"}
    check_read(zarr.open(tmp_path / "v2.zarr", mode="r")[...], values)
    chunk = (tmp_path / "v2.zarr" / "0.0.0").read_bytes()
    assert chunk[:4] == b"ZFPM"


def test_zarr_v2_fill_value_and_f_order(tmp_path):
    values = np.nan_to_num(ocean(dtype="f8"), nan=-1e34)
    array = zarr.open(tmp_path / "f.zarr", mode="w", shape=values.shape, chunks=(3, 10, 24),
                      dtype=values.dtype, zarr_format=2, order="F", fill_value=-1e34,
                      compressor=MaskedZFP(tolerance=TOLERANCE, missing=-1e34))
    array[...] = values
    read = zarr.open(tmp_path / "f.zarr", mode="r")[...]
    land = values == -1e34
    np.testing.assert_array_equal(read[land], values[land])
    assert np.abs(read[~land] - values[~land]).max() <= TOLERANCE


def test_zarr_v3_directory_store_with_the_masked_serializer(tmp_path):
    values = ocean()
    array = zarr.create_array(tmp_path / "v3.zarr", shape=values.shape, chunks=(2, 16, 32),
                              dtype=values.dtype, fill_value=np.nan,
                              serializer=MaskedZFPCodec(tolerance=TOLERANCE),
                              compressors=None)
    array[...] = values
    meta = json.loads((tmp_path / "v3.zarr" / "zarr.json").read_text())
    assert meta["codecs"] == [{"name": "zfpcodec.masked", "configuration": {
        "mode": "fixed_accuracy", "tolerance": TOLERANCE, "missing": "nan"}}]
    reopened = zarr.open_array(tmp_path / "v3.zarr", mode="r")
    assert reopened.serializer == MaskedZFPCodec(tolerance=TOLERANCE)
    check_read(reopened[...], values)


def test_zarr_v3_inside_sharding_with_a_fill_value(tmp_path):
    values = np.nan_to_num(ocean(shape=(2, 40, 64)), nan=-1e10)
    codec = MaskedZFPCodec(mode="fixed_rate", rate=16, missing=-1e10)
    array = zarr.create_array(tmp_path / "s.zarr", shape=values.shape, chunks=(1, 8, 16),
                              shards=(2, 16, 32), dtype=values.dtype, serializer=codec,
                              compressors=None)
    array[...] = values
    read = zarr.open_array(tmp_path / "s.zarr", mode="r")[...]
    land = values == np.float32(-1e10)
    np.testing.assert_array_equal(read[land], values[land])
    assert np.abs(read[~land] - values[~land]).max() <= 0.05


def test_the_same_chunk_bytes_in_zarr_v2_and_v3(tmp_path):
    values = ocean(shape=(2, 16, 32))
    v2 = zarr.open(tmp_path / "v2.zarr", mode="w", shape=values.shape, chunks=values.shape,
                   dtype=values.dtype, zarr_format=2, compressor=MaskedZFP(precision=18))
    v2[...] = values
    v3 = zarr.create_array(tmp_path / "v3.zarr", shape=values.shape, chunks=values.shape,
                           dtype=values.dtype, serializer=MaskedZFPCodec(precision=18),
                           compressors=None)
    v3[...] = values
    assert (tmp_path / "v2.zarr" / "0.0.0").read_bytes() == \
        (tmp_path / "v3.zarr" / "c" / "0" / "0" / "0").read_bytes()


def test_v3_refuses_a_chunk_of_another_shape_or_type(tmp_path):
    values = ocean(shape=(1, 8, 8))
    array = zarr.create_array(tmp_path / "a.zarr", shape=values.shape, chunks=values.shape,
                              dtype=values.dtype, serializer=MaskedZFPCodec(tolerance=0.1),
                              compressors=None)
    array[...] = values
    other = MaskedZFP(tolerance=0.1).encode(ocean(shape=(1, 8, 8), dtype="f8"))
    (tmp_path / "a.zarr" / "c" / "0" / "0" / "0").write_bytes(other)
    with pytest.raises(ZFPError, match="holds float64 values"):
        zarr.open_array(tmp_path / "a.zarr", mode="r")[...]


def test_v3_validation_and_names():
    with pytest.raises(ValueError, match="fixed_accuracy mode applies to floating-point"):
        zarr.create_array(zarr.storage.MemoryStore(), shape=(8,), dtype="i4",
                          serializer=MaskedZFPCodec(tolerance=0.1), compressors=None)
    with pytest.raises(ValueError, match="stores int32, int64, float32, float64 arrays, not "
                       "float16: store the values as float32 .* or with ZFPCodec"):
        zarr.create_array(zarr.storage.MemoryStore(), shape=(8,), dtype="f2",
                          serializer=MaskedZFPCodec(), compressors=None)
    with pytest.raises(ValueError, match=r"not datetime64\[s\]: use ZFPCodec, which codes "
                       r"their int64 counts \(mode='reversible' where NaT is among them\)"):
        zarr.create_array(zarr.storage.MemoryStore(), shape=(8,), dtype="M8[s]",
                          serializer=MaskedZFPCodec(), compressors=None)
    codec = MaskedZFPCodec(mode="expert", minbits=4, missing=-9999)
    assert MaskedZFPCodec.from_dict(codec.to_dict()) == codec
    assert codec.to_dict()["name"] != ZFPCodec().to_dict()["name"]
    with pytest.raises(ValueError, match="expected a"):
        MaskedZFPCodec.from_dict(ZFPCodec(tolerance=0.1).to_dict())


def test_zarr_resolves_the_masked_name_through_the_entry_point():
    from zarr.registry import get_codec_class

    assert get_codec_class("zfpcodec.masked") is MaskedZFPCodec


# --------------------------------------------------------------------------
# xarray and dask

def land_dataset():
    xr = pytest.importorskip("xarray")
    values = ocean(shape=(4, 45, 70))
    return xr.Dataset(
        {"sst": (("time", "lat", "lon"), values, {"units": "degC"})},
        coords={"time": np.arange(4), "lat": np.linspace(-60, 60, 45),
                "lon": np.linspace(0, 350, 70)})


def test_xarray_to_zarr_with_nan_land_in_v2_and_v3(tmp_path):
    xr = pytest.importorskip("xarray")
    ds = land_dataset()
    ds.to_zarr(tmp_path / "v2.zarr", zarr_format=2, consolidated=False, encoding={
        "sst": {"compressors": MaskedZFP(tolerance=TOLERANCE), "chunks": (2, 16, 32)}})
    ds.chunk({"time": 2, "lat": 16, "lon": 32}).to_zarr(
        tmp_path / "v3.zarr", zarr_format=3, consolidated=False, encoding={
            "sst": {"serializer": MaskedZFPCodec(tolerance=TOLERANCE), "compressors": None}})
    for name in ("v2.zarr", "v3.zarr"):
        read = xr.open_zarr(tmp_path / name, consolidated=False).load()
        check_read(read["sst"].values, ds["sst"].values)
        assert read["sst"].attrs["units"] == "degC"
    v3 = xr.open_zarr(tmp_path / "v3.zarr", consolidated=False)
    assert v3["sst"].encoding["serializer"] == MaskedZFPCodec(tolerance=TOLERANCE)


def test_dask_writes_and_reads_masked_chunks_in_v2_and_v3(tmp_path):
    da = pytest.importorskip("dask.array")
    values = ocean(shape=(6, 60, 90), dtype="f8")
    x = da.from_array(values, chunks=(3, 25, 40))
    x.to_zarr(str(tmp_path / "v2.zarr"), zarr_format=2,
              compressors=MaskedZFP(tolerance=TOLERANCE))
    x.to_zarr(str(tmp_path / "v3.zarr"), serializer=MaskedZFPCodec(tolerance=TOLERANCE),
              compressors=None)
    for name in ("v2.zarr", "v3.zarr"):
        check_read(da.from_zarr(str(tmp_path / name)).compute(), values)
