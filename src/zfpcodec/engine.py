"""Arrays to zfp streams and back, with our own (strict) API.

`compress` and `decompress` are what the codecs and the command line build
on: a `Mode` instead of zfpy's sentinel arguments, optional headers,
decompression straight into a caller's array, and threads.  Neither loses
data silently (docs/guarantees.md): `compress` refuses streams no zfp
reader decodes back (`unreadable`), `decompress(exact_length=True)` streams
that do not fit their description, and `stream_bits` / `check_complete`
tell whether a stream is whole without decoding it.
"""

from __future__ import annotations

import operator
import sys
from math import prod
from typing import TYPE_CHECKING, Any, Callable, Sequence, SupportsIndex, TypeVar, cast

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _zfp
from .errors import ZFPError
from .modes import ZFP_MIN_EXP, Mode, Params, describe_params

if TYPE_CHECKING:
    from ._typing import BufferLike, NumericArray

MAGIC = b"zfp"
CODEC_VERSION = 5
HEADER_MIN_BITS = 96   # format.md §2: magic 32 + META 52 + short MODE 12
WORD_BITS = 64         # streams end padded to a whole word (format.md §1.4)
BYTE_BITS = 8          # bits in a byte, the smallest stream word of any zfp build
# format.md §2.3: the long MODE field holds minbits - 1 in 15 bits, so a header
# cannot describe blocks padded to more bits than this
HEADER_MAX_MINBITS = 1 << 15
# format.md §14.2: zfp's readers keep 32 of the 48 bits of a 1-D size
HEADER_MAX_1D_SIZE = 1 << 32
MAX_SIZE = 2**64 - 1   # an axis length is a C size_t

_ZTYPES: dict[np.dtype[Any], int] = {np.dtype(np.int32): 1, np.dtype(np.int64): 2,
           np.dtype(np.float32): 3, np.dtype(np.float64): 4}
DTYPES = {code: dtype for dtype, code in _ZTYPES.items()}


def ztype_of(dtype: DTypeLike) -> int:
    """zfp type code of a dtype of either byte order; TypeError otherwise."""
    kind = np.dtype(dtype)
    code = _ZTYPES.get(kind.newbyteorder("=")) if kind.byteorder != "|" else None
    if code is None:
        raise TypeError(f"zfp compresses int32, int64, float32 and float64 arrays, "
                        f"not {kind}{_conversion_hint(kind)}")
    return code


def _conversion_hint(kind: np.dtype[Any]) -> str:
    """What to store instead of values of dtype `kind`, where a zfp type
    holds them (or the part of them that matters) exactly."""
    if kind.kind in "biu" and kind.itemsize <= 2 or kind == np.uint32:
        wider = "int64" if kind == np.uint32 else "int32"
        return (f": store values.astype(np.{wider}), which holds every {kind} value, "
                f"and cast back after decoding")
    if kind.kind == "f" and kind.itemsize < 4:
        return ": store values.astype(np.float32), which holds every float16 value"
    if kind == np.uint64:
        return ": no zfp type holds every uint64; int64 holds those below 2**63"
    if kind.kind == "c":
        part = "float32" if kind.itemsize == 8 else "float64"
        return (f": store the real and imaginary parts as {part} "
                f"(np.stack([values.real, values.imag]))")
    if kind.kind in "mM":
        return (": store its counts, values.view(np.int64) (NaT, -2**63, needs "
                "reversible mode)")
    return ""


_Coded = TypeVar("_Coded")  # what a coder of _compress returns

MAX_THREADS = 2**32 - 1  # the engine's thread count is a C unsigned


def thread_count(threads: SupportsIndex) -> int:
    """The one rule for `threads=` in every door: an integer 0..2**32-1
    (0: one thread per core).  bool and float are refused, as
    `operator.index` refuses them: ``threads=2.0`` is a TypeError."""
    if isinstance(threads, bool):
        raise TypeError("threads must be an integer, not bool")
    try:
        count = operator.index(threads)
    except TypeError:
        raise TypeError(f"threads must be an integer, not {type(threads).__name__}") from None
    if not 0 <= count <= MAX_THREADS:
        raise ValueError(f"threads must be 0 (one per core) or a count up to {MAX_THREADS}, "
                         f"not {count}")
    return count


def check_shape(shape: tuple[int, ...], verb: str = "compress") -> None:
    """A shape zfp can store: 1 to 4 axes, none of them empty, none longer
    than a C size_t counts."""
    if not 1 <= len(shape) <= 4:
        raise ValueError(f"zfp {verb}es arrays of 1 to 4 dimensions, not {len(shape)}")
    if any(n < 0 for n in shape):
        raise ValueError(f"shape {shape} has a negative size")
    if 0 in shape:
        raise ValueError(f"cannot {verb} an empty array (shape {shape}): zfp cannot "
                         "store a zero-length axis")
    if any(n > MAX_SIZE for n in shape):
        raise ValueError(f"shape {shape} has an axis longer than 2**64 - 1")


def unreadable(ztype: int, dims: int, params: Params, header: bool) -> str | None:
    """Why no zfp reader (ours or LLNL's) would decode a stream written with
    these coder parameters back to its array, or None.  Every door refuses
    such streams before writing them:

    * integer blocks of 0 bits (maxbits 0, e.g. a rate below
      1/(2*4**dims) bits per value): the encoder writes nothing per block,
      every reader reads at least 1 bit (a header even records maxbits 1,
      format.md §14.1);
    * with a header, blocks padded to more than `HEADER_MAX_MINBITS` bits
      (e.g. a rate above 2**15/4**dims): the header cannot record so many,
      and readers pad the blocks to fewer bits than were written;
    * floats in reversible expert parameters (minexp < -1074) with
      minbits > 1: zfp writes a block of zeros as 1 bit, unpadded, and
      reads it as minbits (format.md §11.10), so what follows such a block
      decodes as garbage, and a stream ending in one is cut short.

    Arrays whose size a header cannot hold are refused by the engine itself
    (`compress`'s "does not fit the zfp header")."""
    minbits, maxbits = params[0], params[1]
    if DTYPES[ztype].kind == "i" and maxbits == 0:
        return (f"{dims}-D integer blocks of 0 bits (fixed rate below "
                f"1/{2 * 4**dims} bit per value, or maxbits=0) cannot be read back: "
                "every zfp reader takes at least 1 bit per block; integer arrays need "
                f"a rate >= {1 / (2 * 4**dims):g} in {dims}-D (maxbits >= 1)")
    if unpadded_zero_blocks(ztype, params):
        return (f"reversible {DTYPES[ztype]} blocks with minbits={minbits} cannot be "
                "read back: zfp writes a block of zeros in 1 bit whatever minbits, "
                "and its readers skip minbits bits past it; use minbits=1 (or the "
                "reversible mode)")
    if header and minbits > HEADER_MAX_MINBITS:
        return (f"blocks of {minbits} bits cannot be read back through a zfp header, "
                f"which records at most {HEADER_MAX_MINBITS} bits per block (a rate of "
                f"{HEADER_MAX_MINBITS / 4**dims:g} bits per value in {dims}-D); use a "
                "lower rate or minbits, or write no header")
    return None


def header_size_problem(shape: tuple[int, ...]) -> str:
    """Why a header cannot hold `shape` (the engine refused it)."""
    if len(shape) == 1 and shape[0] > HEADER_MAX_1D_SIZE:
        return (f"a 1-D array of {shape[0]} values cannot be read back through a zfp "
                f"header: zfp readers keep 32 bits of a 1-D size (at most 2**32 values); "
                "compress it as a 2-D array or without a header")
    return (f"shape {shape} does not fit the zfp header (per axis: 1-D 2**32 values, "
            "2-D 2**24, 3-D 2**16, 4-D 2**12); compress without a header")


def compress(arr: NumericArray, mode: Mode, *, header: bool = True,
             rate_clamp: bool = True, threads: int = 1) -> bytes:
    """The zfp stream of `arr` (1 to 4 dimensions, any layout and byte
    order) in `mode`, with the full header unless `header` is False.
    `rate_clamp` applies the float/double minimum block size to fixed rates
    (what zfp does when told the type, and what `decompress` and
    `zfpcodec.region` assume of a headerless stream by default); False
    writes zfpy's compress_numpy bytes, whose headerless streams at rates
    below that size (e.g. 3 bits a value for 1-D float64) decode only with
    rate_clamp=False too.

    Raises ValueError, before writing anything, for a stream no zfp reader
    would decode back (`unreadable`, or a shape the header cannot hold);
    MemoryError, saying how much for what, when the stream's buffer cannot
    be allocated (it starts small and grows with the stream)."""
    return _compress(arr, mode, header, rate_clamp, threads, _zfp.compress)


def compress_report(arr: NumericArray, mode: Mode, *, header: bool = True,
                    rate_clamp: bool = True, threads: int = 1
                    ) -> tuple[bytes, tuple[int, int, int]]:
    """`compress`, and what the engine found while coding: the numbers of
    blocks holding NaN or +-inf, of blocks too wide for fixed accuracy (of
    an integer array: holding values beyond zfp's integer range, in lossy
    modes), and of blocks of magnitudes block floating point cannot scale
    (`zfpcodec.bound` says what they mean)."""
    stream, nonfinite, wide, scale = _compress(arr, mode, header, rate_clamp, threads,
                                               _zfp.compress_report)
    return stream, (nonfinite, wide, scale)


def compress_filled(arr: NDArray[Any], mode: Mode, fill: NDArray[Any] | None,
                    bitmap: NDArray[np.uint8], *, header: bool = True,
                    rate_clamp: bool = True, threads: int = 1
                    ) -> tuple[bytes, tuple[int, int, int], tuple[int, int, bool]]:
    """`compress_report` of the C-contiguous, native-order `arr` whose
    missing values (NaN and +-inf, and those equal to `fill`, a 0-d array
    of `arr`'s dtype, when not None) the engine fills block by block as it
    codes them (csrc/fill.c), so no filled copy of the array is made; and
    what it found as it coded: the masked container's bitmap, written to
    `bitmap` (ceil(size / 8) bytes), and (how many values are missing, the
    bit pattern of one, whether they all share it)."""
    def coder(values: NDArray[Any], ztype: int, params: Params, header: bool,
              byteswap: bool, threads: int) -> tuple[bytes, int, int, int, int, int, bool]:
        return _zfp.compress_filled(values, ztype, params, header, threads, fill, bitmap)

    stream, nonfinite, wide, scale, count, pattern, uniform = _compress(
        arr, mode, header, rate_clamp, threads, coder)
    return stream, (nonfinite, wide, scale), (count, pattern, uniform)


def _compress(arr: NumericArray, mode: Mode, header: bool, rate_clamp: bool, threads: int,
              coder: Callable[[NDArray[Any], int, Params, bool, bool, int], _Coded]
              ) -> _Coded:
    values = np.asanyarray(arr)
    ztype = ztype_of(values.dtype)
    check_shape(values.shape)
    params = mode.params(values.ndim, ztype if rate_clamp else 0)
    problem = unreadable(ztype, values.ndim, params, header)
    if problem:
        raise ValueError(f"{mode!r}: {problem}")
    try:
        return coder(values, ztype, params, header, not values.dtype.isnative,
                     thread_count(threads))
    except ZFPError as error:
        if error.status == "header_size":
            raise ValueError(header_size_problem(values.shape)) from None
        raise


# --------------------------------------------------------------------------
# Checks on compressed input, shared with the zfpy drop-in (zfpcodec.api)

def as_stream(data: BufferLike) -> memoryview:
    """A flat, read-only byte view of compressed input: bytes, bytearray,
    memoryview, mmap, a uint8 ndarray or any other C-contiguous buffer;
    ZFPError when it is empty."""
    view = as_bytes(data)
    if view.nbytes == 0:
        raise ZFPError("compressed data is empty (0 bytes)", "truncated")
    return view


def as_bytes(data: BufferLike) -> memoryview:
    """`as_stream`'s view, which may be empty (a piece of a stream)."""
    if data is None:
        raise TypeError("compressed data cannot be None")
    try:
        # an array's .data is memoryview(array); NumPy's stubs declare arrays
        # buffers only for Python >= 3.12
        view = data.data if isinstance(data, np.ndarray) else memoryview(data)
    except (TypeError, ValueError):
        raise TypeError("a bytes-like object is required, "
                        f"not '{type(data).__name__}'") from None
    if view.format == "O":
        raise TypeError("compressed data must be a buffer of bytes, not of Python objects")
    if not view.c_contiguous:
        raise ValueError("compressed data must be a C-contiguous buffer "
                         f"(got strides {view.strides})")
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view.toreadonly()


# The masked container's magic (zfpcodec.masked, docs/masked-format.md),
# named where a plain reader meets one
MASKED_MAGIC = b"ZFPM"


def header_problem(view: memoryview) -> str:
    """Why the zfp header at the start of `view` cannot be read (format.md §2.4)."""
    head = bytes(view[:4])
    if head == MASKED_MAGIC:
        return ("not a plain zfp stream but a masked container (it starts with b'ZFPM'): "
                "decode it with zfpcodec.MaskedZFP, or the Zarr v3 codec MaskedZFPCodec")
    if head[:3] != MAGIC[:len(head[:3])]:
        return f"not a zfp stream: it starts with {head!r}, not b'zfp\\x05'"
    if len(head) == 4 and head[3] != CODEC_VERSION:
        return (f"unsupported zfp codec version {head[3]}: only version {CODEC_VERSION} "
                "(zfp 0.5.5 to 1.0.x) is readable")
    if view.nbytes * 8 < HEADER_MIN_BITS:
        return (f"input of {view.nbytes} bytes is too short for a zfp header "
                f"({HEADER_MIN_BITS // 8} bytes at least)")
    return ("corrupt zfp header: the mode field is invalid or cut off "
            "(minbits > maxbits, maxprec outside 1..64, or a long mode field "
            f"past the end of the {view.nbytes}-byte input)")


def check_fits(nbytes: int, bit_offset: int, ztype: int, sizes: tuple[int, ...],
               params: Params, shape: tuple[int, ...]) -> None:
    """Raise ZFPError when a stream of `nbytes` bytes cannot hold the
    blocks of an array of zfp `sizes` after `bit_offset` bits, whatever its
    bits: each block takes at least `_zfp.block_min_bits` bits to decode
    (csrc/validate.c).  Called before the output is allocated, so a forged
    header that declares a huge array costs nothing."""
    def what() -> str:  # only when raising: naming a dtype costs microseconds
        name = f"{DTYPES[ztype]} array of shape {shape}"
        return ("an " if name[0] in "aeiou" else "a ") + name

    try:
        needed = _zfp.stream_min_bits(ztype, tuple(sizes), params)
    except ZFPError:
        raise ZFPError(f"{what()} is too large: its number of blocks does not fit "
                       "in 64 bits", "too_large") from None
    available = max(nbytes * 8 - bit_offset, 0)
    if needed > available:
        where = f" after its {bit_offset}-bit header" if bit_offset else ""
        why = (f"; unless it was cut short, zfp wrote it with a block of zeros, which "
               f"zfp codes in 1 bit in reversible mode whatever minbits ({params[0]} "
               "here), while its readers take minbits: such a stream does not fit its "
               "header" if unpadded_zero_blocks(ztype, params) else "")
        raise ZFPError(
            f"compressed stream is truncated: {what()} takes at least {needed} bits "
            f"of blocks, but the {nbytes}-byte input holds only {available}"
            f"{where}{why}", "truncated")


def unpadded_zero_blocks(ztype: int, params: Params) -> bool:
    """Whether zfp writes this type's blocks of zeros shorter than its
    readers read them (`unreadable`'s third case)."""
    return DTYPES[ztype].kind == "f" and params[0] > 1 and params[3] < ZFP_MIN_EXP


def allocate(shape: tuple[int, ...], dtype: DTypeLike) -> NDArray[Any]:
    """np.empty(shape, dtype), failing with a MemoryError that names the
    array when it cannot be allocated."""
    kind = np.dtype(dtype)
    nbytes = prod(shape) * kind.itemsize
    if nbytes > sys.maxsize:
        raise MemoryError(f"cannot allocate the decompressed {kind} array of shape "
                          f"{shape}: {nbytes} bytes is more than this machine can "
                          "address")
    try:
        return np.empty(shape, dtype=kind)
    except (MemoryError, ValueError):
        raise MemoryError(f"cannot allocate {nbytes / 2**30:.1f} GiB for the "
                          f"decompressed {kind} array of shape {shape}") from None


def decode_into(view: memoryview, bit_offset: int, out: NDArray[Any], ztype: int,
                params: Params, threads: int) -> int:
    """Decode the blocks at `bit_offset` of `view` into `out`; a stream that
    ends before its last block raises ZFPError (out is then partly written).
    Returns the stream bit where the last block ends."""
    try:
        return _zfp.decompress_into(view, bit_offset, out, ztype, params,
                                    not out.dtype.isnative, threads)
    except ZFPError as error:
        if error.status == "truncated":
            raise ZFPError(
                f"compressed stream is truncated: the {view.nbytes}-byte input ends "
                f"before the last block of the {out.dtype} array of shape "
                f"{out.shape} is decoded", "truncated") from None
        raise


def padded_bytes(bits: int, word_bits: int = WORD_BITS) -> int:
    """The length in bytes of a stream whose blocks end at bit `bits`: zfp
    pads it with zeros to a whole stream word, 64 bits in zfpy and here
    (format.md §1.4)."""
    return -(-bits // word_bits) * (word_bits // BYTE_BITS)


def numpy_shape(sizes: Sequence[int]) -> tuple[int, ...]:
    """zfp sizes (x first, 0 = unused) as a NumPy shape (x last)."""
    return tuple(n for n in reversed(sizes) if n)


def read_header(data: BufferLike, *, fits: bool = False
                ) -> tuple[np.dtype[Any], tuple[int, ...], Params, int]:
    """(dtype, NumPy shape, coder parameters, header length in bits).
    Raises ZFPError saying what is wrong with a missing or corrupt header,
    and with `fits` for a stream too short for the blocks its header
    declares (as `decompress` would, before allocating)."""
    view = as_stream(data)
    try:
        ztype, sizes, params, bits = _zfp.read_header(view)
    except ZFPError:
        raise ZFPError(header_problem(view), "header") from None
    shape = numpy_shape(sizes)
    if fits:
        check_fits(view.nbytes, bits, ztype, tuple(sizes), params, shape)
    return DTYPES[ztype], shape, params, bits


def _layout(view: memoryview, dtype: DTypeLike | None, shape: Sequence[SupportsIndex] | None,
            mode: Mode | None, rate_clamp: bool) -> tuple[np.dtype[Any], tuple[int, ...],
                                                          Params, int]:
    """(dtype, shape, coder parameters, bit offset of the blocks) of a
    stream: from its header, or from the caller for a headerless one."""
    if dtype is None and shape is None and mode is None:
        return read_header(view)
    if dtype is None or shape is None or mode is None:
        raise TypeError("give dtype, shape and mode together (headerless stream), "
                        "or none of them")
    dims = tuple(_size(n) for n in shape)
    check_shape(dims, "decompress")
    kind = np.dtype(dtype)
    return kind, dims, mode.params(len(dims), ztype_of(kind) if rate_clamp else 0), 0


def _sizes(shape: tuple[int, ...]) -> tuple[int, ...]:
    """zfp sizes (x first, 0 = unused) of a NumPy shape."""
    return tuple(reversed(shape)) + (0,) * (4 - len(shape))


def stream_bits(data: BufferLike, *, dtype: DTypeLike | None = None,
                shape: Sequence[SupportsIndex] | None = None, mode: Mode | None = None,
                rate_clamp: bool = True) -> int:
    """Where the zfp stream in `data` ends: the number of bits from its
    start (header included) to the end of its last block, found without
    decoding any value.

    The stream is read as `decompress` reads it (its header, or `dtype`,
    `shape` and `mode` for a headerless stream).  For fixed rate, where
    every block has the same length, the header or shape alone gives the
    answer; otherwise one pass reads through the blocks (the pass the
    engine's threads use to find where chunks of blocks start), a fraction
    of the work of decoding.  The stream's full length in bytes is
    `padded_bytes` of the result.

    Raises ZFPError ("truncated") when `data` ends before the last block,
    and as `decompress` does for a missing or corrupt header.
    """
    view = as_stream(data)
    kind, dims, params, offset = _layout(view, dtype, shape, mode, rate_clamp)
    ztype = ztype_of(kind)
    check_fits(view.nbytes, offset, ztype, _sizes(dims), params, dims)
    try:
        return _zfp.stream_bits(view, offset, ztype, _sizes(dims), params)
    except ZFPError as error:
        if error.status == "truncated":
            raise ZFPError(
                f"compressed stream is truncated: the {view.nbytes}-byte input ends "
                f"before the last block of the {kind} array of shape {dims}",
                "truncated") from None
        raise


def check_complete(data: BufferLike, *, dtype: DTypeLike | None = None,
                   shape: Sequence[SupportsIndex] | None = None, mode: Mode | None = None,
                   rate_clamp: bool = True) -> int:
    """Check that `data` holds a whole zfp stream, as its writer wrote it:
    every block and the padding of the last word.  Returns the stream's
    length in bytes; bytes after it (which every zfp reader ignores) are
    the caller's to judge.

    Arguments as for `stream_bits`.  Raises ZFPError ("truncated") for an
    incomplete stream, e.g. a file cut short by a full disk, even when
    only padding is missing (such a stream still decodes, but it is not
    the file that was written).
    """
    view = as_stream(data)
    length = padded_bytes(stream_bits(view, dtype=dtype, shape=shape, mode=mode,
                                      rate_clamp=rate_clamp))
    if view.nbytes < length:
        raise ZFPError(f"compressed stream is truncated: it is {length} bytes long, "
                       f"but the input holds only {view.nbytes}", "truncated")
    return length


def decompress(data: BufferLike, *, out: NDArray[Any] | None = None,
               dtype: DTypeLike | None = None, shape: Sequence[SupportsIndex] | None = None,
               mode: Mode | None = None, rate_clamp: bool = True, threads: int = 1,
               exact_length: bool = False, any_word: bool = False) -> NDArray[Any]:
    """Decode a zfp stream.

    With a header (the default), its type, shape and mode are used; pass
    `dtype`, `shape` and `mode` instead for a headerless stream.  The values
    go into `out` when given (any layout, byte order matching `dtype`, shape
    as the stream's), else into a new C-ordered array, which is returned.

    With `exact_length`, `data` must be the stream and nothing else: it
    must end where the stream does (its last block, padded to a whole
    64-bit word).  A stream decoded with the wrong dtype, shape or mode (a
    chunk written with other parameters, metadata that does not match)
    almost never does, so this turns silent garbage into an error; use it
    wherever the container stores each stream on its own (Zarr chunks).
    `any_word` loosens that to the padding of any zfp build: its last
    block padded to a whole byte (a zfp built with 8-bit stream words, as
    Debian's zfp program is) up to a whole 64-bit word.

    `threads` decode blocks in parallel (0: all cores); the values do not
    depend on it.  A variable-rate stream stores no block offsets, so one
    thread locates the blocks the others decode; two threads on a long
    (16384 blocks and more) stream of an array under 128 MiB instead
    split it near the middle, and the second decodes its blocks into a
    buffer of its own (up to 64 MiB, half the array) until the first
    proves where they belong (4-D and 3-D reversible streams, and arrays
    whose buffer would pass 64 MiB, are located instead).

    Raises ZFPError (a ValueError) for empty input, a missing or corrupt
    header, a stream shorter than its blocks (before allocating wherever
    the length alone proves it) and, with `exact_length`, a stream whose
    length does not fit; ValueError or TypeError for bad arguments;
    MemoryError, naming the array, when it cannot be allocated.
    """
    view = as_stream(data)
    kind, dims, params, offset = _layout(view, dtype, shape, mode, rate_clamp)
    ztype = ztype_of(kind)
    threads = thread_count(threads)
    if out is not None:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy.ndarray, not {type(out).__name__}")
        if out.shape != dims or out.dtype.newbyteorder("=") != kind.newbyteorder("="):
            raise ValueError(f"out has dtype {out.dtype} and shape {out.shape}, the stream "
                             f"holds {kind} values of shape {dims}")
        if not out.flags.writeable:
            raise ValueError("out is read-only")
        if np.may_share_memory(out, np.frombuffer(view, dtype=np.uint8)):
            raise ValueError("out overlaps the compressed data: cannot decompress in place")
    check_fits(view.nbytes, offset, ztype, _sizes(dims), params, dims)
    if out is None:
        out = allocate(dims, kind)
    end = decode_into(view, offset, out, ztype, params, threads)
    if exact_length:
        check_ends_at(view.nbytes, end, any_word, kind, dims, params)
    return out


def check_length(data: BufferLike, *, dtype: DTypeLike | None = None,
                 shape: Sequence[SupportsIndex] | None = None, mode: Mode | None = None,
                 rate_clamp: bool = True, any_word: bool = False) -> None:
    """Raise ZFPError unless `data` ends where its stream does, as
    `decompress(exact_length=True, any_word=any_word)` would, without
    decoding a value (`stream_bits` finds the end): for readers that decode
    only part of a stream they have whole."""
    view = as_stream(data)
    kind, dims, params, _ = _layout(view, dtype, shape, mode, rate_clamp)
    end = stream_bits(view, dtype=dtype, shape=shape, mode=mode, rate_clamp=rate_clamp)
    check_ends_at(view.nbytes, end, any_word, kind, dims, params)


def check_ends_at(nbytes: int, end: int, any_word: bool, kind: np.dtype[Any],
                  dims: tuple[int, ...], params: Params) -> None:
    """ZFPError ("length") unless `nbytes` is the length of a stream whose
    blocks end at bit `end`: padded to a 64-bit word, or with `any_word` to
    any word size (8 to 64 bits)."""
    shortest = padded_bytes(end, BYTE_BITS) if any_word else padded_bytes(end)
    if shortest <= nbytes <= padded_bytes(end):
        return
    fits = " to ".join(dict.fromkeys(map(str, (shortest, padded_bytes(end)))))
    raise ZFPError(
        f"compressed data does not fit its description ({kind} array of shape "
        f"{dims}, {describe_params(params, len(dims))}): decoded that way "
        f"its blocks end after {fits} bytes, but it holds {nbytes}; it was "
        "written with other parameters or for another array", "length")


def _size(n: object) -> int:
    if isinstance(n, bool) or not hasattr(type(n), "__index__"):
        raise TypeError(f"shape entries must be integers, not {n!r}")
    return int(cast(SupportsIndex, n))
