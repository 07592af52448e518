"""Zarr format 3 arrays with zfpcodec.zarr3.ZFPCodec (the zarr-extensions
``zfp`` codec) as serializer, on real stores: every mode and type (the
spec's promotions included), ragged edges, F order, big-endian, sharding,
metadata exactly per the spec's schema, headerless chunks, validation,
entry-point resolution, and chunks compressed on zarr's thread pool."""

from __future__ import annotations

import importlib
import json
import pickle
import re
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from zfpcodec import ZFPError, engine
from zfpcodec.bound import BoundError
from zfpcodec.modes import Mode

zarr = pytest.importorskip("zarr")
from zfpcodec.zarr3 import MaskedZFPCodec, ZFPCodec

TOLERANCE = 1e-3
MODES = {
    "fixed_accuracy": ZFPCodec(mode="fixed_accuracy", tolerance=TOLERANCE),
    "fixed_rate": ZFPCodec(mode="fixed_rate", rate=24),
    "fixed_precision": ZFPCodec(mode="fixed_precision", precision=28),
    "reversible": ZFPCodec(mode="reversible"),
    "expert": ZFPCodec(mode="expert", minbits=8, maxbits=16000, maxprec=30, minexp=-30),
}
# the spec's schema (zarr-extensions codecs/zfp/schema.json): required keys per mode,
# additionalProperties false
SCHEMA_KEYS = {"reversible": {"mode"}, "fixed_accuracy": {"mode", "tolerance"},
               "fixed_rate": {"mode", "rate"}, "fixed_precision": {"mode", "precision"},
               "expert": {"mode", "minbits", "maxbits", "maxprec", "minexp"}}


def field(shape, dtype, seed=0, full_range=False):
    """Smooth values spanning most of an integer type's range: the range
    zfp's lossy modes take, [-2^(P-2), 2^(P-2)) for the 32- and 64-bit
    types (the codec refuses values beyond), or with `full_range` (for
    reversible mode) the type's."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 3, n) for n in shape], indexing="ij")
    unit = sum(np.sin(g * (k + 1)) for k, g in enumerate(grids)) / max(len(shape), 1)
    unit = np.clip(unit + rng.normal(0, 1e-3, shape), -1, 1)
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        low, high = float(info.min), min(float(info.max), 2.0**40)
        if dtype.kind == "u" and dtype.itemsize >= 4:
            high = min(high, 2.0**31 - 1)  # zfp holds uint32/64 below the signed maximum
        if dtype.itemsize >= 4 and not full_range:
            zfp_range = 2.0 ** (8 * dtype.itemsize - 2)
            low, high = max(low, -zfp_range), min(high, zfp_range - 1)
        middle, half = (low + high) / 2, (high - low) / 2
        return np.round(middle + unit * half * 0.9).astype(dtype)
    return (unit * 10).astype(dtype)


def check_values(read, written, mode_name):
    assert read.dtype == written.dtype and read.shape == written.shape
    if mode_name == "reversible":
        np.testing.assert_array_equal(read, written)
        return
    error = np.abs(read.astype(np.float64) - written.astype(np.float64)).max()
    if mode_name == "fixed_accuracy":
        assert error <= TOLERANCE
    elif written.dtype.kind in "iu" and written.dtype.itemsize == 8 and \
            mode_name in ("fixed_precision", "expert"):
        return  # 30 of int64's 64 bit planes: nothing of values below 2**34 survives
    else:
        scale = np.abs(written.astype(np.float64)).max()
        relative = {2: 1e-3, 1: 1e-2}.get(written.dtype.itemsize, 1e-4)  # promoted ints
        assert error <= relative * scale + 16, (error, scale)


def create(store, values, serializer, chunks, **kwargs):
    array = zarr.create_array(store, shape=values.shape, chunks=chunks, dtype=values.dtype,
                              serializer=serializer, compressors=None, **kwargs)
    array[...] = values
    return array


FLOAT_AND_INT = ["f4", "f8", "i4", "i8"]
PROMOTED = ["i1", "u1", "i2", "u2", "u4", "u8", "f2"]


@pytest.mark.parametrize("mode_name, dtype", [
    (mode_name, dtype) for mode_name in sorted(MODES) for dtype in FLOAT_AND_INT + PROMOTED
    # fixed_accuracy is for floating-point data (its refusal is tested below)
    if mode_name != "fixed_accuracy" or np.dtype(dtype).kind == "f"])
def test_every_mode_and_type_round_trips_with_ragged_edge_chunks(mode_name, dtype, tmp_path):
    values = field((50, 37), dtype, full_range=mode_name == "reversible")
    create(tmp_path / "a.zarr", values, MODES[mode_name], (16, 16))
    read = zarr.open_array(tmp_path / "a.zarr", mode="r")
    assert read.serializer == MODES[mode_name]
    check_values(read[...], values, mode_name)


@pytest.mark.parametrize("kind", ["directory", "zip", "memory"])
def test_real_stores_directory_zip_and_memory(kind, tmp_path):
    values = field((40, 30, 20), "f4")
    if kind == "directory":
        store = zarr.storage.LocalStore(tmp_path / "a.zarr")
    elif kind == "zip":
        store = zarr.storage.ZipStore(tmp_path / "a.zip", mode="w")
    else:
        store = zarr.storage.MemoryStore()
    create(store, values, MODES["fixed_accuracy"], (16, 16, 16))
    if kind == "zip":
        store.close()
        store = zarr.storage.ZipStore(tmp_path / "a.zip", mode="r")
    read = zarr.open_array(store, mode="r")
    check_values(read[...], values, "fixed_accuracy")
    check_values(read[3:33, ::4, 7], values[3:33, ::4, 7], "fixed_accuracy")


def test_the_create_array_recipe_of_the_readme(tmp_path):
    b = zarr.create_array(str(tmp_path / "v3.zarr"), shape=(512, 512), chunks=(128, 128),
                          dtype="f4", serializer=ZFPCodec(mode="fixed_accuracy",
                                                          tolerance=1e-3),
                          compressors=None)
    values = np.random.default_rng(2).random((512, 512)).astype("f4")
    b[:] = values
    check_values(zarr.open_array(str(tmp_path / "v3.zarr"), mode="r")[:], values,
                 "fixed_accuracy")


@pytest.mark.parametrize("mode_name", sorted(MODES))
def test_metadata_is_exactly_the_registered_zfp_codec(mode_name, tmp_path):
    codec = MODES[mode_name]
    create(tmp_path / "m.zarr", field((8, 8), "f8"), codec, (8, 8))
    meta = json.loads((tmp_path / "m.zarr" / "zarr.json").read_text())
    (entry,) = meta["codecs"]
    assert entry == codec.to_dict()
    assert entry["name"] == "zfp" and set(entry) == {"name", "configuration"}
    assert set(entry["configuration"]) == SCHEMA_KEYS[mode_name]
    assert entry["configuration"]["mode"] == mode_name
    for key, value in entry["configuration"].items():
        if key in ("precision", "minbits", "maxbits", "maxprec", "minexp"):
            assert isinstance(value, int) and (key == "minexp" or value >= 0)
        elif key in ("tolerance", "rate"):
            assert isinstance(value, float)


@pytest.mark.parametrize("mode_name", sorted(MODES))
def test_chunks_are_bare_zfp_streams_without_a_header(mode_name, tmp_path):
    values = field((16, 16), "f8")
    create(tmp_path / "h.zarr", values, MODES[mode_name], (16, 16))
    chunk = (tmp_path / "h.zarr" / "c" / "0" / "0").read_bytes()
    assert not chunk.startswith(b"zfp")
    assert chunk == engine.compress(values, MODES[mode_name].zfp_mode, header=False,
                                    rate_clamp=True)


def test_the_mode_follows_from_the_parameters_given():
    assert ZFPCodec(rate=8).mode == "fixed_rate"
    assert ZFPCodec(precision=12).mode == "fixed_precision"
    assert ZFPCodec(tolerance=0.1).mode == "fixed_accuracy"
    assert ZFPCodec().mode == "reversible"
    expert = ZFPCodec(maxprec=20)
    assert expert.mode == "expert"
    assert expert.to_dict()["configuration"] == {"mode": "expert", "minbits": 1,
                                                 "maxbits": 16658, "maxprec": 20,
                                                 "minexp": -1074}


def test_fixed_rate_is_set_for_the_chunk_rank_and_type():
    """zfp_stream_set_rate(rate, type, dims): 4**dims values per block, and the
    float/double minimum of 1 + 8 / 1 + 11 bits per block."""
    assert Mode.from_args(rate=10.5).params(2, engine.ztype_of("f8"))[:2] == (168, 168)
    assert Mode.from_args(rate=0.25).params(1, engine.ztype_of("f4"))[:2] == (9, 9)
    assert Mode.from_args(rate=0.25).params(1, engine.ztype_of("f8"))[:2] == (12, 12)


@pytest.mark.parametrize("dtype, shift", [("i1", 23), ("u1", 23), ("i2", 15), ("u2", 15)])
def test_small_integers_are_promoted_with_zfps_rules(dtype, shift, tmp_path):
    """spec: intN -> int32 x << (31 - N); uintN -> (x - 2**(N-1)) << (31 - N)."""
    info = np.iinfo(dtype)
    values = np.linspace(info.min, info.max, 64).round().astype(dtype).reshape(8, 8)
    create(tmp_path / "p.zarr", values, MODES["reversible"], (8, 8))
    chunk = (tmp_path / "p.zarr" / "c" / "0" / "0").read_bytes()
    promoted = values.astype(np.int32)
    if info.min == 0:
        promoted -= 1 << (31 - shift - 1)
    promoted <<= shift
    assert chunk == engine.compress(promoted, Mode.from_args(), header=False)
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "p.zarr")[...], values)


@pytest.mark.parametrize("dtype", ["i4", "i8", "u4"])
@pytest.mark.parametrize("mode_name", ["fixed_rate", "fixed_precision", "expert"])
def test_integers_beyond_zfps_range_are_refused_in_lossy_modes(mode_name, dtype, tmp_path):
    """zfp's transform can wrap integers outside [-2^(P-2), 2^(P-2)): an
    int32 of -2^31 beside small values came back as 2^31 - 1; so can a
    block spanning the whole range (-2^(P-2) beside 2^(P-2) - 1).  Lossy
    modes refuse such chunks (reversible stores them exactly); values at
    the range's ends, in blocks of their own, are taken."""
    bits = 8 * np.dtype(dtype).itemsize - 2
    inside = np.zeros((8, 8), dtype)
    inside[0, 0] = 2**bits - 1
    if np.dtype(dtype).kind == "i":
        inside[5, 5] = -(2**bits)
        spanning = inside.copy()
        spanning[0, 1] = -(2**bits)
        array = zarr.create_array(tmp_path / "span.zarr", shape=spanning.shape, dtype=dtype,
                                  chunks=(8, 8), serializer=MODES[mode_name],
                                  compressors=None)
        with pytest.raises(ZFPError, match="1 of 4 blocks .* within 16 of both its ends"):
            array[...] = spanning
    create(tmp_path / "in.zarr", inside, MODES[mode_name], (8, 8))
    outside = inside.copy()
    outside[3, 3] = 2**bits
    array = zarr.create_array(tmp_path / "out.zarr", shape=outside.shape, dtype=dtype,
                              chunks=(8, 8), serializer=MODES[mode_name], compressors=None)
    with pytest.raises(ZFPError, match=rf"1 of 4 blocks hold "
                                       rf"{np.dtype(dtype).name.replace('u', '')} values "
                                       rf"outside zfp's integer range \[-2\^{bits}"):
        array[...] = outside
    create(tmp_path / "rev.zarr", outside, MODES["reversible"], (8, 8))
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "rev.zarr")[...], outside)


def test_demotion_clamps_to_the_type_range(tmp_path):
    """Lossy modes may overshoot: demotion clamps (zfp_demote_*)."""
    values = np.full((16, 16), 255, dtype="u1")
    values[::2, ::2] = 0
    create(tmp_path / "c.zarr", values, ZFPCodec(mode="fixed_rate", rate=2), (16, 16))
    read = zarr.open_array(tmp_path / "c.zarr")[...]
    assert read.dtype == np.uint8  # no wrap-around: values stay within 0..255 by clamping


@pytest.mark.parametrize("tolerance", [200, 1000])
def test_float16_values_near_its_largest_stay_finite_within_the_tolerance(tmp_path, tolerance):
    """A lossy decode in float32 may land past float16's largest, 65504,
    which float16 rounds to inf (a probe saw -65504 come back as -inf);
    infinities stored losslessly stay infinities."""
    values = np.random.default_rng(5).uniform(60000, 65504, (64, 64)).astype("f2")
    values[0, 0], values[1, 1] = 65504, -65504
    values[2:4] *= -1
    create(tmp_path / "f16.zarr", values, ZFPCodec(tolerance=tolerance), (64, 64))
    read = zarr.open_array(tmp_path / "f16.zarr")[...]
    assert np.isfinite(read).all()
    assert np.abs(read.astype(np.float64) - values).max() <= tolerance
    exact = np.array([np.inf, -np.inf, 65504, -65504, 1, 0, 2, 3], "f2")
    create(tmp_path / "rev.zarr", exact, MODES["reversible"], (8,))
    assert zarr.open_array(tmp_path / "rev.zarr")[...].tobytes() == exact.tobytes()


def test_unsigned_32_and_64_bit_values_above_the_signed_maximum_are_refused(tmp_path):
    for dtype in ("u4", "u8"):
        array = zarr.create_array(tmp_path / dtype, shape=(8,), dtype=dtype,
                                  serializer=MODES["reversible"], compressors=None)
        array[...] = np.arange(8, dtype=dtype)
        with pytest.raises(ValueError, match="above"):
            array[0] = np.iinfo(dtype).max


def test_a_fill_value_outside_zfps_range_is_refused_naming_the_masked_codec(tmp_path):
    """netCDF's int32 fill value is outside zfp's integer range: the refusal
    names the Zarr v3 masked codec, which keeps it out of zfp."""
    values = np.array([-2147483647, 10, 20, 30, 40, -2147483647, 60, 70], dtype="i4")
    array = zarr.create_array(tmp_path / "t.zarr", shape=(8,), dtype="i4",
                              serializer=ZFPCodec(rate=16), compressors=None)
    with pytest.raises(ZFPError, match=r"-2147483647\), zfpcodec.MaskedZFP \(Zarr v3: "
                                       r"zfpcodec.zarr3.MaskedZFPCodec\) with missing="):
        array[...] = values
    kept = zarr.create_array(tmp_path / "m.zarr", shape=(8,), dtype="i4", compressors=None,
                             serializer=MaskedZFPCodec(rate=16, missing=-2147483647))
    kept[...] = values
    back = kept[...]
    assert (back[[0, 5]] == -2147483647).all()
    assert np.abs(back - values.astype("i8")).max() <= 2


@pytest.mark.parametrize("dtype", ["M8[s]", "m8[ms]"])
def test_datetime_and_timedelta_as_int64_counts(dtype, tmp_path):
    values = (np.arange(100) * 3600 + 1_700_000_000).astype("i8").view(dtype).reshape(10, 10)
    values[3, 3] = np.array("NaT").astype(dtype)
    create(tmp_path / "t.zarr", values, MODES["reversible"], (4, 4))
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "t.zarr")[...], values)


@pytest.mark.parametrize("dtype", ["M8[s]", "m8[ms]"])
def test_nat_in_a_lossy_mode_is_refused_naming_reversible_for_times(dtype, tmp_path):
    """NaT is the count -2**63, outside zfp's lossy range: the refusal
    speaks of the times and names the mode that stores them, not the
    masked codecs (which take no times)."""
    values = (np.arange(16) * 3600 + 1_700_000_000).astype("i8").view(dtype)
    values[3] = np.array("NaT").astype(dtype)
    with pytest.raises(BoundError, match=re.escape(
            f"ZFPCodec refuses to store this chunk of {np.dtype(dtype)} values, coded as "
            f"their int64 counts: 1 of 4 blocks hold int64 values outside zfp's integer "
            f"range") + ".*" + re.escape("(NaT is -2**63). Fix: use mode='reversible'")):
        create(tmp_path / "t.zarr", values, MODES["fixed_rate"], (16,))


def test_big_endian_arrays(tmp_path):
    """zarr hands the codec big-endian chunks for a >f8 array: the values
    are what count, so the chunks equal those of the <f8 array."""
    values = field((30, 20), ">f8")
    create(tmp_path / "b.zarr", values, MODES["fixed_accuracy"], (16, 16))
    read = zarr.open_array(tmp_path / "b.zarr")[...]
    check_values(read.astype("<f8"), values.astype("<f8"), "fixed_accuracy")
    little = field((30, 20), "<f8")
    create(tmp_path / "l.zarr", little, MODES["fixed_accuracy"], (16, 16))
    assert (tmp_path / "b.zarr/c/1/0").read_bytes() == (tmp_path / "l.zarr/c/1/0").read_bytes()


LAYOUTS = {
    "C": lambda a: a,
    "F": np.asfortranarray,
    "reversed-F": lambda a: np.asfortranarray(a)[:, ::-1],
    "strided": lambda a: np.repeat(a, 2, axis=0)[::2],
}


@pytest.mark.parametrize("dtype", ["f8", ">f8", "<f4", ">i4", ">i2", ">u2", ">f2", "u1"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_chunks_of_any_layout_and_byte_order_as_zarr_may_hand_them(layout, dtype):
    """The codec's own encode/decode (what zarr's pipeline calls) on chunk
    buffers that are F-ordered, reversed, strided or byte-swapped."""
    from zarr.core.array_spec import ArrayConfig, ArraySpec
    from zarr.core.buffer import default_buffer_prototype
    from zarr.dtype import parse_dtype

    prototype = default_buffer_prototype()
    values = LAYOUTS[layout](field((6, 5), dtype))
    spec = ArraySpec(shape=values.shape, dtype=parse_dtype(values.dtype, zarr_format=3),
                     fill_value=0, config=ArrayConfig.from_dict({}), prototype=prototype)
    codec = MODES["reversible"]
    stream = codec._encode_sync(prototype.nd_buffer.from_numpy_array(values), spec)
    assert stream.to_bytes() == codec._encode_sync(
        prototype.nd_buffer.from_numpy_array(np.ascontiguousarray(values)), spec).to_bytes()
    decoded = codec._decode_sync(stream, spec).as_numpy_array()
    assert decoded.dtype == values.dtype
    np.testing.assert_array_equal(decoded, values)


@pytest.mark.parametrize("mode_name", ["fixed_accuracy", "reversible"])
def test_f_ordered_arrays_and_chunks(mode_name, tmp_path):
    values = np.asfortranarray(field((45, 30, 6), "f8"))
    create(tmp_path / "f.zarr", values, MODES[mode_name], (16, 16, 4), config={"order": "F"})
    read = zarr.open_array(tmp_path / "f.zarr", config={"order": "F"})
    check_values(read[...], values, mode_name)
    check_values(zarr.open_array(tmp_path / "f.zarr")[...], values, mode_name)


@pytest.mark.parametrize("mode_name", sorted(MODES))
def test_sharded_arrays_with_ragged_shards(mode_name, tmp_path):
    values = field((100, 70), "f4")
    array = zarr.create_array(tmp_path / "s.zarr", shape=values.shape, chunks=(16, 16),
                              shards=(64, 32), dtype="f4", serializer=MODES[mode_name],
                              compressors=None)
    array[...] = values
    meta = json.loads((tmp_path / "s.zarr" / "zarr.json").read_text())
    (sharding,) = meta["codecs"]
    assert sharding["name"] == "sharding_indexed"
    assert sharding["configuration"]["codecs"] == [MODES[mode_name].to_dict()]
    read = zarr.open_array(tmp_path / "s.zarr", mode="r")
    check_values(read[...], values, mode_name)
    check_values(read[10:90, 5:60], values[10:90, 5:60], mode_name)


@pytest.mark.parametrize("shape, chunks", [((), ()), ((1000,), (300,)),
                                           ((12, 10, 8, 6), (5, 4, 4, 6))])
def test_ranks_zero_to_four(shape, chunks, tmp_path):
    values = field(shape, "f8") if shape else np.array(1.5)
    array = zarr.create_array(tmp_path / "r.zarr", shape=shape, chunks=chunks or "auto",
                              dtype="f8", serializer=MODES["reversible"], compressors=None)
    array[...] = values
    np.testing.assert_array_equal(zarr.open_array(tmp_path / "r.zarr")[...], values)


def test_dict_form_and_zstd_after_it(tmp_path):
    values = field((32, 32), "f8")
    array = zarr.create_array(tmp_path / "d.zarr", shape=values.shape, chunks=(16, 16),
                              dtype="f8", serializer={"name": "zfp", "configuration":
                                                      {"mode": "fixed_rate", "rate": 16}})
    array[...] = values
    assert array.serializer == ZFPCodec(rate=16)
    assert [c["name"] for c in json.loads((tmp_path / "d.zarr/zarr.json").read_text())[
        "codecs"]] == ["zfp", "zstd"]
    check_values(zarr.open_array(tmp_path / "d.zarr")[...], values, "fixed_rate")


@pytest.mark.parametrize("dtype, shape, codec, message", [
    ("bool", (8,), MODES["reversible"], "not bool"),
    ("c8", (8,), MODES["reversible"], "not complex64"),
    ("f8", (2, 2, 2, 2, 2), MODES["reversible"], "at most 4 dimensions"),
    ("i4", (8,), MODES["fixed_accuracy"], "floating-point"),
    ("u2", (8,), MODES["fixed_accuracy"], "floating-point"),
])
def test_validation_refuses_unstorable_arrays_when_they_are_created(dtype, shape, codec,
                                                                     message, tmp_path):
    with pytest.raises(ValueError, match=message):
        zarr.create_array(tmp_path / "v.zarr", shape=shape, dtype=dtype, serializer=codec,
                          compressors=None)


def test_inner_chunks_of_a_shard_are_checked_when_encoded(tmp_path):
    """zarr 3.1 does not validate the codecs inside sharding: the codec
    refuses at encode time with the same message (zarr >= 3.2 validates
    them, and the refusal comes when the array is created)."""
    with pytest.raises(ValueError, match="floating-point"):
        array = zarr.create_array(tmp_path / "v.zarr", shape=(8, 8), chunks=(4, 4),
                                  shards=(8, 8), dtype="i4", serializer=MODES["fixed_accuracy"],
                                  compressors=None)
        array[...] = 1


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "fixed_rate"}, "needs rate="),
    ({"mode": "reversible", "tolerance": 1.0}, "does not take tolerance"),
    ({"mode": "lossy"}, "mode must be one of"),
    ({"rate": 8, "precision": 3}, "only one of"),
    ({"tolerance": -1.0}, "tolerance must be"),
    ({"mode": "expert"}, "needs at least one of"),
    ({"mode": "expert", "minbits": 9, "maxbits": 8}, "minbits <= maxbits"),
])
def test_constructor_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ZFPCodec(**kwargs)


@pytest.mark.parametrize("data, message", [
    ({"name": "zfpy", "configuration": {"mode": "reversible"}}, "expected"),
    ({"name": "zfp"}, "malformed"),
    ({"name": "zfp", "configuration": {"mode": "fixed_rate"}}, "lacks rate"),
    ({"name": "zfp", "configuration": {"mode": "expert", "minbits": 1}}, "lacks maxbits"),
    ({"name": "zfp", "configuration": {"mode": "reversible", "write_header": True}},
     "does not take write_header"),
    ({"name": "zfp", "configuration": {"mode": 4}}, "mode"),
])
def test_from_dict_follows_the_schema(data, message):
    with pytest.raises(ValueError, match=message):
        ZFPCodec.from_dict(data)


@pytest.mark.parametrize("mode_name", sorted(MODES))
def test_codec_identity_to_dict_repr_pickle_hash_and_immutability(mode_name):
    codec = MODES[mode_name]
    assert ZFPCodec.from_dict(json.loads(json.dumps(codec.to_dict()))) == codec
    assert eval(repr(codec), {"ZFPCodec": ZFPCodec}) == codec
    clone = pickle.loads(pickle.dumps(codec))
    assert clone == codec and hash(clone) == hash(codec)
    with pytest.raises(AttributeError):
        codec.mode = "reversible"
    assert ZFPCodec(tolerance=0.5) == ZFPCodec(mode="fixed_accuracy", tolerance=0.5)
    assert ZFPCodec() == ZFPCodec(mode="reversible")
    assert ZFPCodec(rate=8, threads=3) == ZFPCodec(rate=8)
    assert "threads" not in json.dumps(ZFPCodec(rate=8, threads=3).to_dict())


def test_chunks_are_compressed_on_zarrs_thread_pool(tmp_path, monkeypatch):
    """The async methods hand each chunk to a worker thread (where the C
    engine runs without the GIL), so zarr compresses chunks in parallel."""
    import zfpcodec.zarr3 as module

    seen, real = set(), module.engine._compress  # under compress and compress_report

    def spy(*args, **kwargs):
        seen.add(threading.get_ident())
        return real(*args, **kwargs)

    monkeypatch.setattr(module.engine, "_compress", spy)
    values = field((256, 256), "f8")
    create(tmp_path / "p.zarr", values, MODES["fixed_accuracy"], (32, 32))
    assert seen and threading.get_ident() not in seen


FUSED = "zarr.core.codec_pipeline.FusedCodecPipeline"


@pytest.mark.skipif(not hasattr(importlib.import_module("zarr.core.codec_pipeline"),
                                "FusedCodecPipeline"),
                    reason="this zarr has no FusedCodecPipeline (newer zarr releases do)")
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("codec, shards", [
    (MODES["fixed_accuracy"], None), (MODES["fixed_rate"], None), (MODES["reversible"], None),
    (MODES["fixed_rate"], (32, 24)),
    (MaskedZFPCodec(tolerance=TOLERANCE), None), (MaskedZFPCodec(rate=16), (32, 24))],
    ids=["accuracy", "rate", "reversible", "rate-sharded", "masked", "masked-sharded"])
def test_the_fused_codec_pipeline_stores_and_reads_what_the_batched_one_does(codec, shards,
                                                                             workers, tmp_path):
    """zarr's fused pipeline (codec_pipeline.path) calls the codecs' sync
    methods on its own thread pool, never the async partial reads: the same
    chunk bytes, the same values, whole and partial, as zarr's default."""
    values = field((70, 45), "f4")
    if isinstance(codec, MaskedZFPCodec):
        values[values > 5] = np.nan
    stored = {}
    for name, config in (("batched", {}),
                         ("fused", {"codec_pipeline.path": FUSED,
                                    "codec_pipeline.max_workers": workers})):
        with zarr.config.set(config):
            array = zarr.create_array(tmp_path / f"{name}.zarr", shape=values.shape,
                                      chunks=(16, 12), shards=shards, dtype="f4",
                                      serializer=codec, compressors=None)
            assert type(array._async_array.codec_pipeline).__name__ == \
                ("FusedCodecPipeline" if config else "BatchedCodecPipeline")
            array[...] = values
            array[3:20, 40:] = values[3:20, 40:] * 2  # partial chunks rewritten
            stored[name] = {p.relative_to(tmp_path / f"{name}.zarr").as_posix(): p.read_bytes()
                            for p in (tmp_path / f"{name}.zarr").rglob("*") if p.is_file()}
    assert stored["fused"] == stored["batched"]
    with zarr.config.set({"codec_pipeline.path": FUSED, "codec_pipeline.max_workers": workers}):
        fused = zarr.open_array(tmp_path / "batched.zarr", mode="r")
        assert type(fused._async_array.codec_pipeline).__name__ == "FusedCodecPipeline"
        whole, part = fused[...], fused[5:61, 7:30:3]
    batched = zarr.open_array(tmp_path / "batched.zarr", mode="r")
    assert whole.tobytes() == batched[...].tobytes()
    assert part.tobytes() == batched[5:61, 7:30:3].tobytes()
    expected = values.copy()
    expected[3:20, 40:] *= 2
    np.testing.assert_array_equal(np.isnan(whole), np.isnan(expected))
    if codec.to_dict()["configuration"].get("mode", "fixed_accuracy") == "fixed_accuracy":
        assert np.nanmax(np.abs(whole - expected)) <= TOLERANCE


def test_arrays_open_by_codec_name_through_the_entry_point(tmp_path):
    """A fresh process opens a zfp array without importing zfpcodec: zarr
    finds the codec by its name through the `zarr.codecs` entry point."""
    values = field((20, 20), "f8")
    create(tmp_path / "e.zarr", values, MODES["reversible"], (8, 8))
    np.save(tmp_path / "v.npy", values)
    code = textwrap.dedent(f"""
        import sys, numpy as np, zarr
        a = zarr.open_array({str(tmp_path / "e.zarr")!r}, mode="r")
        assert (a[...] == np.load({str(tmp_path / "v.npy")!r})).all()
        print(type(a.serializer).__module__, type(a.serializer).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=False,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["zfpcodec.zarr3", "ZFPCodec"]
