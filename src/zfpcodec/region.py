"""Random access: decode a selection of a zfp stream from the blocks it touches.

zfp codes an array as blocks of 4^d values, in an order where x (NumPy's
last axis) varies fastest (spec 4.2).  In fixed-rate mode every block takes
exactly ``maxbits`` bits, so block k starts at bit ``header_bits + k *
maxbits`` of the stream: the blocks a selection touches, and the bytes that
hold them, are known without reading anything else, and decode
independently.

With variable-length blocks (every other mode) the format stores no
offsets: a block can only be found by reading every block before it.  The
one shortcut is a prefix: each block takes at most `StreamLayout.max_block_bits`
bits (the bound compression allocates for), so the blocks up to the last one
a selection touches lie in the first ``header_bits + (k + 1) * max_block_bits``
bits; `StreamLayout.byte_ranges` returns that prefix, and the decoder reads
through it, measuring the blocks it does not need.

Entry points:

* `StreamLayout` -- where a stream's blocks lie: `StreamLayout.from_header`
  (a stream's first bytes) or `StreamLayout.headerless` (dtype, shape, mode);
  `byte_ranges(selection)` lists the bytes a selection needs.
* `decompress_region` -- the selection's values, from the whole stream or
  from pieces of it (``{start: bytes}``), straight into a caller's array.
* `read_region` -- both steps on a seekable file.

Selections are NumPy's: integers, slices with any step, ``...``, integer
and boolean arrays; ``decompress_region(s, sel)`` equals
``decompress(s)[sel]`` value for value and bit for bit.
"""

from __future__ import annotations

import operator
import os
from dataclasses import dataclass
from functools import cached_property
from math import prod
from typing import (TYPE_CHECKING, Any, BinaryIO, Mapping, Sequence, SupportsIndex, TypeAlias,
                    cast)

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _zfp
from .engine import (as_bytes, as_stream, check_fits, check_shape, read_header, thread_count,
                     ztype_of)
from .errors import ZFPError
from .modes import Mode, Params

if TYPE_CHECKING:
    from ._typing import BufferLike

BLOCK = 4                   # values per block along each axis (spec 4)
HEADER_MAX_BYTES = 19       # spec 2: magic 32 + META 52 + long MODE 64 bits, rounded up

# pieces of a stream: {start: bytes} or [(start, bytes)], start the byte offset
Pieces: TypeAlias = "Mapping[int, BufferLike] | Sequence[tuple[int, BufferLike]]"


# --------------------------------------------------------------------------
# selections

@dataclass(frozen=True, eq=False)  # holds arrays: compared by identity
class Selection:
    """A NumPy selection of an array, resolved for the block decoder.

    `indices` holds, per NumPy axis, the element indices to decode, in the
    order the decoded (orthogonal) array holds them.  A basic selection
    (integers and slices) decodes straight into its result: `drop` lists
    the axes its integers remove.  A selection with index arrays decodes
    the sorted distinct indices of each axis, and `post` (the selection
    rewritten for that array) picks the result from it, so that NumPy's
    rules for advanced indexing apply unchanged.
    """

    indices: tuple[NDArray[np.intp], ...]
    drop: tuple[int, ...]
    post: tuple[Any, ...] | None

    @property
    def decoded_shape(self) -> tuple[int, ...]:
        """The shape of the orthogonal array the block decoder fills."""
        return tuple(len(index) for index in self.indices)

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the selection's result."""
        if self.post is not None:
            # index a zero-strided stand-in: only the result is allocated
            stand_in = np.lib.stride_tricks.as_strided(
                np.zeros(1, np.uint8), self.decoded_shape, (0,) * len(self.decoded_shape))
            shape: tuple[int, ...] = stand_in[self.post].shape
            return shape
        return tuple(n for axis, n in enumerate(self.decoded_shape) if axis not in self.drop)

    def blocks(self) -> tuple[NDArray[np.intp], ...]:
        """The distinct blocks each axis touches, ascending (NumPy axes)."""
        return self._blocks

    @cached_property
    def _blocks(self) -> tuple[NDArray[np.intp], ...]:
        # every axis's indices are monotonic (a slice's range, forward or
        # backward; sorted distinct indices; one integer), so their blocks
        # are too, and the distinct ones are where the block changes: no
        # sort (readers of Zarr chunks ask this for every chunk they read,
        # on the event loop's thread)
        distinct = []
        for index in self.indices:
            blocks = index // BLOCK
            if len(blocks) > 1 and blocks[0] > blocks[-1]:
                blocks = blocks[::-1]
            changes = np.empty(len(blocks), dtype=bool)
            changes[:1] = True
            np.not_equal(blocks[1:], blocks[:-1], out=changes[1:])
            distinct.append(blocks[changes])
        return tuple(distinct)


def parse_selection(selection: object, shape: tuple[int, ...]) -> Selection:
    """Resolve a NumPy `selection` of an array of `shape`.

    Raises IndexError for indices out of range or too many indices (as
    NumPy does), TypeError for what zfp cannot select (``None``/newaxis,
    booleans as scalars, arrays of other types).  A `Selection` is
    returned as it is.
    """
    if isinstance(selection, Selection):
        return selection
    items = _expand(selection if isinstance(selection, tuple) else (selection,), shape)
    advanced = any(isinstance(item, np.ndarray) for item in items)
    indices: list[NDArray[np.intp]] = []
    drop: list[int] = []
    post: list[Any] = []
    for axis, (item, n) in enumerate(zip(items, shape)):
        if isinstance(item, slice):
            index = np.arange(*item.indices(n), dtype=np.intp)
            if advanced and item.indices(n)[2] < 0:
                index, item = index[::-1], slice(None, None, -1)
            elif advanced:
                item = slice(None)
        elif isinstance(item, np.ndarray):
            index = np.unique(item)
            item = np.searchsorted(index, item)
        else:
            index = np.array([item], dtype=np.intp)
            drop.append(axis)
            item = 0
        indices.append(index)
        post.append(item)
    return Selection(tuple(indices), () if advanced else tuple(drop),
                     tuple(post) if advanced else None)


def _expand(entries: tuple[object, ...], shape: tuple[int, ...]) -> list[Any]:
    """One entry per axis: an int in range, a slice, or an intp array in
    range (a boolean array becomes its nonzero() arrays, as in NumPy)."""
    items = [_convert(item) for item in entries]
    if sum(item is Ellipsis for item in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    taken = sum(item.ndim if _is_mask(item) else 1 for item in items if item is not Ellipsis)
    if taken > len(shape):
        raise IndexError(f"too many indices: the array has {len(shape)} dimensions, "
                         f"the selection indexes {taken}")
    resolved: list[Any] = []
    for item in items:
        axis = len(resolved)
        if item is Ellipsis:
            resolved += [slice(None)] * (len(shape) - taken)
        elif _is_mask(item):
            # NumPy lets a mask's axis of length 0 stand for any length
            spanned = shape[axis:axis + item.ndim]
            if any(length not in (0, n) for length, n in zip(item.shape, spanned)):
                raise IndexError(f"boolean index of shape {item.shape} does not match "
                                 f"axes {axis}.. of shape {shape}")
            resolved += [index.astype(np.intp) for index in item.nonzero()]
        else:
            resolved.append(_in_range(item, axis, shape[axis]))
    return resolved + [slice(None)] * (len(shape) - len(resolved))


def _convert(item: Any) -> Any:
    """A selection entry as Ellipsis, a slice, an int or an ndarray (integer
    or boolean); TypeError for anything else."""
    if item is Ellipsis or isinstance(item, slice):
        return item
    if item is None:
        raise TypeError("zfp selections cannot add axes (None / np.newaxis); "
                        "add them to the result instead")
    if isinstance(item, (bool, np.bool_)):
        raise TypeError(f"a boolean scalar ({item!r}) does not select along an axis; "
                        "use a boolean array")
    sequence = isinstance(item, (list, tuple, range))  # an index array to NumPy
    if sequence or isinstance(item, np.ndarray) or hasattr(item, "__array__"):
        array = np.asarray(item)
        if array.dtype == bool and array.ndim:
            return array
        if array.dtype.kind in "iu" and array.ndim == 0:
            return int(array)
        if array.dtype.kind in "iu" or (sequence and not array.size):
            return array.astype(np.intp)  # ([] and [[]] are empty float arrays to NumPy)
        if sequence:
            _refuse_huge_integers(item)
        raise TypeError(f"arrays used as indices must be of integer or boolean type "
                        f"(and not 0-d booleans), not {array.dtype}")
    try:
        return operator.index(item)
    except TypeError:
        raise TypeError(f"zfp selections take integers, slices, '...' and integer or "
                        f"boolean arrays, not {type(item).__name__}") from None


def _refuse_huge_integers(item: Any) -> None:
    """IndexError, as NumPy raises, for a list of integers one of which no
    index type holds (NumPy makes it an object or float array, which would
    otherwise be refused as a non-integer index).  Integers that all fit
    but make a float array together (uint64 beside a negative one) are left
    to that refusal."""
    values = np.asarray(item, dtype=object).ravel()
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
           for v in values):
        huge = next((int(v) for v in values if not -2**63 <= int(v) < 2**63), None)
        if huge is not None:
            raise IndexError(f"index {huge} is out of bounds: an index must fit a 64-bit "
                             "integer")


def _is_mask(item: object) -> bool:
    return isinstance(item, np.ndarray) and item.dtype == bool


def _in_range(item: Any, axis: int, n: int) -> Any:
    """`item` with negative indices counted from the end; IndexError for
    indices outside the axis."""
    if isinstance(item, slice):
        return item
    if isinstance(item, np.ndarray):
        outside = (item < -n) | (item >= n)
        if outside.any():
            raise IndexError(f"index {item[outside].flat[0]} is out of bounds for axis "
                             f"{axis} with size {n}")
        return np.where(item < 0, item + n, item).astype(np.intp)
    if not -n <= item < n:
        raise IndexError(f"index {item} is out of bounds for axis {axis} with size {n}")
    return item + n if item < 0 else item


# --------------------------------------------------------------------------
# where the blocks lie

@dataclass(frozen=True)
class StreamLayout:
    """Where the blocks of a zfp stream lie.

    Parameters
    ----------
    dtype : numpy.dtype
        The scalar type (int32, int64, float32, float64; native order).
    shape : tuple of int
        The array's NumPy shape.
    params : tuple of int
        The coder parameters ``(minbits, maxbits, maxprec, minexp)``.
    header_bits : int
        Bits before the first block: the header's length, 0 without one.
    """

    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    params: Params
    header_bits: int = 0

    @classmethod
    def from_header(cls, data: BufferLike) -> StreamLayout:
        """The layout a stream's header describes; `data` is the stream or
        its first bytes (`HEADER_MAX_BYTES` always suffice)."""
        dtype, shape, params, bits = read_header(data)
        return cls(dtype, shape, params, bits)

    @classmethod
    def headerless(cls, dtype: DTypeLike, shape: Sequence[SupportsIndex], mode: Mode, *,
                   rate_clamp: bool = True) -> StreamLayout:
        """The layout of a stream without header (as the codecs store them);
        `rate_clamp` as in `zfpcodec.engine.decompress`."""
        native = np.dtype(dtype).newbyteorder("=")
        ztype = ztype_of(native)
        dims = tuple(operator.index(n) for n in shape)
        check_shape(dims, "decompress")
        return cls(native, dims, mode.params(len(dims), ztype if rate_clamp else 0), 0)

    @property
    def ztype(self) -> int:
        return ztype_of(self.dtype)

    @property
    def sizes(self) -> tuple[int, ...]:
        """zfp's sizes: x (the last NumPy axis) first, 0 for unused axes."""
        return tuple(reversed(self.shape)) + (0,) * (4 - len(self.shape))

    @property
    def grid(self) -> tuple[int, ...]:
        """Blocks along each NumPy axis."""
        return tuple(-(-n // BLOCK) for n in self.shape)

    @property
    def block_bits(self) -> int:
        """The bits every block takes (fixed rate), or 0 when blocks vary."""
        return _zfp.block_bits(self.ztype, self.params, len(self.shape))[0]

    @property
    def max_block_bits(self) -> int:
        """The most bits any block can take."""
        return _zfp.block_bits(self.ztype, self.params, len(self.shape))[1]

    @property
    def random_access(self) -> bool:
        """True when any block can be located without reading the others."""
        return self.block_bits > 0

    @property
    def stream_bits(self) -> int | None:
        """Where a fixed-rate stream's last block ends (header and blocks,
        in bits); None when blocks vary in length."""
        if not self.random_access:
            return None
        return self.header_bits + prod(self.grid) * self.block_bits

    @property
    def stream_bytes(self) -> int | None:
        """The length of a fixed-rate stream (`stream_bits` padded to whole
        64-bit words, spec 1.4); None when blocks vary in length."""
        bits = self.stream_bits
        return None if bits is None else -(-bits // 64) * 8

    def check_fits(self, nbytes: int) -> None:
        """Raise ZFPError ("truncated") when a whole stream of `nbytes`
        bytes cannot hold this layout's blocks, whatever its bits: before
        a selection of a shape a corrupt header made huge is built or
        allocated."""
        check_fits(nbytes, self.header_bits, self.ztype, self.sizes, self.params, self.shape)

    def block_spans(self, selection: object) -> list[tuple[int, int]]:
        """The runs of consecutive blocks ``[first, last)`` (in spec 4.2
        order) that hold the elements of `selection`, ascending."""
        sel = parse_selection(selection, self.shape)
        if 0 in sel.decoded_shape:
            return []
        return [(first, last) for first, last in self._spans(sel).tolist()]

    def _spans(self, sel: Selection) -> NDArray[np.int64]:
        """`block_spans` of a non-empty selection, as an array of rows."""
        spans = np.empty((0, 2), dtype=np.int64)
        stride = 1
        # from x (the last NumPy axis) outwards: block (.., b1, b0) is
        # b0 + grid0 * (b1 + ...), so each axis repeats the spans of the
        # axes inside it at every block it touches
        for axis, blocks in enumerate(reversed(sel.blocks())):
            b = blocks.astype(np.int64)
            if axis == 0:
                spans = np.stack([b, b + 1], axis=1)
            else:
                spans = (b[:, None, None] * stride + spans[None, :, :]).reshape(-1, 2)
            spans = _merge_gaps(spans, 0)
            stride *= self.grid[-1 - axis]
        return spans

    def blocks_touched(self, selection: object) -> int:
        """How many blocks hold elements of `selection` (the product of the
        blocks each axis touches: selections are orthogonal)."""
        return prod(len(blocks) for blocks in parse_selection(selection, self.shape).blocks())

    def touches_every_block(self, selection: object) -> bool:
        """Whether `selection` needs every block of the stream.  Readers
        decode such selections with the whole-stream decoder and NumPy's
        indexing (as readers did before random access), any other one
        block by block: over every block the block decoder is no faster
        (0.7-1.45x the whole-stream decoder's time, 1.1x on average, on
        128^3 and 256^3 float64 streams in fixed rate and fixed accuracy),
        over 45-87 % of the blocks it takes 0.4-0.7x."""
        sel = parse_selection(selection, self.shape)
        return all(len(blocks) == n for blocks, n in zip(sel.blocks(), self.grid))

    def byte_ranges(self, selection: object, *, max_gap: int = 0) -> list[tuple[int, int]]:
        """The byte ranges ``[start, stop)`` of the stream that hold the
        blocks of `selection`, ascending; ranges at most `max_gap` bytes
        apart are merged (fewer requests for a few more bytes).  Offsets
        count from the stream's first byte (the header's, if it has one);
        the header itself is not included: a reader already has it.

        With variable-length blocks: one range, the prefix of the stream
        that is sure to hold every block up to the last one the selection
        touches (it may end past the stream's end, which a reader clips).
        """
        if isinstance(max_gap, bool) or not hasattr(type(max_gap), "__index__"):
            raise TypeError(f"max_gap must be an integer (bytes), not {max_gap!r}")
        if max_gap < 0:
            raise ValueError(f"max_gap must be >= 0 bytes, not {max_gap}")
        sel = parse_selection(selection, self.shape)
        if 0 in sel.decoded_shape:
            return []
        if not self.random_access:
            end_bits = self.header_bits + (self._last_block(sel) + 1) * self.max_block_bits
            return [(0, -(-end_bits // 8))]
        spans = self._spans(sel)
        bits = self.block_bits
        starts = (self.header_bits + spans[:, 0] * bits) // 8
        stops = -(-(self.header_bits + spans[:, 1] * bits) // 8)
        # spans ascend and are disjoint, so stops do too: a range joins the
        # one before it when the gap between them is at most max_gap
        return [(start, stop) for start, stop in
                _merge_gaps(np.stack([starts, stops], axis=1), max_gap).tolist()]

    def _last_block(self, sel: Selection) -> int:
        """The last block of the stream (spec 4.2 order) that `sel`
        touches: block (.., b1, b0) is b0 + grid0 * (b1 + ...), largest
        where each axis's block is."""
        last, stride = 0, 1
        for blocks, n in zip(reversed(sel.blocks()), reversed(self.grid)):
            last += int(blocks[-1]) * stride
            stride *= n
        return last


def _merge_gaps(spans: NDArray[np.int64], gap: int) -> NDArray[np.int64]:
    """Join spans (rows ``[start, stop)``, ascending and disjoint) where
    one begins at most `gap` after the one before it ends."""
    if len(spans) < 2:
        return spans
    breaks = np.flatnonzero(spans[1:, 0] - spans[:-1, 1] > gap)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(spans) - 1]])
    return np.stack([spans[starts, 0], spans[ends, 1]], axis=1)


# --------------------------------------------------------------------------
# decoding

def decompress_region(data: BufferLike | Pieces, selection: object, *,
                      layout: StreamLayout | None = None, out: NDArray[Any] | None = None,
                      dtype: DTypeLike | None = None,
                      shape: Sequence[SupportsIndex] | None = None, mode: Mode | None = None,
                      rate_clamp: bool = True, threads: int = 1) -> NDArray[Any]:
    """Decode `selection` of a zfp stream, touching only the blocks it needs.

    Parameters
    ----------
    data : bytes-like, or pieces
        The whole stream, or pieces of it: a mapping ``{start: bytes}`` or
        a sequence of ``(start, bytes)``, with start the piece's byte offset
        in the stream (`StreamLayout.byte_ranges` says which pieces are
        needed; pieces may be larger).
    selection : NumPy index
        Integers, slices (any step), ``...``, integer or boolean arrays.
    layout : StreamLayout, optional
        Where the blocks lie.  Default: read from the stream's header (from
        the whole stream, or from the piece at offset 0), or built from
        `dtype`, `shape` and `mode` (a headerless stream, as in
        `zfpcodec.engine.decompress`).
    out : numpy.ndarray, optional
        Receives the values (shape as the selection's result, dtype as the
        stream's in either byte order, any layout); returned.
    threads : int
        Threads for fixed-rate blocks (0: one per core).

    Returns
    -------
    numpy.ndarray
        ``decompress(stream)[selection]``, value for value.

    Raises
    ------
    ZFPError
        A needed block lies outside the pieces given ("truncated"), or the
        header is missing or corrupt.
    IndexError, TypeError, ValueError
        A selection out of range or of an unsupported kind; bad arguments.
    """
    pieces = _pieces(data)
    layout = _layout(layout, pieces, dtype, shape, mode, rate_clamp)
    if not _is_pieces(data):
        layout.check_fits(pieces[0][1].nbytes)
    sel = parse_selection(selection, layout.shape)
    threads = thread_count(threads)
    result_shape = sel.shape
    if out is not None:
        _check_out(out, result_shape, layout.dtype)
        if any(np.may_share_memory(out, np.frombuffer(piece, np.uint8)) for _, piece in pieces):
            raise ValueError("out overlaps the compressed data: cannot decompress in place")
    if 0 in sel.decoded_shape:
        return out if out is not None else np.empty(result_shape, layout.dtype)
    if sel.post is None and out is not None:  # decoded straight into out
        _decode_selection(pieces, layout, sel, np.expand_dims(out, sel.drop), threads)
        return out
    target = np.empty(sel.decoded_shape, out.dtype if out is not None else layout.dtype)
    _decode_selection(pieces, layout, sel, target, threads)
    result = target[sel.post] if sel.post is not None else target.reshape(result_shape)
    if out is None:
        return result
    out[...] = result
    return out


def read_region(file: BinaryIO, selection: object, *, layout: StreamLayout | None = None,
                out: NDArray[Any] | None = None, threads: int = 1,
                max_gap: int = 0) -> tuple[NDArray[Any], int]:
    """Decode `selection` of the zfp stream in a seekable binary `file`,
    reading only the bytes its blocks need (plus the header, unless
    `layout` is given for a headerless stream); `max_gap` as in
    `StreamLayout.byte_ranges`.

    Returns the values and the number of bytes read (each byte once: the
    blocks' ranges leave out what the header's read already holds).
    """
    pieces: list[tuple[int, bytes]] = []
    if layout is None:
        file.seek(0)
        head = _read_fully(file, HEADER_MAX_BYTES)
        layout = StreamLayout.from_header(head)
        pieces.append((0, head))
    layout.check_fits(file.seek(0, os.SEEK_END))
    held = len(pieces[0][1]) if pieces else 0
    for start, stop in layout.byte_ranges(selection, max_gap=max_gap):
        start = max(start, held)
        if start >= stop:
            continue
        file.seek(start)
        piece = _read_fully(file, stop - start)
        if len(piece) < stop - start and layout.stream_bytes is not None:
            size = file.seek(0, os.SEEK_END)
            raise ZFPError(f"zfp stream is truncated: it ends at byte {size}, before the "
                           f"blocks the region needs (bytes {start} to {stop})", "truncated")
        # A variable-length stream's ranges are bounds: it may end inside
        # one, or before it (a small stream can end inside the header's
        # read), and the decoder tells whether it ends too soon.
        if piece:
            pieces.append((start, piece))
    read = sum(len(piece) for _, piece in pieces)
    return decompress_region(pieces, selection, layout=layout, out=out, threads=threads), read


def _read_fully(file: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes from `file`, fewer only where it ends: a raw file
    may return fewer than asked before its end."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = file.read(left)
        if not part:  # the end (or, for a non-blocking file, nothing yet)
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _is_pieces(data: BufferLike | Pieces) -> bool:
    """Whether `data` is pieces of a stream, not the whole stream."""
    return isinstance(data, Mapping) or isinstance(data, (list, tuple)) and all(
        isinstance(item, tuple) and len(item) == 2 for item in data)


def _pieces(data: BufferLike | Pieces) -> list[tuple[int, memoryview]]:
    """The stream's pieces as (start, flat byte view), sorted by start."""
    items: list[tuple[Any, Any]]
    if not _is_pieces(data):
        # the whole stream (anything else: as_stream says what it is not)
        return [(0, as_stream(cast("BufferLike", data)))]
    items = list(data.items()) if isinstance(data, Mapping) else list(cast(Any, data))
    pieces = []
    for offset, piece in items:
        start = operator.index(offset)
        if not 0 <= start < 2**64:
            raise ValueError(f"piece offsets must be byte offsets from 0 to 2**64 - 1, "
                             f"not {start}")
        view = as_bytes(piece)
        if view.nbytes:  # an empty piece (a range fetched past the end) holds nothing
            pieces.append((start, view))
    pieces.sort(key=lambda item: item[0])
    return _joined(pieces)


def _joined(pieces: list[tuple[int, memoryview]]) -> list[tuple[int, memoryview]]:
    """Sorted `pieces` with each run of pieces that touch or overlap made
    one, so that a block spanning two of them (a header fetched on its own
    beside the blocks' ranges) is found whole.  Overlapping bytes must be
    equal: pieces that disagree are no stream.  (A piece that touches no
    other is kept as it is, not copied.)"""
    joined: list[tuple[int, memoryview | bytearray]] = []
    for start, piece in pieces:
        if joined and start <= joined[-1][0] + len(joined[-1][1]):
            first, held = joined[-1]
            end = first + len(held)
            shared = min(end - start, piece.nbytes)
            if held[start - first:start - first + shared] != piece[:shared]:
                raise ValueError(f"pieces overlap with different bytes: the piece at "
                                 f"{start} and the one before it, over bytes "
                                 f"{start}..{start + shared}")
            if start + piece.nbytes > end:
                held = held if isinstance(held, bytearray) else bytearray(held)
                held += piece[end - start:]
                joined[-1] = (first, held)
            continue
        joined.append((start, piece))
    return [(start, memoryview(held)) for start, held in joined]


def _layout(layout: StreamLayout | None, pieces: list[tuple[int, memoryview]],
            dtype: DTypeLike | None, shape: Sequence[SupportsIndex] | None, mode: Mode | None,
            rate_clamp: bool) -> StreamLayout:
    given = [name for name, value in (("dtype", dtype), ("shape", shape), ("mode", mode))
             if value is not None]
    if layout is not None:
        if given:
            raise TypeError(f"give layout or dtype, shape and mode, not both "
                            f"({', '.join(given)} given with layout)")
        if not isinstance(layout, StreamLayout):
            raise TypeError(f"layout must be a StreamLayout, not {type(layout).__name__}")
        return layout
    if given:
        if dtype is None or shape is None or mode is None:
            raise TypeError("give dtype, shape and mode together (headerless stream), "
                            "or none of them")
        return StreamLayout.headerless(dtype, shape, mode, rate_clamp=rate_clamp)
    if not pieces or pieces[0][0] != 0:
        raise ZFPError("the stream's header is needed: give the piece at offset 0, or "
                       "layout=StreamLayout.from_header(...)", "header")
    return StreamLayout.from_header(pieces[0][1])


def _check_out(out: object, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, not {type(out).__name__}")
    if out.shape != shape or out.dtype.newbyteorder("=") != dtype:
        raise ValueError(f"out has dtype {out.dtype} and shape {out.shape}; the selection "
                         f"is {dtype} values of shape {shape}")
    if not out.flags.writeable:
        raise ValueError("out is read-only")


def _decode_selection(pieces: list[tuple[int, memoryview]], layout: StreamLayout,
                      sel: Selection, target: NDArray[Any], threads: int) -> None:
    """The C decoder on the orthogonal selection `sel.indices` into `target`."""
    if not layout.random_access and (not pieces or pieces[0][0] != 0):
        raise ZFPError("blocks of varying length are found by reading the stream from "
                       "its start: give the piece at offset 0 (see byte_ranges)", "truncated")
    indices = tuple(np.ascontiguousarray(index, dtype=np.uintp)
                    for index in reversed(sel.indices))
    try:
        _zfp.decompress_selection(pieces, layout.header_bits, layout.sizes, indices, target,
                                  layout.ztype, layout.params,
                                  not target.dtype.isnative, threads)
    except ZFPError as error:
        if error.status == "truncated":
            held = ", ".join(f"{start}..{start + piece.nbytes}" for start, piece in pieces[:4])
            more = f" and {len(pieces) - 4} more" if len(pieces) > 4 else ""
            raise ZFPError(
                f"compressed stream is truncated: a block the selection needs is not "
                f"wholly inside the bytes given ({held}{more}); the selection needs "
                f"{layout.byte_ranges(sel)[:4]}", "truncated") from None
        raise
