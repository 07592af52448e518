"""Zarr v3 partial reads with ZFPCodec: a selection of a fixed-rate chunk
fetches only the byte ranges of the blocks it touches (counted at the
store) and returns exactly what reading the whole chunk returns, on memory,
directory and zip stores and inside shards; other modes, chunks of another
length and missing chunks fall back correctly."""

from __future__ import annotations

import numpy as np
import pytest
from packaging.version import Version

from zfpcodec import ZFPError, engine
from zfpcodec.modes import Mode
from zfpcodec.region import StreamLayout

zarr = pytest.importorskip("zarr")
from counting_store import CountingStore  # noqa: E402

from zarr.core.buffer import default_buffer_prototype  # noqa: E402

from zfpcodec import zarr3  # noqa: E402
from zfpcodec.zarr3 import RANGE_MERGE_GAP, REQUEST_COST_BYTES, ZFPCodec, fetch_cost  # noqa: E402

SHAPE = (64, 48, 40)
# zarr's own indexing takes no negative steps (zfpcodec.region does)
SELECTIONS = [np.s_[10:26, 3:19, 20:36], np.s_[5, 7], np.s_[63, 47, 39], np.s_[::7, 2, 1:40:9],
              np.s_[..., -1], np.s_[40:, :4], np.s_[::2, ::3], np.s_[::63, 0, 0]]


def field(shape, dtype="f8", seed=0):
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 3, n) for n in shape], indexing="ij")
    return (sum(np.sin(g * (k + 1)) for k, g in enumerate(grids)) * 100
            + rng.normal(0, 1, shape)).astype(dtype)


def bits_of(arr):
    """Values as bytes in native order (NumPy scalars are always native)."""
    arr = np.asarray(arr)
    arr = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("=")))
    return arr.dtype.str, arr.shape, arr.tobytes()


def make_store(kind, tmp_path):
    if kind == "memory":
        return zarr.storage.MemoryStore()
    if kind == "local":
        return zarr.storage.LocalStore(tmp_path / "a.zarr")
    return zarr.storage.ZipStore(tmp_path / "a.zip", mode="w")


def whole_chunk_reference(chunk, codec, chunk_shape, dtype, sel):
    """The selection from decoding the whole chunk with the codec's own
    whole-chunk decoder (what zarr did before partial reads)."""
    from zarr.core.array_spec import ArrayConfig, ArraySpec
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.dtype import parse_dtype

    spec = ArraySpec(shape=chunk_shape, dtype=parse_dtype(np.dtype(dtype), zarr_format=3),
                     fill_value=0, config=ArrayConfig.from_dict({}),
                     prototype=default_buffer_prototype())
    raw = default_buffer_prototype().buffer.from_bytes(chunk)
    return codec._decode_sync(raw, spec).as_numpy_array()[sel]


@pytest.mark.parametrize("kind", ["memory", "local", "zip"])
@pytest.mark.parametrize("request_cost, ranged_reads", [(REQUEST_COST_BYTES, 3), (0, 7)])
def test_a_selection_fetches_only_its_blocks(kind, request_cost, ranged_reads, tmp_path,
                                             monkeypatch):
    """The byte ranges of the touched blocks, or the whole chunk in one read
    when the ranges would cost more (fetch_cost, at the default cost of a
    request and at none) or the selection touches every block."""
    monkeypatch.setattr(zarr3, "REQUEST_COST_BYTES", request_cost)
    data = field(SHAPE)
    codec = ZFPCodec(rate=8)
    store = CountingStore(make_store(kind, tmp_path))
    array = zarr.create_array(store, shape=SHAPE, chunks=SHAPE, dtype="f8",
                              serializer=codec, compressors=None)
    array[...] = data
    if kind == "zip":
        store._store.close()
        store = CountingStore(zarr.storage.ZipStore(tmp_path / "a.zip", mode="r"))
        array = zarr.open_array(store, mode="r")
    stream = engine.compress(data, Mode.from_args(rate=8), header=False, rate_clamp=True)
    full = engine.decompress(stream, dtype="f8", shape=SHAPE, mode=Mode.from_args(rate=8))
    layout = StreamLayout.headerless("f8", SHAPE, Mode.from_args(rate=8))
    assert layout.stream_bytes == len(stream)
    ranged = 0
    for sel in SELECTIONS:
        store.reads.clear()
        got = array[sel]
        assert bits_of(got) == bits_of(full[sel]), sel
        blocks = layout.byte_ranges(sel, max_gap=RANGE_MERGE_GAP)
        # the blocks' ranges, and the length check: a request that reaches
        # one byte past the chunk's end (merged into the last when close)
        end = len(stream) + 1
        asked = blocks[:-1] + [(blocks[-1][0], end)] \
            if len(stream) - 1 - blocks[-1][1] <= RANGE_MERGE_GAP \
            else blocks + [(len(stream) - 1, end)]
        reads = store.chunk_reads()
        if (layout.touches_every_block(sel)
                or fetch_cost(asked) >= fetch_cost([(0, len(stream))])):
            assert [(r, size) for _, r, size in reads] == [(None, len(stream))], (sel, reads)
            continue
        ranged += 1
        assert sorted((r.start, r.end) for _, r, _ in reads) == asked, (sel, reads)
        assert store.fetched() == sum(min(stop, len(stream)) - start for start, stop in asked)
    assert ranged == ranged_reads
    store.reads.clear()
    assert bits_of(array[...]) == bits_of(full)
    [(_, byte_range, size)] = store.chunk_reads()
    assert byte_range is None and size == len(stream)  # a whole chunk: one plain read


@pytest.mark.parametrize("dtype", ["i1", "u2", "f2", "i4", ">f4", "u8", "M8[s]"])
def test_promoted_types_read_partially_as_whole(dtype, tmp_path):
    """The spec's promotions (and demotion with clamping) give the same
    values through partial reads as through whole-chunk reads."""
    shape = (30, 33)
    rng = np.random.default_rng(1)
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        data = rng.integers(max(info.min, -2**40), min(info.max, 2**31 - 1), shape,
                            endpoint=True).astype(dtype)
    elif np.dtype(dtype).kind == "M":
        data = rng.integers(0, 2**40, shape).astype(dtype)
    else:
        data = field(shape, dtype)
    # (the integers span their types, past zfp's integer range, which strict
    # refuses: what counts here is that partial and whole reads agree)
    codec = ZFPCodec(rate=7, strict=False)
    store = CountingStore(zarr.storage.MemoryStore())
    array = zarr.create_array(store, shape=shape, chunks=shape, dtype=dtype, serializer=codec,
                              compressors=None)
    array[...] = data
    whole = array[...]
    for sel in [np.s_[3:9, 20:], np.s_[-1, ::2], np.s_[29, 32]]:
        store.reads.clear()
        assert bits_of(array[sel]) == bits_of(whole[sel]), (dtype, sel)
        assert all(byte_range is not None for _, byte_range, _ in store.chunk_reads())


@pytest.mark.parametrize("codec", [ZFPCodec(tolerance=1e-3), ZFPCodec(precision=20),
                                   ZFPCodec(mode="reversible")])
def test_variable_rate_chunks_read_a_prefix_or_the_whole_chunk(codec):
    """Other modes: a selection in the first blocks fetches a prefix; any
    other selection the whole chunk; the values are the whole chunk's."""
    shape = (64, 64, 64)
    data = field(shape)
    store = CountingStore(zarr.storage.MemoryStore())
    array = zarr.create_array(store, shape=shape, chunks=shape, dtype="f8", serializer=codec,
                              compressors=None)
    array[...] = data
    whole = array[...]
    chunk_bytes = store.fetched()
    for sel, partial in [(np.s_[0:2, 0:8, 0:8], True), (np.s_[60:, 60:, 60:], False),
                         (np.s_[30, 30, 30], None)]:
        store.reads.clear()
        assert bits_of(array[sel]) == bits_of(whole[sel]), sel
        [(_, byte_range, size)] = store.chunk_reads()
        if partial:
            assert byte_range is not None and byte_range.start == 0 and size < chunk_bytes / 4
        elif partial is False:
            assert size == chunk_bytes


def test_chunks_of_another_length_are_read_whole(tmp_path):
    """A fixed-rate chunk whose length is not this codec's (another writer's
    rate convention: zarrs applies rates as if chunks were 3-D; or damage)
    is read whole and decoded by the whole-chunk decoder: never decoded
    from byte ranges that belong to another layout."""
    shape = (40, 36)
    data = field(shape)
    codec = ZFPCodec(rate=8)
    store = CountingStore(zarr.storage.LocalStore(tmp_path / "a.zarr"))
    array = zarr.create_array(store, shape=shape, chunks=shape, dtype="f8", serializer=codec,
                              compressors=None)
    array[...] = data
    key = tmp_path / "a.zarr" / "c" / "0" / "0"
    # rate 8 as if 3-D: 512 bits per 2-D block instead of 128 (zarrs' convention)
    longer = engine.compress(data, Mode.from_args(minbits=512, maxbits=512, minexp=-1074),
                             header=False)
    ours = key.read_bytes()
    sel = np.s_[3:7, 30:]
    # this codec's own chunk: the blocks' ranges, and the byte just past
    # the chunk's end (none comes back: the length is right)
    layout = StreamLayout.headerless("f8", shape, codec.zfp_mode)
    [(start, stop)] = layout.byte_ranges(sel, max_gap=RANGE_MERGE_GAP)
    store.reads.clear()
    assert bits_of(array[sel]) == bits_of(whole_chunk_reference(ours, codec, shape, "f8", sel))
    assert [(r.start, r.end, size) for _, r, size in store.chunk_reads()] == [
        (start, len(ours) + 1, len(ours) - start)]
    for chunk in (longer, ours[:-8], ours + bytes(8)):
        key.write_bytes(chunk)
        store.reads.clear()
        try:
            expected = whole_chunk_reference(chunk, codec, shape, "f8", sel)
        except ZFPError as error:
            with pytest.raises(ZFPError) as raised:
                array[sel]
            assert str(raised.value) == str(error)
        else:
            assert bits_of(array[sel]) == bits_of(expected)
        assert any(byte_range is None and size == len(chunk)
                   for _, byte_range, size in store.chunk_reads()), store.reads


def test_missing_chunks_read_as_fill_value():
    store = zarr.storage.MemoryStore()
    array = zarr.create_array(store, shape=(40, 40), chunks=(20, 20), dtype="f4",
                              serializer=ZFPCodec(rate=8), compressors=None, fill_value=7.5)
    array[:20, :20] = 1.0
    got = array[15:25, 15:25]
    assert (got[:5, :5] == 1.0).all() and (got[5:] == 7.5).all() and (got[:, 5:] == 7.5).all()


def test_sharded_arrays_decode_only_the_touched_blocks(tmp_path, monkeypatch):
    """Inside sharding_indexed zarr fetches whole inner chunks (and the
    shard index); the codec then decodes only the blocks the selection
    touches in each."""
    shape, shard, inner = (64, 64, 64), (64, 64, 64), (32, 32, 32)
    data = field(shape)
    store = CountingStore(zarr.storage.LocalStore(tmp_path / "s.zarr"))
    array = zarr.create_array(store, shape=shape, chunks=inner, shards=shard, dtype="f8",
                              serializer=ZFPCodec(rate=8), compressors=None)
    array[...] = data
    whole = array[...]
    decoded = []
    from zfpcodec import region
    original = region._decode_selection

    def spy(pieces, layout, sel, target, threads):
        decoded.append(sum(last - first for first, last in layout.block_spans(sel)))
        return original(pieces, layout, sel, target, threads)

    monkeypatch.setattr(region, "_decode_selection", spy)
    store.reads.clear()
    sel = np.s_[2:10, 40:44, 33:35]
    assert bits_of(array[sel]) == bits_of(whole[sel])
    if Version(zarr.__version__) < Version("3.1.6"):
        # the byte getter zarr < 3.1.6 hands an inner chunk's codec refuses
        # byte ranges, so the codec reads and decodes the inner chunk whole
        pytest.skip("zarr < 3.1.6: no byte ranges inside shards (the values are right)")
    assert decoded == [3 * 1 * 1]  # of the 512 blocks of the inner chunk
    inner_bytes = StreamLayout.headerless("f8", inner, Mode.from_args(rate=8)).stream_bytes
    index_bytes = 8 * 16 + 4
    assert store.fetched() <= inner_bytes + index_bytes + 16


def test_a_bytes_codec_after_it_disables_partial_reads(tmp_path):
    """zarr asks for partial decoding only without bytes-to-bytes codecs:
    with zstd after zfp, whole chunks are read, and the values agree."""
    data = field((32, 32))
    store = CountingStore(zarr.storage.MemoryStore())
    array = zarr.create_array(store, shape=data.shape, chunks=data.shape, dtype="f8",
                              serializer=ZFPCodec(rate=8),
                              compressors=[zarr.codecs.ZstdCodec()])
    array[...] = data
    whole = array[...]
    store.reads.clear()
    assert bits_of(array[4:9, 2]) == bits_of(whole[4:9, 2])
    assert [byte_range for _, byte_range, _ in store.chunk_reads()] == [None]


def test_orthogonal_and_coordinate_selections(tmp_path):
    data = field((50, 40))
    store = CountingStore(zarr.storage.MemoryStore())
    array = zarr.create_array(store, shape=data.shape, chunks=(25, 40), dtype="f8",
                              serializer=ZFPCodec(rate=12), compressors=None)
    array[...] = data
    whole = array[...]
    assert bits_of(array.oindex[[1, 30, 7], [0, 39]]) == bits_of(whole[[1, 30, 7]][:, [0, 39]])
    assert bits_of(array.vindex[[1, 30, 7], [0, 39, 5]]) == bits_of(
        whole[[1, 30, 7], [0, 39, 5]])
    mask = np.zeros(data.shape, bool)
    mask[3, 4] = mask[40, 2] = True
    assert bits_of(array.vindex[mask]) == bits_of(whole[mask])
    assert bits_of(array.blocks[1]) == bits_of(whole[25:])


def test_whole_chunk_decoder_only_for_selections_touching_every_block(monkeypatch):
    """A selection that touches every block is read in one request and
    decoded by the whole-chunk decoder (as without partial decoding); one
    that leaves a block out is decoded block by block, also when the chunk
    is fetched whole; the values are the same either way."""
    data = field(SHAPE)
    store = CountingStore(zarr.storage.MemoryStore())
    array = zarr.create_array(store, shape=SHAPE, chunks=SHAPE, dtype="f8",
                              serializer=ZFPCodec(rate=8), compressors=None)
    array[...] = data
    whole = array[...]
    calls = []
    decode_sync, decode_pieces = ZFPCodec._decode_sync, ZFPCodec._decode_pieces
    monkeypatch.setattr(ZFPCodec, "_decode_sync",
                        lambda *args: calls.append("whole") or decode_sync(*args))
    monkeypatch.setattr(ZFPCodec, "_decode_pieces",
                        lambda *args: calls.append("blocks") or decode_pieces(*args))
    layout = StreamLayout.headerless("f8", SHAPE, Mode.from_args(rate=8))
    # (selection, decoder, chunk read whole): planes 0 and 15 of blocks
    # (::63) are two ranges 115 KB apart, dearer than the 123 KB chunk
    for sel, decoder, read_whole in [
            (np.s_[...], "whole", True), (np.s_[1:63, ::3, 2:], "whole", True),
            (np.s_[4:, :, :], "blocks", False), (np.s_[::63, :, 1], "blocks", True)]:
        assert layout.touches_every_block(sel) == (decoder == "whole"), sel
        calls.clear()
        store.reads.clear()
        assert bits_of(array[sel]) == bits_of(whole[sel]), sel
        assert calls == [decoder], (sel, calls)
        ranges = [r for _, r, _ in store.chunk_reads()]
        assert (ranges == [None]) == read_whole, (sel, ranges)


@pytest.mark.parametrize("codec", [ZFPCodec(rate=16), ZFPCodec(precision=20), ZFPCodec()],
                         ids=["rate", "precision", "reversible"])
def test_a_chunk_of_another_shape_is_an_error_for_selections_too(codec):
    """A 3-D chunk copied from an array of another chunk shape (the same
    number of values) does not fit the metadata: a selection raises the
    whole read's ZFPError instead of decoding blocks that lie elsewhere."""
    source = zarr.storage.MemoryStore()
    written = zarr.create_array(source, shape=(4, 4, 16), chunks=(4, 4, 16), dtype="f8",
                                serializer=codec, compressors=None)
    written[...] = np.arange(256.0).reshape(4, 4, 16)
    store = zarr.storage.MemoryStore()
    array = zarr.create_array(store, shape=(4, 8, 4), chunks=(4, 8, 4), dtype="f8",
                              serializer=codec, compressors=None)
    array[...] = 0
    store._store_dict["c/0/0/0"] = source._store_dict["c/0/0/0"]
    with pytest.raises(ZFPError) as whole:
        array[...]
    for sel in (np.s_[:, 4:8, :], np.s_[0, 0, 0], np.s_[3, 7, 3]):
        with pytest.raises(ZFPError) as part:
            array[sel]
        assert str(part.value) == str(whole.value)


@pytest.mark.parametrize("dtype, shape, rate", [("f8", (8,), 0.25), ("i4", (4, 8), 0.5),
                                                ("f4", (4, 8), 0.25)])
def test_a_zarrs_chunk_of_our_length_reads_the_same_in_part_and_whole(dtype, shape, rate):
    """At rates below 1 bit per value, a chunk of a few blocks has the same
    length in zarrs' convention (the rate applied as if 3-D) and in ours:
    a selection decodes it as the whole read does (by its padding bits)."""
    codec = ZFPCodec(rate=rate)
    store = zarr.storage.MemoryStore()
    array = zarr.create_array(store, shape=shape, chunks=shape, dtype=dtype, serializer=codec,
                              compressors=None)
    bits = codec.zfp_mode.params(3, engine.ztype_of(np.dtype(dtype)))[1]
    values = (np.arange(np.prod(shape)).reshape(shape) * 8 - 12).astype(dtype)
    zarrs = engine.compress(values, Mode.from_args(minbits=bits, maxbits=bits, minexp=-1074),
                            header=False)
    assert len(zarrs) == StreamLayout.headerless(dtype, shape, codec.zfp_mode).stream_bytes
    store._store_dict["c/" + "/".join("0" * len(shape))] = \
        default_buffer_prototype().buffer.from_bytes(zarrs)
    whole = array[...]
    assert whole.ravel()[0] != 0  # decoded the zarrs way, not as our blocks
    for index in np.ndindex(*shape):
        assert bits_of(array[index]) == bits_of(whole[index]), index
