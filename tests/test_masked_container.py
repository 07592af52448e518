"""The masked container (zfpcodec.masked, docs/masked-format.md): what it
holds and costs, how missing values are found and filled, the slab-delta
mask encoding, and corrupt and truncated containers (always ZFPError)."""

from __future__ import annotations

import itertools
import math
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, strategies as st

from masked_cases import check_masked_round_trip, land_mask, shapes, smooth, with_missing
from zfpcodec import MaskedZFP, ZFP, ZFPError, engine, masked
from zfpcodec.modes import Mode


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


def _with_missing(shape: tuple[int, ...], dtype: type, fill: str | float, kinds: int,
                  density: float, seed: int) -> np.ndarray:
    """Values of `shape` with a share `density` missing: NaNs of `kinds`
    payloads and +-inf, and the fill value where it can occur."""
    rng = np.random.default_rng(seed)
    values = (rng.standard_normal(shape) * 1000).astype(dtype)
    where = rng.random(shape) < density
    if values.dtype.kind == "f":
        nans = np.array([0x7FC00000, 0xFFC00001, 0x7F800000, 0xFF800000][:kinds], np.uint32)
        if values.dtype == np.float64:
            nans = np.array([0x7FF8000000000000, 0xFFF8000000000003, 0x7FF0000000000000,
                             0xFFF0000000000000][:kinds], np.uint64)
        values.view(nans.dtype)[where] = rng.choice(nans, int(where.sum()))
    value = masked.Missing.parse(fill).fill_for(values.dtype)
    if value is not None:
        values[rng.random(shape) < density / 2] = value
    return values


@given(count=st.integers(1, 300), dtype=st.sampled_from([np.float32, np.float64, np.int32,
                                                          np.int64]),
       fill=st.sampled_from(["nan", -1e10, -9999, 0]), density=st.floats(0.0, 1.0),
       kinds=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_the_c_pass_finds_what_missing_mask_finds(count, dtype, fill, density, kinds, seed):
    """`masked.find` (one C pass: bitmap, count, first pattern or all of
    them) against `Missing.mask` in NumPy, on lengths that end inside a
    byte and inside a 64-value group, with NaNs of several payloads, +-inf
    and -0.0 beside a fill value of 0."""
    values = _with_missing((count,), dtype, fill, kinds, density, seed)
    missing = masked.Missing.parse(fill)
    if values.dtype.kind == "f":
        values[np.random.default_rng(seed + 1).random(count) < density / 4] = -0.0
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
       fill=st.sampled_from(["nan", -1e10, -9999]), density=st.floats(0.0, 1.0),
       kinds=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_the_coder_finds_what_the_c_pass_finds(shape, dtype, fill, density, kinds, seed):
    """`encode` has the engine find the missing values as it codes the
    blocks (partial blocks at the array's edges included): its container
    holds the bitmap and patterns of `masked.find`'s pass."""
    values = _with_missing(shape, dtype, fill, kinds, density, seed)
    missing = masked.Missing.parse(fill)
    found = masked.find(values, missing)
    container = masked.read(masked.encode(values, Mode.from_args(rate=8), missing))
    assert container.missing == found.count
    if found.count:
        assert container.bitmap is not None and container.patterns is not None
        np.testing.assert_array_equal(container.bitmap, found.bitmap)
        np.testing.assert_array_equal(container.patterns, found.patterns)


@pytest.mark.parametrize("shape", [(700,), (90, 70), (5, 30, 41), (9, 13, 14, 13)])
@pytest.mark.parametrize("kinds", [1, 3])
def test_threads_find_what_one_thread_finds(shape, kinds):
    """Blocks coded by several threads share the bitmap's bytes, so the
    engine finds the missing values in a pass of its own there: the
    container is the same for every thread count."""
    assert math.prod(-(-n // 4) for n in shape) >= 128  # chunks for 2+ threads
    fill = "nan" if kinds == 1 else -1e10  # one pattern, or several
    values = _with_missing(shape, np.float32, fill, kinds, 0.4, 7)
    mode, missing = Mode.from_args(tolerance=0.1), masked.Missing.parse(fill)
    one = masked.encode(values, mode, missing)
    for threads in (2, 4):
        assert masked.encode(values, mode, missing, threads=threads) == one
    assert masked.read(one).missing == np.count_nonzero(missing.mask(values))


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


def _resized_1d(stream: bytes, values: int) -> bytes:
    """A 1-D zfp stream whose header declares `values` values (format.md
    §2: 32 bits of magic, then 4 bits of type and rank, then the 48-bit
    size less one)."""
    word = int.from_bytes(stream[:8], "little")
    size_field = ((1 << 48) - 1) << 36
    word = word & ~size_field | (values - 1) << 36
    return word.to_bytes(8, "little") + stream[8:]


@pytest.mark.parametrize("kind", [masked.MaskEncoding.DEFLATE, masked.MaskEncoding.SLAB_DELTA])
def test_a_header_declaring_more_blocks_than_its_stream_holds_raises_before_inflating(kind):
    """A few bytes of container whose zfp header declares 2^26 values, with
    a mask that inflates to their 8 MiB: refused from the header and the
    stream's length alone, before the mask is inflated (it took seconds
    and gigabytes for larger declared sizes)."""
    import tracemalloc

    data = np.zeros(4, np.float32)
    data[0] = np.nan
    good = MaskedZFP(tolerance=1e-3).encode(data)
    stream = bytes(masked.read(good).stream)
    declared = 1 << 26
    forged_stream = _resized_1d(stream, declared)
    assert engine.read_header(forged_stream)[1] == (declared,)
    mask = zlib.compress(bytes(declared // 8))
    forged = struct.pack("<4sBBBB", masked.MAGIC, masked.VERSION, kind,
                         masked.ValueEncoding.UNIFORM, 0) + \
        struct.pack("<Q", len(mask)) + mask + struct.pack("<Q", 4) + \
        np.float32(np.nan).tobytes() + forged_stream
    tracemalloc.start()
    try:
        with pytest.raises(ZFPError, match="truncated: a float32 array of shape "
                                           r"\(67108864,\) takes at least"):
            MaskedZFP().decode(forged)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(forged) + 2**20


def test_a_container_must_end_where_its_zfp_stream_does():
    """The zfp stream runs to the container's end: bytes added, or a header
    bit flipped into another mode (which decoded to values off by 3.5e19),
    no longer end there, and raise."""
    data = with_missing(smooth((16, 16), np.float32), land_mask((16, 16), 2), "nan")
    good = MaskedZFP(tolerance=1e-2).encode(data)
    whole = MaskedZFP().decode(good)
    assert MaskedZFP().decode(good).tobytes() == whole.tobytes()
    with pytest.raises(ZFPError, match="does not fit its description"):
        MaskedZFP().decode(good + bytes(8))
    start = len(good) - len(masked.read(good).stream)
    # each flip of the zfp header's meta and mode bits raises (9 of the 64
    # decoded, up to 24 off, before the length was checked)
    for bit in range(start * 8 + 32, start * 8 + 96):
        flipped = bytearray(good)
        flipped[bit // 8] ^= 1 << bit % 8
        with pytest.raises(ZFPError):
            MaskedZFP().decode(bytes(flipped))


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
