"""The masked codecs (zfpcodec.MaskedZFP, zfpcodec.zarr3.MaskedZFPCodec) and
their container (zfpcodec.masked, docs/masked-format.md): every valid value
within the tolerance and every missing value restored bit for bit, over
dtypes, ranks 1-4, partial blocks, random and land-like masks and fill
values; every mode; integers with a fill value; the container's bytes;
corrupt and truncated containers; the codec conventions (config, repr,
pickle, registry)."""

from __future__ import annotations

import itertools
import math
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, strategies as st

from common import (check_config, check_encode_decode, check_err_decode_object_buffer,
                    check_err_encode_object_buffer, check_immutable, check_pickle_and_copy,
                    check_repr)
from zfpcodec import MaskedZFP, ZFP, ZFPError, engine, masked
from zfpcodec.modes import Mode

FILLS = (-1e10, -1e34, "nan")
MODES = {
    "fixed_accuracy": dict(tolerance=1e-2),
    "fixed_rate": dict(rate=16),
    "fixed_precision": dict(precision=24),
    "reversible": dict(mode="reversible"),
    "expert": dict(minbits=8, maxbits=16000, maxprec=30, minexp=-20),
}


def smooth(shape, dtype, seed=0, scale=30.0):
    """A smooth field of magnitude about `scale` (what zfp is for)."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 2.5, n) for n in shape], indexing="ij")
    values = sum(np.sin(g * (k + 1) + k) for k, g in enumerate(grids)) / len(shape)
    return ((values + rng.normal(0, 1e-3, shape)) * scale).astype(dtype)


def land_mask(shape, seed=0):
    """Missing values in smooth blobs (coasts cut blocks in any way)."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, rng.uniform(2, 6), n) for n in shape],
                        indexing="ij")
    return sum(np.cos(g + rng.uniform(0, 6)) for g in grids) > 0.3 * len(shape)


def with_missing(values, mask, fill):
    """`values` with `fill` (or NaN) where `mask` is set."""
    out = values.copy()
    out[mask] = np.nan if fill == "nan" else fill
    return out


def check_masked_round_trip(data, decoded, mask, bound):
    """Missing values bit for bit, valid values within `bound` (None: exact)."""
    assert decoded.dtype == data.dtype and decoded.shape == data.shape
    bits = f"u{data.dtype.itemsize}"
    np.testing.assert_array_equal(decoded.view(bits)[mask], data.view(bits)[mask])
    valid = ~mask
    if bound is None:
        np.testing.assert_array_equal(decoded.view(bits)[valid], data.view(bits)[valid])
    else:
        error = np.abs(decoded[valid].astype(np.float64) - data[valid].astype(np.float64))
        assert error.max(initial=0) <= bound, f"valid values off by {error.max()} > {bound}"


# --------------------------------------------------------------------------
# the error bound and exact missing values, over random cases

shapes = st.integers(1, 4).flatmap(
    lambda rank: st.tuples(*[st.integers(1, 13 if rank < 4 else 6)] * rank))


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
# what the container holds and costs

def test_a_chunk_with_nothing_missing_is_the_zfp_stream_plus_eight_bytes():
    data = smooth((32, 32), np.float32)
    enc = MaskedZFP(tolerance=1e-3).encode(data)
    stream = engine.compress(data, Mode.from_args(tolerance=1e-3), header=True,
                             rate_clamp=True)
    assert enc == b"ZFPM\x01\x00\x00\x00" + stream
    assert len(enc) - len(ZFP(tolerance=1e-3).encode(data)) == 8


def test_the_container_layout_is_the_documented_one():
    data = np.arange(1.0, 21.0).reshape(4, 5)
    data[0, 1] = data[3, 4] = -1e10
    enc = MaskedZFP(tolerance=0.5, missing=-1e10).encode(data)
    magic, version, mask_kind, value_kind, reserved = struct.unpack_from("<4sBBBB", enc)
    assert (magic, version, value_kind, reserved) == (b"ZFPM", 1, 1, 0)
    (mask_length,) = struct.unpack_from("<Q", enc, 8)
    bitmap = enc[16:16 + mask_length]
    if mask_kind == 2:
        bitmap = zlib.decompress(bitmap)
    assert mask_kind in (1, 2) and len(bitmap) == 3
    assert np.nonzero(np.unpackbits(np.frombuffer(bitmap, np.uint8),
                                    bitorder="little"))[0].tolist() == [1, 19]
    start = 16 + mask_length
    (value_length,) = struct.unpack_from("<Q", enc, start)
    assert value_length == 8 and struct.unpack_from("<d", enc, start + 8)[0] == -1e10
    stream = enc[start + 16:]
    # a standard zfp stream with its full header: any zfp reader decodes it
    filled = ZFP().decode(stream)  # the x line of the missing value is 1, _, 3, 4
    assert filled.shape == (4, 5) and abs(filled[0, 1] - 2) <= 0.5


def polynomial_through(x, y, at):
    """The value at `at` of the polynomial of least degree through the
    points (x, y), in Lagrange's form."""
    return sum(yk * np.prod([(at - xj) / (xk - xj) for xj in x if xj != xk])
               for xk, yk in zip(x, y))


def below_power_of_two(magnitude, dtype):
    """The largest value of the float type of `dtype` (float64 for
    integers) below the least power of two above `magnitude`."""
    kind = np.float32 if dtype == np.float32 else np.float64
    if magnitude == 0:
        return kind(0)
    return np.nextafter(np.ldexp(kind(1), np.frexp(magnitude)[1]), kind(0))


def reference_fill(values, mask):
    """The filling rule of docs/masked-format.md, block by block and line by
    line, written for reading rather than speed."""
    out = values.astype(np.float64)
    for origin in itertools.product(*[range(0, n, 4) for n in values.shape]):
        inside = tuple(slice(o, min(o + 4, n)) for o, n in zip(origin, values.shape))
        block = np.zeros((4,) * values.ndim)
        known = np.zeros((4,) * values.ndim, bool)
        part = tuple(slice(0, s.stop - s.start) for s in inside)
        block[part] = np.where(mask[inside], 0, out[inside])
        known[part] = ~mask[inside]
        if known.any():
            limit = float(below_power_of_two(np.abs(block[known]).max(), values.dtype))
            for axis in reversed(range(values.ndim)):
                lines = np.moveaxis(block, axis, -1)  # views: writes reach block, known
                line_known = np.moveaxis(known, axis, -1)
                for index in np.ndindex(lines.shape[:-1]):
                    line, ok = lines[index], line_known[index]
                    if ok.any():
                        x = np.flatnonzero(ok)
                        for at in np.flatnonzero(~ok):
                            line[at] = np.clip(polynomial_through(x, line[x], at),
                                               -limit, limit)
                        ok[:] = True
        out[inside] = block[part]
    if values.dtype.kind == "i":
        return np.rint(out).astype(values.dtype)
    return out.astype(values.dtype)


@given(count=st.integers(1, 300), dtype=st.sampled_from([np.float32, np.float64, np.int32,
                                                          np.int64]),
       fill=st.sampled_from(["nan", -1e10, -9999, 0]), density=st.floats(0.0, 1.0),
       kinds=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_the_c_pass_finds_what_missing_mask_finds(count, dtype, fill, density, kinds, seed):
    """`masked.find` (one C pass: bitmap, count, first pattern or all of
    them) against `Missing.mask` in NumPy, on lengths that end inside a
    byte and inside a 64-value group, with NaNs of several payloads, +-inf
    and -0.0 beside a fill value of 0."""
    rng = np.random.default_rng(seed)
    values = (rng.standard_normal(count) * 1000).astype(dtype)
    missing = masked.Missing.parse(fill)
    where = rng.random(count) < density
    if values.dtype.kind == "f":
        nans = np.array([0x7FC00000, 0xFFC00001, 0x7F800000, 0xFF800000][:kinds], np.uint32)
        if values.dtype == np.float64:
            nans = np.array([0x7FF8000000000000, 0xFFF8000000000003, 0x7FF0000000000000,
                             0xFFF0000000000000][:kinds], np.uint64)
        values.view(nans.dtype)[where] = rng.choice(nans, int(where.sum()))
        values[rng.random(count) < density / 2] = -0.0
    if missing.fill_for(values.dtype) is not None:
        values[rng.random(count) < density / 2] = missing.fill_for(values.dtype)
    expected = missing.mask(values)
    found = masked.find(values, missing)
    np.testing.assert_array_equal(found.bitmap, np.packbits(expected, bitorder="little"))
    assert found.count == np.count_nonzero(expected)
    bits = values.view(f"u{values.itemsize}")[expected]
    if found.count and (bits == bits[0]).all():
        np.testing.assert_array_equal(found.patterns, bits[:1])
    elif found.count:
        np.testing.assert_array_equal(found.patterns, bits)


@given(shape=shapes, dtype=st.sampled_from([np.float32, np.float64, np.int32, np.int64]),
       density=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_missing_values_are_filled_by_the_documented_rule(shape, dtype, density, seed):
    rng = np.random.default_rng(seed)
    values = (rng.standard_normal(shape) * 1000).astype(dtype)
    mask = rng.random(shape) < density
    filled = masked.fill_missing(values, mask)
    np.testing.assert_array_equal(filled[~mask], values[~mask])
    np.testing.assert_allclose(filled, reference_fill(values, mask), rtol=1e-6,
                               atol=1 if values.dtype.kind == "i" else 1e-9)


@given(blocks=st.lists(st.integers(1, 3), min_size=1, max_size=4),
       dtype=st.sampled_from([np.float32, np.float64, np.int32, np.int64]),
       density=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_the_stream_is_zfps_own_stream_of_the_filled_array(blocks, dtype, density, seed):
    """The engine fills each block as it codes it (no filled copy): on whole
    blocks, the container's zfp stream is byte for byte plain zfp's stream
    of `fill_missing`'s array (with zfp's rate rule for floats)."""
    rng = np.random.default_rng(seed)
    shape = tuple(4 * n for n in blocks)
    values = (rng.standard_normal(shape) * 1000).astype(dtype)
    mask = rng.random(shape) < density
    values[mask] = -9999
    mode = Mode.from_args(tolerance=0.5) if values.dtype.kind == "f" else \
        Mode.from_args(precision=20)
    stream = masked.read(masked.encode(values, mode, masked.Missing(-9999))).stream
    assert bytes(stream) == engine.compress(masked.fill_missing(values, mask), mode,
                                            rate_clamp=True)


def test_filled_values_continue_the_lines_and_empty_blocks_are_zero():
    """Polynomials through a line's valid values reproduce a linear field
    (to rounding), along x first and then along y where a whole x line is
    missing."""
    values = np.arange(64.0).reshape(8, 8)
    mask = np.zeros((8, 8), bool)
    mask[:4, :4] = True          # an empty block
    mask[4, 4] = mask[7, 7] = True  # x lines with 3 valid values: parabolas
    mask[6, 5:7] = True             # 2 valid values: a straight line
    mask[5, 4:8] = True             # row 5 of the block is empty: y lines next
    filled = masked.fill_missing(values, mask)
    assert (filled[:4, :4] == 0).all()
    np.testing.assert_allclose(filled[4:, :], values[4:, :], rtol=1e-14)  # weights like 1/3
    np.testing.assert_array_equal(filled[:4, 4:], values[:4, 4:])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_filled_values_never_raise_a_blocks_exponent(dtype):
    """The line 1, 2, 3, _ continues to 4, the block's power of two (its
    valid values are below 4): the fill stops just below it, so zfp codes
    the block with the valid values' exponent, and a strict codec whose
    bound the valid values meet does not refuse the chunk."""
    values = np.array([1, 2, 3, -1e10], dtype)
    filled = masked.fill_missing(values, values == dtype(-1e10))
    assert filled[3] == np.nextafter(dtype(4), dtype(0))
    assert np.frexp(filled[3])[1] == np.frexp(dtype(3))[1]
    # float32 in 1-D with tolerance 2^-26: the bit planes down to the
    # tolerance fit in 32 below exponent 2, not below exponent 3 (4 itself)
    codec = MaskedZFP(tolerance=2.0**-26, missing=-1e10)
    if dtype == np.float32:
        with pytest.raises(ZFPError, match="range"):
            ZFP(tolerance=2.0**-26).encode(np.array([1, 2, 3, 4], dtype))
    back = codec.decode(codec.encode(values))
    assert np.abs(back[:3] - values[:3]).max() <= 2.0**-26
    assert back[3] == values[3]


def test_masked_compresses_a_land_field_better_than_zfp_with_the_mean_filled_in():
    """The baseline a user has without a mask: missing values replaced by the
    valid values' mean (one value, so no fill value breaks the bound).  The
    gain grows with the share of missing values (blocks without a valid
    value cost 1 bit); here about 60 % are missing."""
    values = smooth((120, 160), np.float32, 1)
    mask = land_mask((120, 160), 3)
    assert 0.5 < mask.mean() < 0.7
    data = with_missing(values, mask, -1e10)
    ours = len(MaskedZFP(tolerance=1e-2, missing=-1e10).encode(data))
    baseline = len(ZFP(tolerance=1e-2).encode(np.where(mask, values[~mask].mean(), values)))
    assert ours * 1.2 <= baseline, (ours, baseline)


# --------------------------------------------------------------------------
# the slab-delta mask encoding

def reference_slab_delta(mask):
    """docs/masked-format.md's slab-delta bits, one bit at a time: bit i is
    the mask's bit i XOR bit i - s (s = values per slab along axis 0)."""
    bits = mask.reshape(-1).astype(np.uint8)
    slab = bits.size // mask.shape[0]
    delta = bits.copy()
    for i in range(slab, bits.size):
        delta[i] = bits[i] ^ bits[i - slab]
    return np.packbits(delta, bitorder="little")


def repeating_mask(shape, seed):
    """One random slab, repeated along axis 0, and one value more missing in
    the last slab (so the delta is not all zeros after the first slab)."""
    rng = np.random.default_rng(seed)
    mask = np.broadcast_to(rng.random((1, *shape[1:])) < 0.4, shape).copy()
    mask.reshape(mask.shape[0], -1)[-1, 0] = True
    mask.reshape(-1)[0] = True
    return mask


def rle_deflate(data):
    """zlib level 1, run-length strategy: how the writer deflates slab-deltas."""
    compressor = zlib.compressobj(1, strategy=zlib.Z_RLE)
    return compressor.compress(data) + compressor.flush()


def mask_section(enc):
    """(mask encoding, the mask section's bytes) of a container."""
    (length,) = struct.unpack_from("<Q", enc, 8)
    return enc[5], enc[16:16 + length]


@given(shape=shapes, seed=st.integers(0, 2**32 - 1), density=st.floats(0.0, 1.0))
def test_slab_delta_is_the_documented_bitwise_xor_and_undoes_exactly(shape, seed, density):
    mask = np.random.default_rng(seed).random(shape) < density
    bitmap = np.packbits(mask.reshape(-1), bitorder="little")
    delta = masked.slab_delta(bitmap, shape)
    np.testing.assert_array_equal(delta, reference_slab_delta(mask))
    np.testing.assert_array_equal(masked.slab_undelta(delta, shape), bitmap)


# slabs of 1, 3, 15, 77, 30 and 1000 values: most are no whole number of bytes
SLAB_SHAPES = [(40,), (9, 3), (5, 3, 5), (6, 7, 11), (3, 2, 3, 5), (2, 2, 3, 251), (4, 1000)]


@pytest.mark.parametrize("shape", SLAB_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_a_mask_repeating_along_axis_0_is_stored_slab_delta_and_comes_back_bit_for_bit(
        shape, dtype):
    mask = repeating_mask(shape, 1)
    values = smooth(shape, np.float64, 2)
    data = with_missing(values, mask, -9999).astype(dtype)
    codec = MaskedZFP(mode="reversible", missing=-9999)
    enc = codec.encode(data)
    kind, section = mask_section(enc)
    bitmap = np.packbits(mask.reshape(-1), bitorder="little").tobytes()
    # the encoder keeps a slab-delta section within MASK_GOOD_ENOUGH of the
    # bitmap, else the shortest of the three mask sections
    candidates = {masked.MaskEncoding.BITMAP: bitmap,
                  masked.MaskEncoding.DEFLATE: zlib.compress(bitmap, 1),
                  masked.MaskEncoding.SLAB_DELTA: rle_deflate(reference_slab_delta(mask))}
    delta = candidates[masked.MaskEncoding.SLAB_DELTA]
    if len(delta) <= len(bitmap) * masked.MASK_GOOD_ENOUGH:
        assert (kind, section) == (masked.MaskEncoding.SLAB_DELTA, delta)
    else:
        assert len(section) == min(len(c) for c in candidates.values())
    if math.prod(shape) >= 400:  # big enough for deflate's overhead to pay
        assert kind == masked.MaskEncoding.SLAB_DELTA, (kind, len(section), candidates)
    if kind != masked.MaskEncoding.BITMAP:
        section = zlib.decompress(section)
    if kind == masked.MaskEncoding.SLAB_DELTA:
        assert section == reference_slab_delta(mask).tobytes()
    decoded = codec.decode(enc)
    assert decoded.dtype == data.dtype and decoded.tobytes() == data.tobytes()


@pytest.mark.parametrize("shape", SLAB_SHAPES, ids=str)
def test_a_random_mask_keeps_the_plain_encodings(shape):
    mask = np.random.default_rng(3).random(shape) < 0.5
    data = with_missing(smooth(shape, np.float32), mask, "nan")
    enc = MaskedZFP(tolerance=1e-3).encode(data)
    assert mask_section(enc)[0] in (masked.MaskEncoding.BITMAP, masked.MaskEncoding.DEFLATE)
    check_masked_round_trip(data, MaskedZFP().decode(enc), mask, 1e-3)


# --------------------------------------------------------------------------
# corrupt and truncated containers

def _container():
    data = with_missing(smooth((9, 11), np.float64), land_mask((9, 11), 3), "nan")
    data.reshape(-1).view("u8")[5] = 0x7FF0000000000123  # two NaN patterns: per-value section
    return MaskedZFP(tolerance=1e-3).encode(data)


def test_every_truncation_raises_zfperror_or_lacks_only_zfp_padding():
    """A cut container raises ZFPError, except a cut into the zfp stream's
    final padding, which decodes to the same values (the zfp stream rule)."""
    enc = _container()
    codec = MaskedZFP()
    whole = codec.decode(enc)
    for end in range(len(enc)):
        try:
            cut = codec.decode(enc[:end])
        except ZFPError:
            continue
        assert end > len(enc) - 8, f"a cut at byte {end} of {len(enc)} decoded"
        assert cut.tobytes() == whole.tobytes()


@pytest.mark.parametrize("offset,byte,message", [
    (0, ord("X"), "not a masked zfp container"),
    (4, 2, "unsupported masked zfp container version 2"),
    (5, 7, "corrupt masked zfp container"),
    (6, 9, "corrupt masked zfp container"),
    (7, 1, "corrupt masked zfp container"),
    (5, 0, "corrupt masked zfp container"),     # mask NONE with values
    (8, 255, "truncated"),                      # mask length past the end
    (17, 0, "corrupt masked zfp container"),    # deflate stream broken
])
def test_corrupt_preambles_and_sections_raise_zfperror(offset, byte, message):
    enc = bytearray(_container())
    enc[offset] = byte
    with pytest.raises(ZFPError, match=message):
        MaskedZFP().decode(bytes(enc))


def test_a_plain_zfp_stream_is_refused_with_a_pointer_to_zfp():
    stream = ZFP(tolerance=1e-3).encode(smooth((8, 8), np.float64))
    for data in (stream, stream[:5]):
        with pytest.raises(ZFPError, match="plain zfp stream"):
            MaskedZFP().decode(data)


def test_mask_bits_past_the_last_value_are_corruption():
    data = np.ones(5)
    data[2] = np.nan
    enc = bytearray(MaskedZFP(tolerance=1e-3).encode(data))
    assert enc[5] == masked.MaskEncoding.BITMAP and enc[16] == 0b100
    enc[16] |= 0b10000000
    with pytest.raises(ZFPError, match="past the last value"):
        MaskedZFP().decode(bytes(enc))


def test_a_forged_deflate_section_cannot_inflate_past_its_size():
    data = np.ones((64, 64))
    data[:, :3] = np.nan
    good = MaskedZFP(tolerance=1e-3).encode(data)
    (mask_length,) = struct.unpack_from("<Q", good, 8)
    bomb = zlib.compress(bytes(10**7))
    forged = good[:5] + bytes([2]) + good[6:8] + struct.pack("<Q", len(bomb)) + bomb + \
        good[16 + mask_length:]
    with pytest.raises(ZFPError, match="mask section"):
        MaskedZFP().decode(forged)


def _slab_delta_container():
    shape = (6, 7, 11)  # 462 values: 58 bitmap bytes, 2 padding bits
    mask = repeating_mask(shape, 4)
    data = with_missing(smooth(shape, np.float32), mask, -1e10)
    enc = MaskedZFP(tolerance=1e-3, missing=-1e10).encode(data)
    assert enc[5] == masked.MaskEncoding.SLAB_DELTA
    return enc


def _with_mask_section(enc, kind, section):
    """`enc` with its mask section replaced by `section`, of encoding `kind`."""
    (length,) = struct.unpack_from("<Q", enc, 8)
    return enc[:5] + bytes([kind]) + enc[6:8] + struct.pack("<Q", len(section)) + \
        section + enc[16 + length:]


@pytest.mark.parametrize("delta,message", [
    (bytes(58), "marks no value"),                     # undoes to an empty mask
    (b"\x01" + bytes(56) + b"\x80", "past the last value"),  # 462 values: 2 padding bits
    (bytes(57), "mask section holds 57 bytes"),
    (bytes(59), "mask section holds 59 bytes"),
], ids=["empty", "padding", "short", "long"])
def test_corrupt_slab_delta_sections_raise_zfperror(delta, message):
    enc = _with_mask_section(_slab_delta_container(), masked.MaskEncoding.SLAB_DELTA,
                             zlib.compress(delta))
    with pytest.raises(ZFPError, match=message):
        MaskedZFP().decode(enc)


def test_slab_delta_sections_are_inflated_with_the_same_limits():
    enc = _slab_delta_container()
    for section in (b"\x78\x9c garbage", zlib.compress(bytes(10**7)),
                    zlib.compress(bytes(58))[:-3]):
        with pytest.raises(ZFPError, match="mask section"):
            MaskedZFP().decode(_with_mask_section(enc, masked.MaskEncoding.SLAB_DELTA,
                                                  section))


def test_a_slab_delta_container_cut_anywhere_raises_zfperror_or_lacks_only_zfp_padding():
    enc = _slab_delta_container()
    whole = MaskedZFP().decode(enc)
    for end in range(len(enc)):
        try:
            cut = MaskedZFP().decode(enc[:end])
        except ZFPError:
            continue
        assert end > len(enc) - 8 and cut.tobytes() == whole.tobytes()


def test_an_unknown_mask_encoding_is_named_as_possibly_newer():
    enc = bytearray(_slab_delta_container())
    enc[5] = 4
    with pytest.raises(ZFPError, match="mask encoding 4, .* newer writer|newer writer.*"
                                       "mask encoding 4"):
        MaskedZFP().decode(bytes(enc))


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
    check_err_decode_object_buffer(codec)


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


@pytest.mark.parametrize("container", [_container, _slab_delta_container],
                         ids=["per-value", "slab-delta"])
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 8))
def test_corrupted_containers_decode_or_raise_zfperror_only(container, seed, flips):
    """Random bit flips anywhere in a container: the reader either decodes
    an array of the container's declared type and shape or raises ZFPError,
    never another exception."""
    rng = np.random.default_rng(seed)
    enc = bytearray(container())
    for position in rng.integers(0, len(enc) * 8, flips):
        enc[position // 8] ^= 1 << (position % 8)
    try:
        decoded = MaskedZFP().decode(bytes(enc))
    except ZFPError:
        return
    assert decoded.ndim >= 1 and decoded.dtype.kind in "if"
