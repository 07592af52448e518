"""Random access (zfpcodec.region): a selection decoded from the blocks it
touches equals the same selection of the full decode, bit for bit, for
every type, rank, mode and kind of NumPy selection; the byte ranges it
names are the only bytes it reads."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zfpcodec import ZFPError, engine
from zfpcodec.modes import Mode
from zfpcodec.region import (HEADER_MAX_BYTES, StreamLayout, decompress_region,
                             parse_selection, read_region)

DTYPES = ("<i4", ">i4", "<i8", "<f4", ">f4", "<f8", ">f8")
FIXED_RATES = (0.5, 1, 3, 8, 13.5, 32, 64)
VARIABLE = (Mode.from_args(precision=12), Mode.from_args(reversible=True))


def values(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        data = rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4, shape)
    else:
        bound = 2 ** (8 * dtype.itemsize - 2)
        data = rng.integers(-bound, bound, shape)
    return data.astype(dtype)


def bits_of(arr):
    """The values' bytes: NaN payloads and signed zeros compare exactly."""
    arr = np.ascontiguousarray(arr)
    return arr.dtype.str, arr.shape, arr.tobytes()


# --------------------------------------------------------------------------
# selections NumPy accepts

@st.composite
def axis_items(draw, n):
    kind = draw(st.sampled_from(["int", "slice", "slice", "array", "mask"]))
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    if kind == "slice":
        bound = st.none() | st.integers(-n - 2, n + 2)
        return slice(draw(bound), draw(bound),
                     draw(st.sampled_from([None, 1, 2, 3, 5, -1, -2, -3])))
    if kind == "array":
        return draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))
    return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))


@st.composite
def selections(draw, shape):
    items = [draw(axis_items(n)) for n in shape]
    # at most one index array (several must broadcast together: see
    # test_advanced_selections_follow_numpy for those)
    arrays = [i for i, item in enumerate(items) if isinstance(item, (list, np.ndarray))]
    for i in arrays[1:]:
        items[i] = slice(None)
    cut = draw(st.integers(0, len(items)))
    form = draw(st.sampled_from(["full", "short", "ellipsis"]))
    if form == "short":
        items = items[:cut]
    elif form == "ellipsis":
        items = items[:cut] + [Ellipsis] + items[cut + 1:]
    return tuple(items)


@st.composite
def cases(draw):
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, (17, 13, 9, 6)[rank - 1]),
                                min_size=rank, max_size=rank)))
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    if draw(st.booleans()):
        mode = Mode.from_args(rate=draw(st.sampled_from(FIXED_RATES)))
    elif draw(st.booleans()):
        bits = draw(st.integers(1, 2 * 4**rank * 8 * dtype.itemsize))
        mode = Mode.from_args(minbits=bits, maxbits=bits, maxprec=draw(st.integers(1, 64)))
    elif dtype.kind == "f" and draw(st.booleans()):
        mode = Mode.from_args(tolerance=1e-2)
    else:
        mode = draw(st.sampled_from(VARIABLE))
    return shape, dtype, mode, [draw(selections(shape)) for _ in range(8)]


@given(cases(), st.integers(0, 2**32 - 1))
def test_selection_equals_slice_of_full_decode(case, seed):
    """Whole stream, byte-range pieces, `out` arrays, threads: every way of
    decoding a selection gives the full decode's values, bit for bit."""
    shape, dtype, mode, sels = case
    arr = values(shape, dtype, seed)
    stream = engine.compress(arr, mode)
    full = engine.decompress(stream)
    layout = StreamLayout.from_header(stream)
    for sel in sels:
        expected = bits_of(full[sel])
        what = f"{dtype} {shape} {mode} selection {sel!r}"
        assert bits_of(decompress_region(stream, sel)) == expected, what
        ranges = layout.byte_ranges(sel)
        pieces = [(start, stream[start:stop]) for start, stop in ranges]
        threads = seed % 4
        got = decompress_region(pieces, sel, layout=layout, threads=threads)
        assert bits_of(got) == expected, what
        out = np.empty(full[sel].shape[::-1], dtype.newbyteorder(">")).T
        assert decompress_region(pieces, sel, layout=layout, out=out) is out
        assert bits_of(out.astype(full.dtype)) == expected, what


@given(st.integers(0, 2**32 - 1))
def test_advanced_selections_follow_numpy(seed):
    """Several index arrays broadcast together (pointwise), integers among
    them, boolean masks over several axes, and shapes NumPy refuses: the
    same values, or the same exception type as NumPy."""
    rng = np.random.default_rng(seed)
    shape = (7, 9, 6)
    arr = values(shape, "<f8", seed)
    stream = engine.compress(arr, Mode.from_args(rate=11))
    full = engine.decompress(stream)
    sels = [
        (rng.integers(0, 7, 5), rng.integers(-9, 9, 5)),
        (rng.integers(0, 7, (2, 3)), slice(None), rng.integers(0, 6, (3,))),
        (2, slice(1, None, 2), [5, 0, 5]),
        ([1, 2], [3, 4, 5]),                      # NumPy: shape mismatch
        (rng.random((7, 9)) > 0.6,),
        (Ellipsis, rng.random((9, 6)) > 0.5),
        (slice(None, None, -2), rng.random(9) > 0.3, [[1], [4]]),
        ([],), (slice(None), []), (np.array([], dtype=int), 3),
        # tuples and ranges inside the selection are index arrays to NumPy;
        # nested empty lists are empty integer arrays; a mask's axis of
        # length 0 stands for any length (and NumPy refuses other lengths)
        ((1, 2),), (range(5, 0, -2), slice(None), (0, 3)), ((),), ([[]],), ([[], []], 1),
        (np.zeros(0, bool),), (np.zeros((0, 9), bool),), (np.zeros((7, 0), bool),),
        (slice(None), np.zeros(0, bool)), (np.zeros((0, 6), bool),), (np.zeros((3, 0), bool),),
    ]
    for sel in sels:
        try:
            expected = full[sel]
        except IndexError as error:
            with pytest.raises(IndexError):
                decompress_region(stream, sel)
            continue
        assert bits_of(decompress_region(stream, sel)) == bits_of(expected), sel


def test_blocks_of_a_selection_are_exactly_those_of_its_elements():
    """block_spans names each block holding a selected element, and no other
    (brute force over every element of the selection)."""
    rng = np.random.default_rng(5)
    shape = (10, 7, 13)
    layout = StreamLayout.headerless("f8", shape, Mode.from_args(rate=4))
    grid = layout.grid
    for _ in range(60):
        sel = tuple(slice(*sorted(rng.integers(0, n + 1, 2)), int(rng.choice([1, 2, 3])))
                    if rng.random() < 0.7 else int(rng.integers(0, n)) for n in shape)
        coords = np.indices(shape).reshape(len(shape), *shape)
        picked = np.stack([c[sel].ravel() for c in coords])
        blocks = set()
        for point in picked.T:
            b = point // 4
            blocks.add(int(b[2] + grid[2] * (b[1] + grid[1] * b[0])))
        spans = layout.block_spans(sel)
        named = {k for first, last in spans for k in range(first, last)}
        assert named == blocks, sel
        assert all(a[1] < b[0] for a, b in zip(spans, spans[1:])), "spans not merged"
        assert layout.blocks_touched(sel) == len(blocks), sel
        assert layout.touches_every_block(sel) == (len(blocks) == np.prod(grid)), sel
    assert layout.touches_every_block(np.s_[::3, 1:6, ::4])  # strides that skip no block
    assert not layout.touches_every_block(np.s_[::5, 1:6, ::4])  # block 2 of axis 0 skipped


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("dtype", ["i4", "i8", "f4", "f8"])
def test_only_the_named_bytes_are_read(header, dtype):
    """Every byte outside byte_ranges replaced by noise: the selection
    decodes the same.  And the ranges hold no more than the touched blocks
    (plus at most one byte of each neighbour per range)."""
    rng = np.random.default_rng(1)
    shape = (21, 18, 11)
    arr = values(shape, dtype, 2)
    mode = Mode.from_args(rate=5.5)
    stream = engine.compress(arr, mode, header=header, rate_clamp=not header)
    if header:
        layout = StreamLayout.from_header(stream)
    else:
        layout = StreamLayout.headerless(dtype, shape, mode)
    assert layout.stream_bytes == len(stream)
    full = engine.decompress(stream) if header else engine.decompress(
        stream, dtype=dtype, shape=shape, mode=mode)
    for sel in [np.s_[3:9, 4:5, 7:], np.s_[::-5, 17, ::3], np.s_[..., 10], np.s_[20, 17, 10]]:
        ranges = layout.byte_ranges(sel)
        noisy = bytearray(rng.integers(0, 256, len(stream), dtype=np.uint8).tobytes())
        for start, stop in ranges:
            noisy[start:stop] = stream[start:stop]
        got = decompress_region(bytes(noisy), sel, layout=layout)
        assert bits_of(got) == bits_of(full[sel]), sel
        spans = layout.block_spans(sel)
        blocks = sum(last - first for first, last in spans)
        assert sum(stop - start for start, stop in ranges) <= (
            blocks * layout.block_bits // 8 + 2 * len(ranges))


@pytest.mark.parametrize("mode", [Mode.from_args(rate=8), Mode.from_args(precision=20)])
def test_pieces_that_touch_or_overlap_are_one(mode):
    """A block split between pieces that touch, or pieces that overlap
    with the same bytes (the header fetched on its own beside the blocks'
    ranges, as docs/random-access.md does it), decodes as from the whole
    stream."""
    arr = values((16, 16), "f8", 3)
    stream = engine.compress(arr, mode)
    full = engine.decompress(stream)
    layout = StreamLayout.from_header(stream[:HEADER_MAX_BYTES])
    sel = np.s_[0, 0]
    touching = {0: stream[:HEADER_MAX_BYTES], HEADER_MAX_BYTES: stream[HEADER_MAX_BYTES:]}
    ranges = {start: stream[start:stop] for start, stop in layout.byte_ranges(sel)}
    overlapping = {0: stream[:HEADER_MAX_BYTES], **ranges}
    assert min(ranges) < HEADER_MAX_BYTES  # the first block starts inside the header's bytes
    for pieces in (touching, overlapping, list(reversed(list(overlapping.items())))):
        got = decompress_region(pieces, sel, layout=layout)
        assert bits_of(got) == bits_of(full[sel])


def test_byte_ranges_merge_across_small_gaps():
    layout = StreamLayout.headerless("f8", (64, 64, 64), Mode.from_args(rate=8))
    sel = np.s_[0:16, 0:16, 0:16]
    exact = layout.byte_ranges(sel)
    assert len(exact) == 16 and all(stop - start == 256 for start, stop in exact)
    merged = layout.byte_ranges(sel, max_gap=4096)
    # blocks of 64 bytes; rows of 16 blocks; 4 of 16 rows in each of 4 planes
    assert len(merged) == 4 and merged[0] == (0, 3 * 16 * 64 + 4 * 64)
    assert merged[1][0] == 16 * 16 * 64
    assert layout.byte_ranges(np.s_[...]) == [(0, layout.stream_bytes)]
    with pytest.raises(ValueError, match="max_gap"):
        layout.byte_ranges(sel, max_gap=-1)


@pytest.mark.parametrize("mode", [Mode.from_args(precision=64), Mode.from_args(reversible=True),
                                  Mode.from_args(tolerance=1e-300)])
def test_variable_rate_prefix_holds_the_selection(mode):
    """With variable-length blocks the prefix byte_ranges names is enough,
    even for incompressible data (blocks near their maximum length), and
    the stream cut anywhere inside the last needed block is not."""
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 2**64, (40, 40), dtype=np.uint64).view(np.float64)
    arr[~np.isfinite(arr)] = 1.0
    stream = engine.compress(arr, mode)
    layout = StreamLayout.from_header(stream)
    assert not layout.random_access and layout.stream_bytes is None
    full = engine.decompress(stream)
    for sel in [np.s_[0, 0], np.s_[:5, 3:9], np.s_[17, ::-3]]:
        [(start, stop)] = layout.byte_ranges(sel)
        assert start == 0
        prefix = stream[:stop]
        assert bits_of(decompress_region(prefix, sel)) == bits_of(full[sel])
    with pytest.raises(ZFPError, match="truncated"):
        decompress_region(stream[:40], np.s_[39, 39])
    with pytest.raises(ZFPError, match="from its start"):
        decompress_region({8: stream[8:]}, np.s_[0, 0], layout=layout)


def test_which_streams_allow_random_access():
    """Blocks all have one length exactly when minbits == maxbits and the
    budget covers the block's prefix (the rule csrc/blocks.c splits work
    by); reversible float blocks never do."""
    shape = (8, 8)
    for dtype, mode, expected in [
            ("f8", Mode.from_args(rate=8), 128),
            ("i4", Mode.from_args(rate=0.25), 4),
            ("f4", Mode.from_args(rate=0.25), 0),       # 4 bits < 1 + 8 exponent bits
            ("f8", Mode.from_args(minbits=300, maxbits=300, maxprec=20), 300),
            ("i8", Mode.from_args(minbits=64, maxbits=64, minexp=-1075), 64),
            ("f8", Mode.from_args(minbits=900, maxbits=900, minexp=-1075), 0),
            ("f8", Mode.from_args(tolerance=1e-3), 0)]:
        layout = StreamLayout.headerless(dtype, shape, mode, rate_clamp=False)
        assert layout.block_bits == expected, (dtype, mode)
        if expected:
            stream = engine.compress(values(shape, dtype, 0), mode)
            assert len(stream) == StreamLayout.from_header(stream).stream_bytes
            sel = np.s_[5:, 1]
            got = decompress_region(stream, sel)
            assert bits_of(got) == bits_of(engine.decompress(stream)[sel])


def test_headerless_streams_and_read_region(tmp_path):
    shape = (200, 200)
    arr = values(shape, "f4", 4)
    mode = Mode.from_args(rate=6)
    bare = engine.compress(arr, mode, header=False, rate_clamp=True)
    full = engine.decompress(bare, dtype="f4", shape=shape, mode=mode)
    sel = np.s_[7:19, -20:-3]
    got = decompress_region(bare, sel, dtype="f4", shape=shape, mode=mode)
    assert bits_of(got) == bits_of(full[sel])
    headed = engine.compress(arr, mode)
    path = tmp_path / "a.zfp"
    path.write_bytes(headed)
    with open(path, "rb") as file:
        got, read = read_region(file, sel)
    assert bits_of(got) == bits_of(engine.decompress(headed)[sel])
    layout = StreamLayout.from_header(headed)
    needed = sum(stop - start for start, stop in layout.byte_ranges(sel))
    assert read == HEADER_MAX_BYTES + needed < len(headed) / 20
    # the first block begins inside the header's 19 bytes: read once, counted once
    first = layout.byte_ranges(np.s_[0, 0])
    assert first[0][0] < HEADER_MAX_BYTES
    with open(path, "rb") as file:
        got, read = read_region(file, np.s_[0, 0])
    assert bits_of(got) == bits_of(engine.decompress(headed)[0, 0])
    assert read == first[-1][1]

    class Trickle(io.RawIOBase):
        """A raw file that returns at most 64 bytes a read, as raw files may."""

        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def seek(self, offset: int, whence: int = 0) -> int:
            return self.inner.seek(offset, whence)

        def readinto(self, buffer) -> int:
            part = self.inner.read(min(len(buffer), 64))
            buffer[:len(part)] = part
            return len(part)

    got, read = read_region(Trickle(headed), sel)
    assert bits_of(got) == bits_of(engine.decompress(headed)[sel])
    assert read == HEADER_MAX_BYTES + needed
    # a file too short for its blocks, whichever the region needs (checked
    # from its size before anything is read or allocated)
    cut = len(headed) // 2
    path.write_bytes(headed[:cut])
    for region in (np.s_[-1], np.s_[0]):
        with open(path, "rb") as file, \
                pytest.raises(ZFPError, match=f"truncated: .* but the {cut}-byte input"):
            read_region(file, region)


def test_empty_pieces_hold_nothing_and_are_no_truncation():
    """A fetcher may return b"" for a range past the stream's end: such a
    piece beside the stream is ignored (it raised 'compressed data is
    empty'); pieces that are all empty hold no block."""
    stream = engine.compress(np.arange(16.0).reshape(4, 4), Mode.from_args(rate=8))
    want = decompress_region([(0, stream)], np.s_[1:3, 2])
    got = decompress_region([(0, stream), (len(stream), b"")], np.s_[1:3, 2])
    assert bits_of(got) == bits_of(want)
    assert bits_of(decompress_region({0: stream, 3: bytearray()}, np.s_[1:3, 2])) == \
        bits_of(want)
    with pytest.raises(ZFPError, match="truncated"):
        decompress_region([(0, b""), (8, b"")], np.s_[0],
                          layout=StreamLayout.from_header(stream))
    with pytest.raises(ZFPError, match="compressed data is empty"):
        decompress_region(b"", np.s_[0])


@pytest.mark.parametrize("mode", [dict(reversible=True), dict(tolerance=0.1),
                                  dict(precision=10), dict(rate=8)], ids=str)
@pytest.mark.parametrize("dtype", ["i8", "f8", "f4"])
def test_read_region_of_a_stream_that_ends_inside_the_headers_read(tmp_path, dtype, mode):
    """A small variable-length stream (zeros, a constant) can end within
    the HEADER_MAX_BYTES read_region reads first; its blocks' range then
    reads nothing, which is no truncation (read_region raised 'truncated'
    on every such stream, the whole decoder read them)."""
    if dtype == "i8" and "tolerance" in mode:
        return  # integers in fixed accuracy: refused
    for arr in (np.zeros((13, 2), dtype), np.full((5, 7), 3, dtype), np.zeros(4, dtype)):
        stream = engine.compress(arr, Mode.from_args(**mode))
        path = tmp_path / "small.zfp"
        path.write_bytes(stream)
        whole = engine.decompress(stream)
        for sel in (np.s_[-1], np.s_[...], np.s_[1:3]):
            with open(path, "rb") as file:
                got, read = read_region(file, sel)
            assert bits_of(got) == bits_of(whole[sel])
            assert read <= len(stream)


@pytest.mark.parametrize("dtype, shape, rate", [("f8", (64,), 2), ("f4", (40,), 1.5),
                                               ("f8", (8, 8, 8), 0.125)])
def test_headerless_round_trip_with_the_engines_defaults(dtype, shape, rate):
    """engine.compress and the readers assume the same rate clamp unless
    told otherwise: a headerless stream at a rate below a float block's
    header bits has the length the readers expect and decodes, with every
    default, to its headered twin's values (engine.compress left it
    unclamped before: shorter blocks, which the readers decoded into other
    values without a word)."""
    arr = values(shape, dtype, 5)
    mode = Mode.from_args(rate=rate)
    bare = engine.compress(arr, mode, header=False)
    assert len(bare) == StreamLayout.headerless(dtype, shape, mode).stream_bytes
    truth = engine.decompress(engine.compress(arr, mode))
    got = engine.decompress(bare, dtype=dtype, shape=shape, mode=mode, exact_length=True)
    assert bits_of(got) == bits_of(truth)
    sel = np.s_[..., 1:5]
    part = decompress_region(bare, sel, dtype=dtype, shape=shape, mode=mode)
    assert bits_of(part) == bits_of(truth[sel])


def test_bad_arguments_are_named():
    arr = values((9, 9), "f8", 0)
    stream = engine.compress(arr, Mode.from_args(rate=8))
    layout = StreamLayout.from_header(stream)
    with pytest.raises(IndexError, match="out of bounds for axis 1 with size 9"):
        decompress_region(stream, np.s_[0, 9])
    with pytest.raises(IndexError, match="index -10 is out of bounds"):
        decompress_region(stream, np.s_[[1, -10], 0])
    with pytest.raises(IndexError, match="too many indices"):
        decompress_region(stream, np.s_[0, 0, 0])
    with pytest.raises(IndexError, match="single ellipsis"):
        decompress_region(stream, np.s_[..., 0, ...])
    with pytest.raises(TypeError, match="newaxis"):
        decompress_region(stream, np.s_[None, 0])
    with pytest.raises(TypeError, match="boolean scalar"):
        decompress_region(stream, True)
    with pytest.raises(TypeError, match="integer or boolean"):
        decompress_region(stream, np.s_[[0.5]])
    with pytest.raises(TypeError, match="integer or boolean"):
        decompress_region(stream, np.s_[[1, 0.5], 0])
    with pytest.raises(TypeError, match="integer or boolean"):  # a float array to NumPy
        decompress_region(stream, ([np.uint64(5), -1], 0))
    # Python integers that no index type holds: NumPy's IndexError
    for huge in ([2**70], [1, -2**70], [2**63, -1], [[0], [2**64]]):
        with pytest.raises(IndexError, match="must fit a 64-bit integer"):
            decompress_region(stream, (huge, 0))
    with pytest.raises(ZFPError, match=r"not wholly inside the bytes given") as error:
        decompress_region({0: stream[:64]}, np.s_[8, 8])
    assert error.value.status == "truncated"
    garbled = bytes(b ^ 1 for b in stream[32:])
    with pytest.raises(ValueError, match="pieces overlap with different bytes: the piece at 32"):
        decompress_region([(0, stream[:40]), (32, garbled)], np.s_[0, 0])
    with pytest.raises(ZFPError, match="header is needed"):
        decompress_region([(16, stream[16:])], np.s_[0, 0])
    with pytest.raises(ValueError, match="out has dtype float64 and shape"):
        decompress_region(stream, np.s_[0], out=np.empty(3))
    with pytest.raises(TypeError, match="not both"):
        decompress_region(stream, np.s_[0], layout=layout, dtype="f8")
    with pytest.raises(TypeError, match="together"):
        decompress_region(stream, np.s_[0], dtype="f8")
    # an empty float array is refused as NumPy refuses it; an empty list is none
    with pytest.raises(TypeError, match="integer or boolean"):
        decompress_region(stream, np.array([], dtype=float))
    assert decompress_region(stream, ([],)).shape == arr[[]].shape == (0, 9)
    for gap in (None, 1.5, True):
        with pytest.raises(TypeError, match="max_gap must be an integer"):
            layout.byte_ranges(np.s_[0], max_gap=gap)
    with pytest.raises(ValueError, match="piece offsets must be byte offsets"):
        decompress_region([(0, stream), (2**64, b"x")], np.s_[0, 0])
    held = bytearray(stream + bytes(72))
    with pytest.raises(ValueError, match="out overlaps the compressed data"):
        decompress_region(held, np.s_[0],
                          out=np.frombuffer(held, np.float64, count=9, offset=len(stream)))


def test_empty_selections_decode_nothing():
    stream = engine.compress(values((9, 9), "i4", 0), Mode.from_args(rate=8))
    for sel in [np.s_[3:3], np.s_[:, 5:2], np.s_[[]], np.s_[np.zeros(9, bool)]]:
        got = decompress_region({0: stream[:32]}, sel)
        assert got.shape == engine.decompress(stream)[sel].shape
    assert parse_selection(np.s_[2:2, 1], (9, 9)).shape == (0,)


def test_threads_split_fixed_rate_blocks():
    """Many blocks on several threads: same values as one thread."""
    arr = values((64, 64, 64), "f4", 7)
    stream = engine.compress(arr, Mode.from_args(rate=10))
    full = engine.decompress(stream)
    sel = np.s_[3:61, ::-1, 5:60:2]
    for threads in (0, 2, 7):
        got = decompress_region(stream, sel, threads=threads)
        assert bits_of(got) == bits_of(full[sel])


def test_every_rank_and_partial_edge_block():
    """Boxes that end inside a partial edge block, for each rank and dtype."""
    for rank, dtype in itertools.product(range(1, 5), ["i4", "i8", "f4", "f8"]):
        shape = (5, 6, 7, 9)[:rank]
        arr = values(shape, dtype, rank)
        stream = engine.compress(arr, Mode.from_args(rate=16))
        full = engine.decompress(stream)
        for sel in [tuple(slice(n - 2, n) for n in shape),
                    tuple(slice(None, None, -1) for n in shape),
                    tuple(n - 1 for n in shape)]:
            assert bits_of(decompress_region(stream, sel)) == bits_of(full[sel])
    layout = StreamLayout.headerless("f8", (5, 6, 7, 9), Mode.from_args(rate=16))
    assert layout.grid == (2, 2, 2, 3)


@pytest.mark.parametrize("selection", [np.s_[:], np.s_[5:], np.s_[-1], np.s_[::1000]])
def test_a_header_declaring_more_than_the_stream_holds_fails_before_allocating(
        tmp_path, selection):
    """One flipped bit of a 2-value stream's size made its header declare
    2^31 + 2 values: region reads built the selection and allocated 16 GiB
    (a MemoryError, or the process killed) before finding the stream short.
    The length alone proves it, as decompress finds before allocating."""
    import io
    import tracemalloc

    stream = bytearray(engine.compress(np.arange(2, dtype=np.int64), Mode.from_args()))
    stream[67 // 8] ^= 1 << 67 % 8     # bit 31 of the 48-bit size field (x - 1)
    stream = bytes(stream)
    assert StreamLayout.from_header(stream).shape == (2**31 + 2,)
    tracemalloc.start()
    try:
        for read in (lambda: decompress_region(stream, selection),
                     lambda: read_region(io.BytesIO(stream), selection)):
            with pytest.raises(ZFPError, match=r"truncated: an int64 array of shape "
                                               r"\(2147483650,\) takes at least"):
                read()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
