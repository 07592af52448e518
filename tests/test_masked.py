"""The masked codecs (zfpcodec.MaskedZFP, zfpcodec.zarr3.MaskedZFPCodec):
every valid value within the tolerance and every missing value restored bit
for bit, over dtypes, ranks 1-4, partial blocks, random and land-like masks
and fill values; every mode; integers with a fill value; the codec
conventions (config, repr, pickle, registry).  The container itself:
test_masked_container.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from common import (check_config, check_encode_decode, check_err_decode_object_buffer,
                    check_err_encode_object_buffer, check_immutable, check_pickle_and_copy,
                    check_repr)
from masked_cases import (FILLS, MODES, check_masked_round_trip, land_mask, shapes, smooth,
                          with_missing)
from zfpcodec import MaskedZFP, ZFP, ZFPError, masked

# --------------------------------------------------------------------------
# the error bound and exact missing values, over random cases

@given(shape=shapes, dtype=st.sampled_from([np.float32, np.float64]),
       fill=st.sampled_from(FILLS), tolerance=st.sampled_from([1e-3, 0.05, 0.5]),
       kind=st.sampled_from(["random", "land", "all", "none"]),
       density=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_tolerance_holds_on_every_valid_value_and_missing_values_come_back_exactly(
        shape, dtype, fill, tolerance, kind, density, seed):
    rng = np.random.default_rng(seed)
    values = smooth(shape, dtype, seed, scale=rng.choice([1.0, 30.0, 300.0]))
    mask = {"random": rng.random(shape) < density, "land": land_mask(shape, seed),
            "all": np.ones(shape, bool), "none": np.zeros(shape, bool)}[kind]
    data = with_missing(values, mask, fill)
    codec = MaskedZFP(tolerance=tolerance, missing=fill)
    check_masked_round_trip(data, codec.decode(codec.encode(data)), mask, tolerance)


@pytest.mark.parametrize("fill", FILLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plain_zfp_breaks_the_bound_where_the_masked_codec_keeps_it(dtype, fill):
    """The issue's cases: one fill value in a block of 20.0 costs plain zfp
    its bound (float32 cannot carry -1e10 beside 20.0, float64 not -1e34),
    and a NaN comes back as a number; the masked codec keeps both.  (The
    plain half shows that this test can fail.)"""
    data = np.full((8, 8), 20.0, dtype=dtype)
    data[1, 2] = np.nan if fill == "nan" else fill
    mask = np.isnan(data) if fill == "nan" else data == dtype(fill)
    plain = ZFP(tolerance=0.1, strict=False)  # what zfp stores without a word
    back = plain.decode(plain.encode(data))
    if fill == "nan":
        assert np.isfinite(back[mask]).all()
    elif dtype == np.float32 or fill == -1e34:
        assert np.abs(back[~mask] - 20.0).max() > 0.1
    else:  # float64 carries -1e10 beside 20.0: the bound holds, ZFP stores it
        assert np.abs(back[~mask] - 20.0).max() <= 0.1
        ZFP(tolerance=0.1).encode(data)
    if fill == "nan" or dtype == np.float32 or fill == -1e34:
        with pytest.raises(ZFPError, match="refuses to store this chunk"):
            ZFP(tolerance=0.1).encode(data)
    codec = MaskedZFP(tolerance=0.1, missing=fill)
    check_masked_round_trip(data, codec.decode(codec.encode(data)), mask, 0.1)


def test_infinities_are_missing_whatever_the_fill_value():
    data = smooth((9, 10), np.float64)
    data[0, 0], data[5, 5], data[2, 7], data[8, 9] = np.inf, -np.inf, -1e10, np.nan
    for fill, mask in (("nan", ~np.isfinite(data)), (-1e10, ~np.isfinite(data) |
                                                       (data == -1e10))):
        codec = MaskedZFP(tolerance=1e-3, missing=fill)
        bound = 1e-3 if fill == -1e10 else None  # with "nan" the -1e10 is a valid value
        decoded = codec.decode(codec.encode(data))
        if bound is None:
            np.testing.assert_array_equal(decoded.view("u8")[mask], data.view("u8")[mask])
        else:
            check_masked_round_trip(data, decoded, mask, bound)


@pytest.mark.parametrize("dtype,bits,exponent,sign", [
    (np.float32, "u4", 0x7F800000, 0x80000000),
    (np.float64, "u8", 0x7FF0000000000000, 0x8000000000000000)])
def test_nan_payloads_and_signs_come_back_bit_for_bit(dtype, bits, exponent, sign):
    data = smooth((6, 7, 5), dtype)
    flat = data.reshape(-1).view(bits)
    positions = np.arange(0, flat.size, 7)
    # payloads 1, 2, ...: signalling NaNs (quiet bit clear); every other one negative
    nan_bits = exponent | (positions + 1).astype(bits)
    nan_bits[::2] |= np.array(sign, dtype=bits)
    flat[positions] = nan_bits
    mask = np.isnan(data)
    assert mask.sum() == positions.size
    codec = MaskedZFP(precision=20)
    enc = codec.encode(data)
    assert enc[6] in (masked.ValueEncoding.EACH, masked.ValueEncoding.DEFLATE)
    check_masked_round_trip(data, codec.decode(enc), mask, 1e-2)


@pytest.mark.parametrize("mode_name", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_mode_restores_missing_values_exactly(mode_name, dtype):
    data = with_missing(smooth((20, 17), dtype), land_mask((20, 17), 4), -1e34)
    mask = data == dtype(-1e34)
    codec = MaskedZFP(**MODES[mode_name], missing=-1e34)
    decoded = codec.decode(codec.encode(data))
    bound = {"reversible": None, "fixed_accuracy": 1e-2}.get(mode_name, 1e-2)
    check_masked_round_trip(data, decoded, mask, bound)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("mode_name", ["reversible", "fixed_precision", "fixed_rate"])
def test_integers_with_a_fill_value(dtype, mode_name):
    values = smooth((13, 9), np.float64, scale=1e5).astype(dtype)
    mask = land_mask((13, 9), 2)
    data = with_missing(values, mask, -9999)
    kwargs = {"reversible": dict(mode="reversible"), "fixed_precision": dict(precision=32),
              "fixed_rate": dict(rate=24)}[mode_name]
    codec = MaskedZFP(**kwargs, missing=-9999)
    decoded = codec.decode(codec.encode(data))
    if mode_name == "reversible":
        check_masked_round_trip(data, decoded, mask, None)
    else:
        np.testing.assert_array_equal(decoded[mask], data[mask])
        if dtype == np.int32:  # int64's top planes hold nothing of these values
            assert np.abs(decoded[~mask] - data[~mask]).max() <= 64


def test_a_fill_value_an_integer_array_cannot_hold_marks_nothing_missing():
    data = np.arange(16, dtype=np.int32)
    for fill in (-1e34, 0.5, 2**40, "nan"):
        enc = MaskedZFP(mode="reversible", missing=fill).encode(data)
        assert enc[5] == masked.MaskEncoding.NONE
        np.testing.assert_array_equal(MaskedZFP().decode(enc), data)
    assert MaskedZFP(mode="reversible", missing=3.0).encode(data)[5] != 0


def test_integer_arrays_without_a_fill_value_have_nothing_missing():
    data = np.arange(64, dtype=np.int64).reshape(8, 8)
    enc = MaskedZFP(mode="reversible").encode(data)
    assert enc[:8] == masked.PREAMBLE.pack(masked.MAGIC, 1, 0, 0, 0)
    np.testing.assert_array_equal(MaskedZFP().decode(enc), data)


# --------------------------------------------------------------------------
# the codec conventions

CODECS = [MaskedZFP(tolerance=1e-3), MaskedZFP(rate=12, missing=-1e34),
          MaskedZFP(precision=20, missing=-9999), MaskedZFP(mode="reversible"),
          MaskedZFP(minbits=1, maxbits=900, maxprec=40, minexp=-30, missing=1.5),
          MaskedZFP(mode=4, tolerance=0.5, threads=2)]


@pytest.mark.parametrize("codec", CODECS, ids=repr)
def test_config_repr_pickle_registry_and_immutability(codec):
    check_config(codec)
    check_repr(codec, {"MaskedZFP": MaskedZFP})
    check_pickle_and_copy(codec)
    check_immutable(codec, names=("mode", "missing", "threads"))
    check_err_encode_object_buffer(codec)
    # (the masked codecs refuse integers in fixed accuracy)
    floats_only = codec.get_config()["mode"] == "fixed_accuracy"
    check_err_decode_object_buffer(codec, (np.float64,) if floats_only else
                                   (np.int32, np.int64, np.float64))


def test_config_is_the_mode_its_parameters_and_missing():
    assert MaskedZFP(tolerance=1e-3, missing=-1e10).get_config() == {
        "id": "zfpcodec.masked", "mode": "fixed_accuracy", "tolerance": 1e-3,
        "missing": -1e10}
    assert MaskedZFP().get_config() == {"id": "zfpcodec.masked", "mode": "reversible",
                                        "missing": "nan"}
    assert MaskedZFP(missing=float("nan")).missing == "nan"


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(tolerance=1e-3, rate=8), ValueError, "give only one"),
    (dict(missing=float("inf")), ValueError, "always counts as missing"),
    (dict(missing="land"), TypeError, "missing must be 'nan' or a number"),
    (dict(missing=True), TypeError, "missing must be 'nan' or a number"),
    (dict(mode="fixed_rate"), ValueError, "needs rate"),
])
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        MaskedZFP(**kwargs)


@pytest.mark.parametrize("layout", ["C", "F", "strided", "0-d"])
def test_round_trip_in_every_layout_into_new_arrays_and_out(layout):
    base = with_missing(smooth((12, 10), np.float64), land_mask((12, 10)), "nan")
    data = {"C": base, "F": np.asfortranarray(base), "strided": base[::2, ::3],
            "0-d": np.array(np.nan)}[layout]
    codec = MaskedZFP(tolerance=1e-3)
    enc = codec.encode(data)
    mask = np.isnan(data)
    check_masked_round_trip(data, codec.decode(enc, out=np.empty_like(data)), mask, 1e-3)
    raw = bytearray(data.nbytes)
    codec.decode(enc, out=raw)
    assert bytes(raw) == codec.decode(enc).tobytes()
    if layout == "F":  # numcodecs' rule: memory order, the transpose
        check_masked_round_trip(data.T, codec.decode(enc), mask.T, 1e-3)


def test_encode_decode_battery_on_a_field_without_missing_values():
    check_encode_decode(MaskedZFP(tolerance=1e-3), smooth((10, 11, 3), np.float32), 1e-3)
    check_encode_decode(MaskedZFP(mode="reversible", missing=-1),
                        np.arange(-5, 40, dtype=np.int64), None)


def test_numcodecs_resolves_the_masked_id_through_the_entry_point():
    from numcodecs import get_codec

    codec = get_codec({"id": "zfpcodec.masked", "mode": "fixed_rate", "rate": 8,
                       "missing": -1e34})
    assert codec == MaskedZFP(rate=8, missing=-1e34) and type(codec) is MaskedZFP


@pytest.mark.parametrize("dtype, missing, restored", [
    (np.float64, "nan", np.nan), (np.float32, -1e10, -1e10), (np.int32, -9999, -9999)])
def test_a_numpy_masked_array_has_its_masked_values_stored_as_missing(dtype, missing,
                                                                      restored):
    """netCDF4 hands variables over as numpy.ma arrays: the values under the
    mask (often a fill value) were coded as valid data.  They are missing
    now, and come back as NaN or the fill value; the valid ones within the
    tolerance or exactly."""
    data = (np.linspace(0, 20, 256).reshape(16, 16) * (100 if dtype == np.int32 else 1))
    data = data.astype(dtype)
    under = np.zeros_like(data) + dtype(7)
    hidden = data > data.mean()
    arr = np.ma.masked_array(np.where(hidden, under, data), mask=hidden)
    kwargs = {} if dtype == np.int32 else dict(tolerance=1e-3)   # reversible for ints
    codec = MaskedZFP(**kwargs, missing=missing)
    back = codec.decode(codec.encode(arr))
    assert type(back) is np.ndarray
    if np.isnan(restored):
        assert np.isnan(back[hidden]).all()
    else:
        assert (back[hidden] == dtype(restored)).all()
    assert np.abs(back[~hidden].astype(float) - data[~hidden]).max() <= \
        (1e-3 if dtype != np.int32 else 0)


def test_an_integer_masked_array_needs_a_fill_value():
    arr = np.ma.masked_array(np.arange(64, dtype=np.int32), mask=np.arange(64) % 3 == 0)
    with pytest.raises(TypeError, match="cannot store the mask of an int32 masked array "
                                        "without a fill value: give missing= one"):
        MaskedZFP(precision=20).encode(arr)


@pytest.mark.parametrize("missing", [-1e10, 2**40, -9999.5])
def test_an_integer_masked_array_needs_a_fill_value_of_its_type(missing):
    # a fill value is given, but the masked values cannot take it: the
    # error must say so, not ask for a fill value
    arr = np.ma.masked_array(np.arange(64, dtype=np.int32), mask=np.arange(64) % 3 == 0)
    with pytest.raises(TypeError, match=f"int32 masked array: missing={missing} is no int32 "
                                        "value, so the masked values cannot take it"):
        MaskedZFP(precision=20, missing=missing).encode(arr)


@pytest.mark.parametrize("strict", ["false", "no", 0, 1, None])
def test_strict_must_be_a_bool(strict):
    """bool('false') is True: a string (from a configuration file) would
    have silently meant the opposite."""
    from zfpcodec.zarr3 import MaskedZFPCodec, ZFPCodec

    for codec in (ZFP, MaskedZFP, ZFPCodec, MaskedZFPCodec):
        with pytest.raises(TypeError, match="strict must be True or False"):
            codec(strict=strict)
    assert ZFP(strict=np.bool_(False)).strict is False


def test_plain_readers_name_a_masked_container_they_are_given():
    """A masked chunk given to a plain reader (ZFP, a region read) is
    named as what it is, with the reader to use.  (The zfpy drop-in keeps
    zfpy's own message.)"""
    from zfpcodec.region import decompress_region

    container = MaskedZFP(tolerance=1e-3).encode(np.array([1.0, np.nan, 3.0, 4.0]))
    for read in (ZFP().decode, lambda data: decompress_region(data, np.s_[0])):
        with pytest.raises(ZFPError, match=r"not a plain zfp stream but a masked container "
                                           r"\(it starts with b'ZFPM'\): decode it with "
                                           r"zfpcodec\.MaskedZFP"):
            read(container)


def test_an_unnamed_fill_value_refusal_suggests_naming_it():
    data = np.array([1.0, 2.0, 3.0, -1e10] * 4, dtype=np.float32)
    with pytest.raises(ZFPError, match="missing= naming a fill value left among the valid "
                                       "values"):
        MaskedZFP(tolerance=1e-3).encode(data)


def test_a_read_only_out_is_refused_before_decoding():
    codec = MaskedZFP(tolerance=1e-3)
    data = np.linspace(0, 1, 64)
    data[3] = np.nan
    out = np.zeros(64)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="^out is read-only$"):
        codec.decode(codec.encode(data), out=out)
    with pytest.raises(ValueError, match="out holds 8 bytes"):
        codec.decode(codec.encode(data), out=np.zeros(1))


@pytest.mark.parametrize("dtype, top", [(np.int32, 2**30 - 1), (np.int64, 2**62 - 1)])
def test_filled_integers_stay_within_zfps_range_where_the_known_values_are(dtype, top):
    """Filled values stay below the known values' power of two: rounding a
    fill of 2^30 - 0.4 up gave 2^30, past zfp's int32 range, and a chunk of
    valid values all inside it was refused as out of range."""
    data = np.full((4, 4), 100, dtype)
    data[0, :] = -2147483647                      # netCDF's int fill value: missing
    data[1, :] = [-452, top, 250, -394]
    mask = data == -2147483647
    filled = masked.fill_missing(data, mask)
    assert filled[~mask].tolist() == data[~mask].tolist()
    assert filled.max() == top and filled.min() >= -top - 1
    codec = MaskedZFP(precision=20, missing=-2147483647)
    decoded = codec.decode(codec.encode(data))    # strict: refused before the fix
    np.testing.assert_array_equal(decoded[mask], data[mask])


@pytest.mark.parametrize("dtype, bits", [(np.int32, 30), (np.int64, 62)])
def test_filled_integers_never_make_a_block_span_zfps_range(dtype, bits):
    """A block with values within 16 of both ends of zfp's integer range can
    wrap, and is refused.  Known values near one end whose line climbs
    toward the other must not be filled into that band: -2^30 and
    2^30 - 100 extrapolated to 2^30 - 1 (rounded), which made the chunk
    refused though its valid values span less."""
    fill = -9999
    data = np.array([-2**bits, 2**bits - 100, fill, fill], dtype)
    filled = masked.fill_missing(data, data == fill)
    assert filled[2:].min() > 0 and filled.max() <= 2**bits - 17   # clear of the band
    codec = MaskedZFP(precision=bits + 2, missing=fill)
    decoded = codec.decode(codec.encode(data))    # strict: refused before the limit
    assert decoded[2:].tolist() == [fill, fill]
    assert np.abs(decoded[:2].astype(object) - data[:2].astype(object)).max() <= 2
