"""`ZFPCodec`: the Zarr v3 ``zfp`` array-to-bytes codec.

Implements the ``zfp`` codec registered in zarr-extensions (codecs/zfp):
configuration ``{"mode": "reversible" | "fixed_accuracy" | "fixed_rate" |
"fixed_precision" | "expert", <that mode's parameters>}``, chunks stored
without the zfp header (the metadata holds type, shape and mode), chunk
shapes mapped to zfp fields in C order (0-d chunks as one value), and the
spec's promotion of smaller types:

=======================  ======================================================
array dtype              what zfp sees
=======================  ======================================================
int32/64, float32/64     the values themselves (either byte order)
float16                  float32 (cast; exact)
int8, int16              int32 ``x << (31 - N)`` (zfp_promote_int*_to_int32)
uint8, uint16            int32 ``(x - 2**(N-1)) << (31 - N)``
uint32 / uint64          int32 / int64, values above the signed maximum refused
                         (as in zarrs, which clamps them)
datetime64, timedelta64  their int64 counts
=======================  ======================================================

Decompression demotes with clamping (zfp_demote_*).

Fixed rates are written as zfp's own tools apply them: zfp_stream_set_rate
told the zfp type and the chunk's rank, i.e. ``floor(4**rank * rate + 0.5)``
bits per block, at least 9 (float32) or 12 (float64).  The zarrs crate (the
specification's maintainer implementation) applies them as if every chunk
were 3-D: ``floor(64 * rate + 0.5)`` bits per block, same minimums.  Both
agree for 3-D chunks.  Every block of a fixed-rate chunk has the same
length, so a chunk's length says which convention wrote it, and both are
read: a chunk of rank 1, 2 or 4 is decoded with the bits per block whose
stream length (blocks times bits, padded to whole 64-bit words) it has.  A
length that fits both (possible only for chunks of a few blocks at low
rates) is read the zfp way unless the bits past that stream are not the
zero padding our writer leaves; a length that fits neither raises
ZFPError.  Every chunk, whatever its mode, must end exactly where its
stream does (`engine.decompress(exact_length=True)`): a chunk that does
not fit its metadata raises ZFPError instead of decoding to garbage.

Data path: chunk (NDBuffer) -> promote -> `engine.compress(header=False)`
-> bytes; bytes -> `engine.decompress(dtype, shape, mode)` -> demote.

Reads of part of a chunk (zarr's partial decoding, used when the codec is
the serializer with no bytes-to-bytes codec after it, and inside
``sharding_indexed``): in fixed-rate mode the codec asks the store for the
byte ranges of the blocks the selection touches and decodes only those
(`zfpcodec.region`).  A selection that touches every block is read and
decoded whole, as without partial decoding; ranges that would cost more
than the whole chunk (`fetch_cost`: their bytes plus `REQUEST_COST_BYTES`
per request) give way to one read of the chunk, of which only the touched
blocks are decoded.  The chunk's length is checked on the way: a chunk of
another length (zarrs applies rates as for 3-D chunks; or a chunk that does
not fit the array's metadata) is read whole and decoded as without partial
decoding, which picks the convention or raises.  Where both conventions
give the same length (chunks of a few blocks at rates below 1 bit per
value), only the whole chunk tells them apart, so it is read whole.  Other
modes read a prefix of the chunk when the selection lies in its first
blocks, and the whole chunk otherwise; a prefix that comes back shorter
than asked for is the whole chunk, decoded whole so that its fit is
checked.

zarr is optional: without it `ZFPCodec` can still be built, compared,
serialised and converted, it just is not a `zarr.abc.codec.ArrayBytesCodec`.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, Literal, Self, SupportsIndex, cast

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import bound, engine
from .buffers import native_dtype
from .errors import ZFPError
from .modes import (FIXED_RATE, ZFP_MAX_PREC, ZFP_MIN_EXP, Mode,
                    check_zarr3_accuracy, codec_repr, strict_flag)
from .region import Selection, StreamLayout, decompress_region, parse_selection

if TYPE_CHECKING:
    from zarr.abc.codec import ArrayBytesCodec as _Codec
    from zarr.abc.codec import ArrayBytesCodecPartialDecodeMixin as _PartialDecode
    from zarr.abc.store import ByteGetter, RangeByteRequest
    from zarr.core.array_spec import ArraySpec
    from zarr.core.buffer import Buffer, BufferPrototype, NDBuffer
    from zarr.core.common import JSON
    from zarr.core.dtype.wrapper import TBaseDType, TBaseScalar, ZDType
    from zarr.core.indexing import SelectorTuple

    from ._typing import Real
else:
    try:
        from zarr.abc.codec import ArrayBytesCodec as _Codec
        from zarr.abc.codec import ArrayBytesCodecPartialDecodeMixin as _PartialDecode
        from zarr.abc.store import RangeByteRequest
    except ImportError:  # zarr is an optional dependency: the class still defines
        class _Codec:
            """Stands in for zarr's ArrayBytesCodec."""

        _PartialDecode = object

__all__ = ["CODEC_NAME", "ZFPCodec"]  # and MaskedZFPCodec, on first use

CODEC_NAME = "zfp"
_MAX_RANK = 4  # spec "Supported Chunk Shapes"
_ZARRS_RATE_RANK = 3  # zarrs: zfp_stream_set_rate(..., dims=3) for every chunk

# Ranged reads.  Ranges fewer than RANGE_MERGE_GAP bytes apart are fetched
# as one (at most that many bytes more per merge; a wider gap would take in
# whole planes of blocks the selection skips).  A request costs about as
# much time as REQUEST_COST_BYTES of transfer (measured on 16 MiB objects:
# 0.3-1 MiB for a LocalStore file range in the page cache, 2-4 MiB for S3
# served by moto through obstore or s3fs; 1 MiB lies between them, and an
# object store that serves a selection's ranges in parallel, as moto does
# not, costs less per range), so the ranges are fetched only when their
# bytes plus that much per request come to less than the whole chunk's plus
# one request; else the chunk is read in one request.
RANGE_MERGE_GAP = 8192
REQUEST_COST_BYTES = 1 << 20


# --------------------------------------------------------------------------
# data types: what zfp compresses for each array dtype (spec "Format")

@dataclass(frozen=True)
class _Storage:
    """How values of one array dtype are handed to zfp."""

    zfp_dtype: np.dtype[Any]  # int32, int64, float32 or float64 (native order)
    kind: str            # "same", "cast", "shift", "signed_max", "view"
    bits: int = 0        # N, for "shift"

    def promote(self, chunk: NDArray[Any]) -> NDArray[Any]:
        if self.kind == "same":
            return chunk
        if self.kind == "view":
            return _int_counts(chunk)
        if self.kind == "cast":
            return chunk.astype(self.zfp_dtype)
        if self.kind == "signed_max":
            limit = np.iinfo(self.zfp_dtype).max
            if chunk.size and chunk.max() > limit:
                raise ValueError(f"zfp stores {chunk.dtype} values as {self.zfp_dtype}: "
                                 f"values above {limit} cannot be stored (found "
                                 f"{chunk.max()})")
            return chunk.astype(self.zfp_dtype)
        # "shift": zfp_promote_{u,}int{8,16}_to_int32
        wide = chunk.astype(np.int32)
        if chunk.dtype.kind == "u":
            wide -= np.int32(1 << (self.bits - 1))
        wide <<= 31 - self.bits
        return wide

    def demote(self, values: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
        if self.kind == "cast":
            # a lossy mode may decode a float16's largest values a little
            # past it, which float16 would round to inf: they become its
            # largest, nearer the value stored (non-finite values stay)
            top = np.finfo(dtype).max
            clipped = np.where(np.isfinite(values), np.clip(values, -top, top), values)
            return clipped.astype(dtype)
        if self.kind == "signed_max":
            nonnegative: NDArray[Any] = np.maximum(values, 0)
            return nonnegative.astype(dtype)
        if self.kind == "view":
            counts: NDArray[Any] = values.view(dtype.newbyteorder("="))
            return counts.astype(dtype, copy=False)
        # "shift": zfp_demote_int32_to_{u,}int{8,16}
        values >>= 31 - self.bits
        if dtype.kind == "u":
            values += np.int32(1 << (self.bits - 1))
        info = np.iinfo(dtype)
        clamped: NDArray[Any] = np.clip(values, info.min, info.max)
        return clamped.astype(dtype)


def _int_counts(chunk: NDArray[Any]) -> NDArray[Any]:
    """datetime64/timedelta64 values as their int64 counts (no copy)."""
    # int64 in the chunk's byte order ("S": the swapped one)
    int64 = np.dtype(np.int64).newbyteorder("=" if chunk.dtype.isnative else "S")
    counts: NDArray[Any] = chunk.view(int64)
    return counts


_STORAGE = {
    "i4": _Storage(np.dtype(np.int32), "same"), "i8": _Storage(np.dtype(np.int64), "same"),
    "f4": _Storage(np.dtype(np.float32), "same"), "f8": _Storage(np.dtype(np.float64), "same"),
    "f2": _Storage(np.dtype(np.float32), "cast"),
    "i1": _Storage(np.dtype(np.int32), "shift", 8), "u1": _Storage(np.dtype(np.int32), "shift", 8),
    "i2": _Storage(np.dtype(np.int32), "shift", 16),
    "u2": _Storage(np.dtype(np.int32), "shift", 16),
    "u4": _Storage(np.dtype(np.int32), "signed_max"),
    "u8": _Storage(np.dtype(np.int64), "signed_max"),
    "M8": _Storage(np.dtype(np.int64), "view"), "m8": _Storage(np.dtype(np.int64), "view"),
}
SUPPORTED_DTYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
                    "float16", "float32", "float64", "datetime64", "timedelta64")


def _storage(dtype: DTypeLike) -> _Storage:
    kind = np.dtype(dtype)
    storage = _STORAGE.get(f"{kind.kind}{kind.itemsize}")
    if storage is None or kind.kind not in "iufMm":
        raise ValueError(f"the zfp codec stores {', '.join(SUPPORTED_DTYPES)} arrays, "
                         f"not {kind}")
    return storage


def _time_bound_error(error: bound.BoundError, dtype: np.dtype[Any],
                      codec: str) -> bound.BoundError:
    """The refusal of datetime64/timedelta64 values, whose counts zfp
    codes: NaT is their most negative count, outside every lossy mode's
    range, and the masked codecs, named for other types, do not take
    these."""
    message = (f"{codec} refuses to store this chunk of {dtype} values, coded as their int64 "
               f"counts: {'; '.join(error.problems)} (NaT is -2**63). Fix: use "
               f"mode='reversible' (lossless), which stores every {dtype} value exactly, "
               f"NaT included. (strict=False stores it anyway.)")
    return bound.BoundError(message, error.report, error.problems, error.masked)


def _zfp_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The zfp field of a chunk shape: C order, 0-d as one value."""
    if len(shape) > _MAX_RANK:
        raise ValueError(f"the zfp codec compresses chunks of at most 4 dimensions, not "
                         f"{len(shape)} (shape {tuple(shape)}); drop length-1 axes first")
    return tuple(shape) or (1,)


# --------------------------------------------------------------------------
# the codec

@dataclass(frozen=True)
class ZFPCodec(_Codec, _PartialDecode):
    """Zarr v3 array-to-bytes codec ``zfp`` (zarr-extensions specification).

    Parameters
    ----------
    mode : str, optional
        ``"reversible"``, ``"fixed_accuracy"``, ``"fixed_rate"``,
        ``"fixed_precision"`` or ``"expert"``.  Optional: by default the
        mode follows from the parameter given (none: reversible).  When
        given, the mode's own parameters must be given and no others.
    tolerance : float
        fixed_accuracy: absolute error bound (> 0); floating-point data only.
    rate : float
        fixed_rate: compressed bits per value (> 0).
    precision : int
        fixed_precision: uncompressed bit planes kept (1..64).
    minbits, maxbits, maxprec, minexp : int
        expert: zfp's coder parameters; missing ones take zfp's defaults
        (1, 16658, 64, -1074) and all four are written to the metadata.
    reversible : bool
        True: lossless, as ``mode="reversible"`` (the mode written).
    threads : int
        Threads per chunk for the C engine (0: one per core); not part of
        the metadata.  zarr already compresses chunks in parallel on its
        own thread pool (the C engine releases the GIL).
    strict : bool
        True (the default): writing a chunk raises `ZFPError` rather than
        store values the mode cannot keep: NaN or +-inf in a lossy mode
        (zarr pads edge chunks of xarray floats with NaN), or, in fixed
        accuracy, a block whose range is too wide for the tolerance
        (`zfpcodec.bound`).  `MaskedZFPCodec` stores such arrays.  Not part
        of the metadata.

    Notes
    -----
    Use it as the serializer: ``zarr.create_array(..., serializer=
    ZFPCodec(tolerance=1e-3), compressors=None)`` (zarr appends zstd when
    ``compressors`` is left at its default), or inside the sharding codec.
    Chunks hold the bare zfp stream (no header); see the module docstring
    for the data types.  Instances are immutable, hashable and picklable.
    """

    is_fixed_size = False

    zfp_mode: Mode
    threads: int = field(default=1, compare=False, repr=False)
    strict: bool = field(default=True, compare=False, repr=False)

    def __init__(self, mode: str | None = None, *, tolerance: Real | None = None,
                 rate: Real | None = None, precision: SupportsIndex | None = None,
                 minbits: SupportsIndex | None = None, maxbits: SupportsIndex | None = None,
                 maxprec: SupportsIndex | None = None, minexp: SupportsIndex | None = None,
                 reversible: bool = False, threads: int = 1, strict: bool = True) -> None:
        self._set(Mode.from_parameters(mode, tolerance=tolerance, rate=rate,
                                       precision=precision, reversible=bool(reversible),
                                       minbits=minbits, maxbits=maxbits, maxprec=maxprec,
                                       minexp=minexp), threads, strict)

    def _set(self, zmode: Mode, threads: int, strict: bool) -> None:
        object.__setattr__(self, "zfp_mode", zmode)
        object.__setattr__(self, "threads", engine.thread_count(threads))
        object.__setattr__(self, "strict", strict_flag(strict))

    @classmethod
    def from_mode(cls, zmode: Mode, *, threads: int = 1, strict: bool = True) -> Self:
        """The codec for an already validated `zfpcodec.modes.Mode` (for
        instance ``ZFPCodec.from_mode(zfp.zfp_mode)`` for a numcodecs
        `zfpcodec.ZFP`)."""
        codec = cls.__new__(cls)
        codec._set(zmode, threads, strict)
        return codec

    @property
    def mode(self) -> str:
        """The mode's name in the metadata (``"fixed_rate"``, ...)."""
        return self.zfp_mode.kind

    # ------------------------------------------------------------------
    # metadata

    def to_dict(self) -> dict[str, JSON]:
        """``{"name": "zfp", "configuration": {"mode": ..., <parameters>}}``."""
        return {"name": CODEC_NAME, "configuration": self.zfp_mode.to_zarr3_config()}

    @classmethod
    def from_dict(cls, data: dict[str, JSON]) -> Self:
        """Inverse of `to_dict`; the configuration must match the schema
        (its mode's parameters, all of them, and nothing else)."""
        if not isinstance(data, dict) or data.get("name") != CODEC_NAME:
            raise ValueError(f"expected a {{'name': {CODEC_NAME!r}, 'configuration': ...}} "
                             f"codec, not {data!r}")
        configuration = data.get("configuration")
        if set(data) - {"name", "configuration"} or not isinstance(configuration, dict):
            raise ValueError(f"malformed zfp codec metadata {data!r}")
        return cls.from_mode(Mode.from_zarr3_config(configuration))

    def __repr__(self) -> str:
        return codec_repr(type(self).__name__, [f"mode={self.mode!r}", *self.zfp_mode.arguments],
                          self.threads, self.strict)

    # ------------------------------------------------------------------
    # zarr's codec interface

    def validate(self, *, shape: tuple[int, ...], dtype: ZDType[TBaseDType, TBaseScalar],
                 chunk_grid: object) -> None:
        """Refuse, when the array is created, what the codec cannot store.
        (`chunk_grid`: any object, its `chunk_shape` is used where it has
        one; zarr's own type for it changes between releases.)"""
        self._check(native_dtype(dtype), getattr(chunk_grid, "chunk_shape", shape))

    def _check(self, dtype: np.dtype[Any], chunk_shape: tuple[int, ...]) -> _Storage:
        storage = _storage(dtype)
        _zfp_shape(chunk_shape)
        check_zarr3_accuracy(self.mode, storage.zfp_dtype, dtype)
        return storage

    def compute_encoded_size(self, input_byte_length: int, chunk_spec: ArraySpec) -> int:
        raise NotImplementedError("zfp streams vary in size")

    def resolve_metadata(self, chunk_spec: ArraySpec) -> ArraySpec:
        return chunk_spec

    def evolve_from_array_spec(self, array_spec: ArraySpec) -> Self:
        return self

    def _encode_sync(self, chunk_array: NDBuffer, chunk_spec: ArraySpec) -> Buffer:
        chunk = chunk_array.as_numpy_array()
        storage = self._check(chunk.dtype, chunk_spec.shape)
        values = storage.promote(chunk).reshape(_zfp_shape(chunk.shape))
        try:
            stream = bound.compress_checked(values, self.zfp_mode, strict=self.strict,
                                            codec=type(self).__name__, header=False,
                                            rate_clamp=True, threads=self.threads)
        except bound.BoundError as error:
            if chunk.dtype.kind not in "mM":
                raise
            raise _time_bound_error(error, chunk.dtype, type(self).__name__) from None
        return chunk_spec.prototype.buffer.from_bytes(stream)

    def _decode_sync(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> NDBuffer:
        dtype = native_dtype(chunk_spec.dtype)
        storage = self._check(dtype, chunk_spec.shape)
        shape = _zfp_shape(chunk_spec.shape)
        data = chunk_bytes.as_numpy_array()
        zmode = self.zfp_mode
        if zmode.kind == FIXED_RATE:
            zmode = _rate_convention(zmode, engine.as_stream(data), storage.zfp_dtype, shape)
        # "same" types decode straight into the array's dtype and byte order
        values = np.empty(shape, dtype=dtype if storage.kind == "same" else storage.zfp_dtype)
        engine.decompress(data, out=values, dtype=storage.zfp_dtype, shape=shape,
                          mode=zmode, rate_clamp=True, threads=self.threads,
                          exact_length=True)
        if storage.kind != "same":
            values = storage.demote(values, dtype)
        return chunk_spec.prototype.nd_buffer.from_numpy_array(
            values.reshape(chunk_spec.shape))

    async def _decode_partial_single(self, byte_getter: ByteGetter, selection: SelectorTuple,
                                     chunk_spec: ArraySpec) -> NDBuffer | None:
        """``chunk[selection]`` (None for a missing chunk), decoding only the
        blocks the selection touches and, where the mode allows, reading
        only their bytes (see the module docstring)."""
        dtype = native_dtype(chunk_spec.dtype)
        storage = self._check(dtype, chunk_spec.shape)
        prototype = chunk_spec.prototype
        layout = None  # set while the blocks alone are to be decoded
        if chunk_spec.shape:
            layout = StreamLayout.headerless(storage.zfp_dtype, chunk_spec.shape,
                                             self.zfp_mode)
            sel = parse_selection(selection, layout.shape)
            if layout.touches_every_block(sel) or _conventions_tie(layout, self.zfp_mode):
                layout = None  # read and decoded whole, as without partial decoding
            ranges = _ranges_to_fetch(layout, sel) if layout else None
            if layout is not None and ranges is not None:
                pieces = await _fetch(byte_getter, layout, ranges, prototype) if ranges else []
                if pieces == _MISSING:
                    return None
                if pieces is not None and not _whole_chunk(layout, pieces, ranges):
                    return await self._decode_blocks(pieces, sel, layout, storage, dtype,
                                                     prototype)
                if pieces is not None:  # the whole chunk: the whole-chunk decoder checks it
                    whole = prototype.buffer.from_array_like(pieces[0][1])
                    chunk = await asyncio.to_thread(self._decode_sync, whole, chunk_spec)
                    return chunk[selection]
                layout = None  # not a chunk of this layout: the whole-chunk decoder decides
        chunk_bytes = await byte_getter.get(prototype=prototype)
        if chunk_bytes is None:
            return None
        if layout is not None and len(chunk_bytes) == layout.stream_bytes:
            return await self._decode_blocks([(0, chunk_bytes.as_numpy_array())], sel, layout,
                                             storage, dtype, prototype)
        chunk = await asyncio.to_thread(self._decode_sync, chunk_bytes, chunk_spec)
        return chunk[selection]

    async def _decode_blocks(self, pieces: _Pieces, sel: Selection, layout: StreamLayout,
                             storage: _Storage, dtype: np.dtype[Any],
                             prototype: BufferPrototype) -> NDBuffer:
        values = await asyncio.to_thread(self._decode_pieces, pieces, sel, layout, storage,
                                         dtype)
        return prototype.nd_buffer.from_numpy_array(values)

    def _decode_pieces(self, pieces: _Pieces, sel: Selection, layout: StreamLayout,
                       storage: _Storage, dtype: np.dtype[Any]) -> NDArray[Any]:
        # "same" types decode straight into the array's dtype and byte order
        out = np.empty(sel.shape, dtype=dtype if storage.kind == "same" else storage.zfp_dtype)
        decompress_region(pieces, sel, layout=layout, out=out, threads=self.threads)
        return out if storage.kind == "same" else storage.demote(out, dtype)

    async def _encode_single(self, chunk_array: NDBuffer, chunk_spec: ArraySpec) -> Buffer:
        return await asyncio.to_thread(self._encode_sync, chunk_array, chunk_spec)

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> NDBuffer:
        return await asyncio.to_thread(self._decode_sync, chunk_bytes, chunk_spec)


def _rate_convention(zmode: Mode, data: memoryview, zfp_dtype: np.dtype[Any],
                     shape: tuple[int, ...]) -> Mode:
    """The mode a fixed-rate chunk was written in: `zmode` (the rate applied
    to the chunk's rank) or the expert equivalent of the zarrs convention
    (applied as if 3-D), chosen by the chunk's length (module docstring)."""
    ztype = engine.ztype_of(zfp_dtype)
    ours = zmode.params(len(shape), ztype)
    zarrs = zmode.params(_ZARRS_RATE_RANK, ztype)
    if ours == zarrs:
        return zmode
    blocks = math.prod(-(-n // 4) for n in shape)
    fits = [params for params in (ours, zarrs)
            if engine.padded_bytes(blocks * params[1]) == data.nbytes]
    if len(fits) == 2 and not _zero_after(data, blocks * ours[1]):
        fits = [zarrs]
    if not fits:
        raise ZFPError(
            f"zfp chunk of {data.nbytes} bytes does not fit its metadata (fixed_rate "
            f"{zmode.rate}, {zfp_dtype} chunk of shape {shape}, {blocks} blocks): "
            f"at {ours[1]} bits per block (the rate applied to the chunk's rank, as zfp "
            f"does) it would take {engine.padded_bytes(blocks * ours[1])} bytes, at "
            f"{zarrs[1]} (applied as if 3-D, as zarrs does) "
            f"{engine.padded_bytes(blocks * zarrs[1])}", "length")
    if fits[0] == ours:
        return zmode
    bits = zarrs[1]
    return Mode.from_args(minbits=bits, maxbits=bits, maxprec=ZFP_MAX_PREC, minexp=ZFP_MIN_EXP)


def _zero_after(data: memoryview, bit: int) -> bool:
    """Whether every bit of `data` from stream bit `bit` on is zero (bits
    are numbered from bit 0 of byte 0, format.md §1.1)."""
    tail = np.frombuffer(data, dtype=np.uint8)[bit // 8:]
    return not tail.size or (int(tail[0]) >> (bit % 8) == 0 and not tail[1:].any())


_MISSING: Final = "missing"
# a chunk's pieces: (byte offset in the chunk, its bytes)
_Pieces = list[tuple[int, NDArray[Any]]]


def _ranges_to_fetch(layout: StreamLayout, sel: Selection) -> list[tuple[int, int]] | None:
    """The byte ranges to request for `sel`, or None to read the whole
    chunk in one request, which costs no more (`fetch_cost`).

    Fixed rate: the chunk's length L is checked on the way (the last request
    reaches one byte past L, which a longer chunk returns, and a shorter one
    does not reach): a chunk of another length is another writer's
    convention (zarrs applies a fixed rate as if every chunk were 3-D) or
    not a chunk of this shape at all, and its blocks lie elsewhere.
    Other modes get the prefix `StreamLayout.byte_ranges` names: a chunk
    shorter than that bound comes back whole (`_whole_chunk`).
    """
    ranges = layout.byte_ranges(sel, max_gap=RANGE_MERGE_GAP)
    length = layout.stream_bytes
    if length is None or not ranges:
        return ranges
    start, stop = ranges[-1]
    if length - 1 - stop <= RANGE_MERGE_GAP:
        ranges[-1] = (start, length + 1)
    else:
        ranges.append((length - 1, length + 1))
    return ranges if fetch_cost(ranges) < fetch_cost([(0, length)]) else None


def _conventions_tie(layout: StreamLayout, mode: Mode) -> bool:
    """Whether a fixed-rate chunk of this layout has the same length in
    both conventions with different blocks (`_rate_convention` breaks the
    tie by the whole chunk's padding bits)."""
    if mode.kind != FIXED_RATE:
        return False
    zarrs = replace(layout, params=mode.params(_ZARRS_RATE_RANK, layout.ztype))
    return zarrs.params != layout.params and zarrs.stream_bytes == layout.stream_bytes


def _whole_chunk(layout: StreamLayout, pieces: _Pieces, ranges: list[tuple[int, int]]) -> bool:
    """Whether the one prefix requested of a variable-length chunk came
    back shorter: then it is the whole chunk, and decoding it whole checks
    that it fits its shape, which decoding the selected blocks cannot.
    (Fixed-rate chunks have their length checked by `_fetch`.)"""
    return layout.stream_bytes is None and len(ranges) == 1 and len(pieces) == 1 and \
        pieces[0][1].size < ranges[0][1] - ranges[0][0]


def fetch_cost(ranges: list[tuple[int, int]]) -> int:
    """The cost of fetching `ranges` in bytes: their length, plus
    `REQUEST_COST_BYTES` per request."""
    return sum(stop - start for start, stop in ranges) + REQUEST_COST_BYTES * len(ranges)


async def _fetch(byte_getter: ByteGetter, layout: StreamLayout, ranges: list[tuple[int, int]],
                 prototype: BufferPrototype) -> _Pieces | Literal["missing"] | None:
    """`ranges` of a chunk as pieces ``[(start, bytes)]``; `_MISSING` when
    the chunk does not exist; None when it is not as long as `layout` says
    (another writer's convention, or damage)."""
    try:
        got = await asyncio.gather(*(byte_getter.get(prototype=prototype,
                                                     byte_range=RangeByteRequest(start, stop))
                                     for start, stop in ranges))
    except Exception:
        # Stores report a range that starts past the end of a shorter
        # object differently: an empty or short buffer, or an exception
        # (obstore).  The whole-chunk read that follows either decodes the
        # chunk or raises the store's (or the decoder's) real error.
        return None
    if all(piece is None for piece in got):
        return _MISSING
    if any(piece is None for piece in got):
        return None  # the chunk changed between the requests
    present = cast("list[Buffer]", got)  # none of them None (checked above)
    if layout.stream_bytes is not None:
        wanted = [stop - start for start, stop in ranges]
        if ranges[-1][1] > layout.stream_bytes:
            wanted[-1] -= 1  # the length check asks for one byte past the end
        if [len(piece) for piece in present] != wanted:
            return None  # a chunk of another length
    return [(start, piece.as_numpy_array()) for (start, _), piece in zip(ranges, present)]


if TYPE_CHECKING:
    from .zarr3_masked import MaskedZFPCodec as MaskedZFPCodec
else:
    def __getattr__(name: str) -> object:
        # MaskedZFPCodec (zfpcodec.zarr3_masked, which builds on this module)
        # is imported on first use
        if name == "MaskedZFPCodec":
            from .zarr3_masked import MaskedZFPCodec
            return MaskedZFPCodec
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
