"""Missing values stored exactly beside a zfp stream: the masked container.

zfp codes 4^d blocks in block floating point, so one huge fill value
(-1e10, -1e34) or one NaN or infinity in a block ruins its neighbours.  The
masked container keeps such values out of zfp:

1. The C engine marks what is missing (NaN and +-inf always, and the fill
   value when one is named) in the container's bitmap as it codes the
   blocks (`find` does it in a pass of its own).
2. `fill_missing` replaces the missing values of each 4^d block by the
   polynomial of least degree through each line's valid values, kept below
   the block's power of two (so the block's exponent is the valid values'
   own), and those of a block with no valid value by 0
   (zfp codes an all-zero block in 1 bit; blocks are coded independently,
   so no value helps a neighbour).
3. The mask (a bitmap, stored raw, deflated, or deflated after XOR-ing each
   slab along the first axis with the one before, whichever is smallest),
   the missing values' exact bit patterns (one pattern when they are all
   alike) and the zfp stream of the filled array (with its full header) go
   into one container.

Decoding decodes the zfp stream and writes the stored bit patterns back over
the missing positions, so NaN payloads and fill values come back bit for
bit.  docs/masked-format.md specifies the container byte by byte.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from . import _zfp, bound, engine
from .errors import ZFPError
from .modes import Mode

MAGIC = engine.MASKED_MAGIC  # (engine names it to plain readers that meet one)
VERSION = 1
PREAMBLE = struct.Struct("<4sBBBB")   # magic, version, mask, values, reserved
SECTION_LENGTH = struct.Struct("<Q")  # byte length before each section
DEFLATE_LEVEL = 1  # zlib level: higher ones take several times longer on masks for 10-30 % less
DEFLATE_PIECE = 1 << 15  # bytes deflated between checks of the stream's length
# A slab-delta bitmap is mostly runs of zero bytes, which zlib's run-length
# strategy finds without searching: on the benchmark's masks it is 1.3-1.5x
# faster and up to 30 % smaller than the default (WOA: 37 % larger, but 6x
# below the plain bitmap's deflate either way).  Readers need not know it.
DELTA_STRATEGY = zlib.Z_RLE
# A slab-delta section this small a share of the raw bitmap (a third of a
# bit per value or less) is kept without also deflating the bitmap: that
# deflate costs about as much time as the fill (Levitus: 0.9 ms of 8), and
# on the benchmark's real masks it never won: their slab-delta sections are
# 0.8-26 % of the raw bitmap, and the bitmap's deflate at least 23 % larger.
MASK_GOOD_ENOUGH = 1 / 3


class MaskEncoding(IntEnum):
    """How the mask section stores which values are missing."""

    NONE = 0      # nothing missing: no sections follow the preamble
    BITMAP = 1    # one bit per value, C order, least significant bit first
    DEFLATE = 2   # that bitmap, zlib-compressed
    SLAB_DELTA = 3  # that bitmap, each slab along axis 0 XOR the previous, zlib-compressed


class ValueEncoding(IntEnum):
    """How the values section stores the missing values' bit patterns."""

    NONE = 0      # with MaskEncoding.NONE only
    UNIFORM = 1   # one pattern, shared by every missing value
    EACH = 2      # one pattern per missing value, in C order
    DEFLATE = 3   # those patterns, zlib-compressed


_UINTS: dict[int, np.dtype[Any]] = {4: np.dtype("<u4"), 8: np.dtype("<u8")}
_Encoding = TypeVar("_Encoding", bound=IntEnum)


# --------------------------------------------------------------------------
# what counts as missing

@dataclass(frozen=True)
class Missing:
    """What counts as missing: NaN and +-inf always; `fill`, when not None,
    too (a value such as -1e10 or -9999 that stands for "no data").

    Build it with `Missing.parse` from ``"nan"`` (the default: non-finite
    values only) or a number.
    """

    fill: float | int | None = None

    @classmethod
    def parse(cls, value: Any) -> Missing:
        """``"nan"``, None or a NaN: non-finite values only; a finite
        number: that fill value too.  +-inf is refused as a fill value: it
        is always missing already."""
        if isinstance(value, Missing):
            return value
        if value is None or (isinstance(value, str) and value.strip().lower() == "nan"):
            return cls(None)
        if isinstance(value, (bool, np.bool_)) or isinstance(value, str) or \
                not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"missing must be 'nan' or a number (the fill value), "
                            f"not {value!r}")
        if isinstance(value, (int, np.integer)):
            try:
                float(value)
            except OverflowError:
                raise ValueError(f"missing={value} is out of range: no int32, int64, float32 "
                                 "or float64 value equals it") from None
            return cls(int(value))
        number = float(value)
        if math.isnan(number):
            return cls(None)
        if math.isinf(number):
            raise ValueError(f"missing={number} is not needed: +-inf always counts as "
                             "missing; give missing='nan' or a finite fill value")
        return cls(number)

    def to_config(self) -> str | float | int:
        """The JSON form: ``"nan"`` or the fill value."""
        return "nan" if self.fill is None else self.fill

    def fill_for(self, dtype: np.dtype[Any]) -> np.generic | None:
        """The fill value as a scalar of `dtype`, or None when there is
        none or it cannot occur in such an array (an integer array and a
        fill value that is no integer of its range).  A float fill value is
        rounded to the type, as the array's values were."""
        if self.fill is None:
            return None
        scalar: np.generic
        if dtype.kind == "f":
            with np.errstate(over="ignore"):
                scalar = dtype.type(self.fill)
            # beyond the type's range no value equals it (+-inf are missing anyway)
            return None if np.isinf(scalar) else scalar
        info = np.iinfo(dtype)
        if isinstance(self.fill, float) and not self.fill.is_integer() or \
                not info.min <= self.fill <= info.max:
            return None
        scalar = dtype.type(int(self.fill))
        return scalar

    def mask(self, values: NDArray[Any]) -> NDArray[Any]:
        """A boolean array, True where `values` is missing."""
        fill = self.fill_for(values.dtype)
        if values.dtype.kind == "f":
            mask: NDArray[Any] = ~np.isfinite(values)
            if fill is not None:
                mask |= values == fill
            return mask
        if fill is None:
            return np.zeros(values.shape, dtype=bool)
        found: NDArray[Any] = values == fill
        return found

    def __repr__(self) -> str:
        return f"Missing({self.to_config()!r})"


# --------------------------------------------------------------------------
# replacing missing values by values that compress well

def fill_missing(values: NDArray[Any], mask: NDArray[Any]) -> NDArray[Any]:
    """A C-ordered copy of `values` (native byte order) in which the
    missing values (True in `mask`) are replaced by values that zfp codes
    cheaply without widening any block's range.

    Blocks are the 4^d tiles from the origin, as zfp cuts them.  A block
    without a valid value becomes 0 (1 bit in zfp).  In a block with some,
    the missing values of each line along x (the last axis) that has valid
    values take the values of the polynomial of least degree through them
    (constant, line or parabola: the top coefficients of zfp's transform of
    the line become zero); the values still missing do the same along y
    with the values known by then, and so on up the axes, which fills the
    block.  Every filled value is clipped below the power of two above the
    valid values' magnitudes, so the block keeps their exponent and their
    error bound.
    Integers are rounded (csrc/fill.c does the work).
    """
    source = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    work = np.empty_like(source)
    _zfp.fill_gaps(source, work, np.packbits(np.asarray(mask, dtype=bool).reshape(-1),
                                             bitorder="little"),
                   engine.ztype_of(work.dtype))
    return work


@dataclass(frozen=True)
class Found:
    """Where an array is missing, as `find` reports it: the container's
    bitmap (C order, least significant bit first), how many values are
    missing, and their bit patterns (one when they all share it)."""

    bitmap: NDArray[np.uint8]
    count: int
    patterns: NDArray[Any]


def find(values: NDArray[Any], missing: Missing) -> Found:
    """The missing values of the C-contiguous, native-order `values`, found
    in one pass of the C engine (csrc/fill.c).  (`encode` has the engine
    find them while it codes the blocks, without a pass of its own.)"""
    ztype = engine.ztype_of(values.dtype)
    fill = missing.fill_for(values.dtype)
    bitmap = np.empty((values.size + 7) // 8, dtype=np.uint8)
    count, first, uniform = _zfp.find_missing(
        values, None if fill is None else np.array(fill), bitmap, ztype)
    bits = _bits(values)
    return Found(bitmap, count, bits[first:first + 1] if uniform else
                 _missing_patterns(values, bitmap))


def _bits(values: NDArray[Any]) -> NDArray[Any]:
    """The bit patterns of the C-contiguous, native-order `values`, flat."""
    return values.reshape(-1).view(_UINTS[values.dtype.itemsize].newbyteorder("="))


def _missing_patterns(values: NDArray[Any], bitmap: NDArray[np.uint8]) -> NDArray[Any]:
    """The bit patterns of the values of `values` set in `bitmap`, C order."""
    patterns: NDArray[Any] = _bits(values)[
        np.unpackbits(bitmap, count=values.size, bitorder="little").view(bool)]
    return patterns


# --------------------------------------------------------------------------
# the container

def encode(values: NDArray[Any], mode: Mode, missing: Missing, *, strict: bool = True,
           codec: str = "MaskedZFP", threads: int = 1) -> bytes:
    """The masked container of `values` (int32, int64, float32 or float64,
    native byte order, 1 to 4 dimensions, any strides): missing values
    exactly, the others through a zfp stream in `mode`.  The mask runs over
    the values in C order of `values.shape`, the zfp stream's shape.  With
    `strict`, valid values too wide apart for the tolerance raise ZFPError
    (`zfpcodec.bound.check`) in the name of `codec`.

    One call of the engine codes the blocks, filling the missing values of
    each as it goes (csrc/fill.c: no filled copy is made), and finds them:
    the bitmap, their count and whether they share one bit pattern."""
    values = np.ascontiguousarray(values, dtype=values.dtype.newbyteorder("="))
    fill = missing.fill_for(values.dtype)
    bitmap = np.empty((values.size + 7) // 8, dtype=np.uint8)
    stream, counts, (count, pattern, uniform) = engine.compress_filled(
        values, mode, None if fill is None else np.array(fill), bitmap, rate_clamp=True,
        threads=threads)
    bound.check_counts(counts, values, mode, strict=strict, codec=codec, masked=True)
    if not count:
        return PREAMBLE.pack(MAGIC, VERSION, MaskEncoding.NONE, ValueEncoding.NONE, 0) + stream
    mask_encoding, mask_bytes = _smallest_mask(bitmap, values.shape)
    if uniform:
        value_encoding, value_bytes = ValueEncoding.UNIFORM, \
            pattern.to_bytes(values.dtype.itemsize, "little")
    else:
        # stored little-endian
        raw = _missing_patterns(values, bitmap).astype(_UINTS[values.dtype.itemsize],
                                                       copy=False).tobytes()
        value_encoding, value_bytes = _smallest(ValueEncoding.EACH, raw,
                                                [(ValueEncoding.DEFLATE, raw,
                                                  zlib.Z_DEFAULT_STRATEGY)])
    return b"".join((PREAMBLE.pack(MAGIC, VERSION, mask_encoding, value_encoding, 0),
                     SECTION_LENGTH.pack(len(mask_bytes)), mask_bytes,
                     SECTION_LENGTH.pack(len(value_bytes)), value_bytes, stream))


def _smallest_mask(bitmap: NDArray[np.uint8],
                   shape: tuple[int, ...]) -> tuple[MaskEncoding, bytes]:
    """(encoding, bytes) of the mask section for `bitmap` of an array of
    `shape`: the shortest of raw, deflated and (with more than one slab
    along axis 0) slab-delta.  Slab-delta goes first: on masks that repeat
    from slab to slab it is far smaller, and one within `MASK_GOOD_ENOUGH`
    of the raw bitmap is kept without deflating the bitmap too (that would
    cost more time than the few bytes it might save)."""
    plain = bitmap.tobytes()
    kind, best = MaskEncoding.BITMAP, plain
    if shape[0] > 1:
        kind, best = _smallest(kind, best, [(MaskEncoding.SLAB_DELTA,
                                             slab_delta(bitmap, shape), DELTA_STRATEGY)])
        if len(best) <= len(plain) * MASK_GOOD_ENOUGH:
            return kind, best
    return _smallest(kind, best, [(MaskEncoding.DEFLATE, plain, zlib.Z_DEFAULT_STRATEGY)])


def _slab_rows(bitmap: NDArray[np.uint8],
               shape: tuple[int, ...]) -> tuple[NDArray[np.uint8], bool]:
    """`bitmap` as one row per slab along axis 0 of `shape`: rows of bytes
    when a slab is a whole number of bytes (no copy), else rows of unpacked
    bits; and whether the rows are bits."""
    count = math.prod(shape)
    slab = count // shape[0]
    if slab % 8 == 0:
        return bitmap.reshape(shape[0], slab // 8), False
    bits = np.unpackbits(bitmap, count=count, bitorder="little")
    return bits.reshape(shape[0], slab), True


def _packed(rows: NDArray[np.uint8], bits: bool) -> NDArray[np.uint8]:
    flat = rows.reshape(-1)
    return np.packbits(flat, bitorder="little") if bits else flat


def slab_delta(bitmap: NDArray[np.uint8], shape: tuple[int, ...]) -> NDArray[np.uint8]:
    """The slab-delta form of the container bitmap of an array of `shape`:
    bit ``i`` XOR bit ``i - s`` for ``i >= s``, ``s`` the values in a slab
    along axis 0 (bit level, so any slab size works), padded like the
    bitmap.  A mask that repeats from slab to slab becomes zeros, which
    deflate to almost nothing.  The bitmap shifted by ``s`` bits is made
    from its bytes (shifted by ``s // 8`` bytes and ``s % 8`` bits), not
    from unpacked bits: eight times fewer items."""
    count = math.prod(shape)
    whole, part = divmod(count // shape[0], 8)
    shifted = np.zeros_like(bitmap)
    # uint8 shift counts keep the results uint8 (for NumPy's type stubs too)
    shifted[whole:] = bitmap[:bitmap.size - whole] << np.uint8(part)
    if part:
        shifted[whole + 1:] |= bitmap[:bitmap.size - whole - 1] >> np.uint8(8 - part)
    delta = bitmap ^ shifted
    if count % 8:  # the padding bits stay 0
        delta[-1] &= (1 << count % 8) - 1
    return delta


def slab_undelta(delta: NDArray[np.uint8], shape: tuple[int, ...]) -> NDArray[np.uint8]:
    """The bitmap whose `slab_delta` is `delta`: a running XOR down axis 0,
    as a log-step scan (row i XOR row i - k for k = 1, 2, 4, ...), since
    NumPy's accumulate along axis 0 is many times slower and a loop over
    rows is slow on many short slabs."""
    rows, bits = _slab_rows(delta, shape)
    rows = rows.copy()
    step = 1
    while step < len(rows):
        rows[step:] ^= rows[:-step]
        step *= 2
    return _packed(rows, bits)


def _smallest(plain_kind: _Encoding, plain: bytes,
              to_deflate: list[tuple[_Encoding, Any, int]]) -> tuple[_Encoding, bytes]:
    """(kind, bytes) of the shortest of `plain` (of kind `plain_kind`) and
    the zlib streams of the (kind, data, zlib strategy) of `to_deflate`, the
    first one on ties."""
    best_kind, best = plain_kind, plain
    for kind, data, strategy in to_deflate:
        packed = _deflated_below(data, len(best), strategy)
        if packed is not None:
            best_kind, best = kind, packed
    return best_kind, best


def _deflated_below(data: Any, limit: int, strategy: int) -> bytes | None:
    """The zlib stream of `data` when it is shorter than `limit` bytes,
    else None; deflating stops as soon as the stream reaches `limit`, so a
    loser costs only what it took to lose."""
    view = memoryview(data).cast("B")
    compressor = zlib.compressobj(DEFLATE_LEVEL, strategy=strategy)
    pieces, size = [], 0
    for start in range(0, view.nbytes, DEFLATE_PIECE):
        pieces.append(compressor.compress(view[start:start + DEFLATE_PIECE]))
        size += len(pieces[-1])
        if size >= limit:
            return None
    pieces.append(compressor.flush())
    return b"".join(pieces) if size + len(pieces[-1]) < limit else None


@dataclass(frozen=True)
class Container:
    """A parsed masked container: the zfp stream (full header), its dtype
    and shape, and where it is missing (`bitmap` None when nothing is: the
    mask section's bitmap, `missing` its set bits) with the missing values'
    bit patterns (one, or one per missing value, in native byte order)."""

    stream: memoryview
    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    bitmap: NDArray[np.uint8] | None
    missing: int
    patterns: NDArray[Any] | None

    def values(self, threads: int = 1) -> NDArray[Any]:
        """The array: the zfp stream decoded, which must end where the
        container does (bytes added, or a header damaged into another
        type, shape or mode, rarely end there), with the missing values
        restored."""
        return self.restore(engine.decompress(self.stream, threads=threads,
                                              exact_length=True, any_word=True))

    def restore(self, values: NDArray[Any]) -> NDArray[Any]:
        """Write the missing values into `values` (C-contiguous, the
        stream's dtype and shape) and return it (one pass in C over the
        bitmap, csrc/fill.c)."""
        if self.bitmap is not None and self.patterns is not None:
            _zfp.restore_missing(values, self.bitmap, self.patterns, self.patterns.size == 1)
        return values


def read(data: Any, expect: tuple[np.dtype[Any], tuple[int, ...]] | None = None
         ) -> Container:
    """Parse a masked container (any C-contiguous buffer); ZFPError for
    anything that is not a complete, consistent one, or (with `expect`)
    whose zfp stream holds another (dtype, shape).  Both are known from
    the zfp header, before any section is inflated: a forged header cannot
    make the mask's inflation cost more than the stream's blocks could
    hold."""
    view = engine.as_stream(data)
    if view.nbytes < PREAMBLE.size:
        if bytes(view[:3]) == b"zfp"[:view.nbytes]:
            raise ZFPError(_plain_zfp(view), "header")
        raise ZFPError(f"masked zfp container is truncated: {view.nbytes} bytes, fewer "
                       f"than its {PREAMBLE.size}-byte preamble", "truncated")
    magic, version, mask_kind, value_kind, reserved = PREAMBLE.unpack_from(view)
    if magic != MAGIC:
        raise ZFPError(_plain_zfp(view) if magic[:3] == b"zfp" else
                       f"not a masked zfp container: it starts with {magic!r}, not {MAGIC!r}",
                       "header")
    if version != VERSION:
        raise ZFPError(f"unsupported masked zfp container version {version}: this "
                       f"reader knows version {VERSION}", "header")
    if mask_kind not in MaskEncoding._value2member_map_ or \
            value_kind not in ValueEncoding._value2member_map_:
        # encodings are the format's extension point: a later writer's new
        # one must fail here, by name, rather than be misread
        raise ZFPError(f"corrupt masked zfp container or one from a newer writer: mask "
                       f"encoding {mask_kind}, value encoding {value_kind}; this reader "
                       f"knows mask encodings 0-{max(MaskEncoding)} and value encodings "
                       f"0-{max(ValueEncoding)}", "header")
    if reserved or (mask_kind == MaskEncoding.NONE) != (value_kind == ValueEncoding.NONE):
        raise ZFPError(f"corrupt masked zfp container: mask encoding {mask_kind}, value "
                       f"encoding {value_kind}, reserved byte {reserved}", "header")
    offset = PREAMBLE.size
    sections = []
    if mask_kind != MaskEncoding.NONE:
        for _ in ("mask", "values"):
            section, offset = _section(view, offset)
            sections.append(section)
    stream = view[offset:]
    if not stream.nbytes:
        raise ZFPError(f"masked zfp container is truncated: its {view.nbytes} bytes end "
                       "before the zfp stream", "truncated")
    dtype, shape, _, _ = engine.read_header(stream, fits=True)
    if expect is not None and (dtype, shape) != expect:
        raise ZFPError(f"the container holds {dtype} values of shape {shape}, where "
                       f"{expect[0]} values of shape {expect[1]} are expected", "header")
    if not sections:
        return Container(stream, dtype, shape, None, 0, None)
    count = math.prod(shape)
    bitmap = np.frombuffer(_inflate(sections[0], (count + 7) // 8,
                                    mask_kind != MaskEncoding.BITMAP, "mask"), np.uint8)
    missing, past = _zfp.bitmap_count(bitmap, count)
    if mask_kind == MaskEncoding.SLAB_DELTA and not past:
        bitmap = slab_undelta(bitmap, shape)
        missing, past = _zfp.bitmap_count(bitmap, count)
    if missing == 0 or past:
        raise ZFPError("corrupt masked zfp container: the mask marks no value, or bits "
                       "past the last value", "header")
    item = _UINTS[dtype.itemsize]
    wanted = item.itemsize * (1 if value_kind == ValueEncoding.UNIFORM else missing)
    raw = _inflate(sections[1], wanted, value_kind == ValueEncoding.DEFLATE, "values")
    patterns = np.frombuffer(raw, dtype=item).astype(item.newbyteorder("="), copy=False)
    return Container(stream, dtype, shape, bitmap, missing, patterns)


def decode(data: Any, *, threads: int = 1) -> NDArray[Any]:
    """The array of a masked container: a new C-ordered array of the zfp
    stream's dtype and shape with every missing value restored bit for bit."""
    return read(data).values(threads)


def _section(view: memoryview, offset: int) -> tuple[memoryview, int]:
    if view.nbytes - offset < SECTION_LENGTH.size:
        raise ZFPError(f"masked zfp container is truncated: {view.nbytes} bytes end "
                       f"inside a section length at byte {offset}", "truncated")
    (length,) = SECTION_LENGTH.unpack_from(view, offset)
    start = offset + SECTION_LENGTH.size
    if length > view.nbytes - start:
        raise ZFPError(f"masked zfp container is truncated: a section of {length} bytes "
                       f"at byte {start} runs past its end ({view.nbytes} bytes)",
                       "truncated")
    return view[start:start + length], start + length


def _inflate(section: memoryview, size: int, deflated: bool, what: str) -> bytes:
    """The `size` bytes a section holds (decompressing at most size + 1
    bytes, so a forged section cannot exhaust memory)."""
    if deflated:
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(section, size + 1)
        except zlib.error as error:
            raise ZFPError(f"corrupt masked zfp container: its {what} section does not "
                           f"inflate ({error})", "header") from None
        if not inflater.eof or inflater.unused_data:
            raise ZFPError(f"corrupt masked zfp container: its {what} section is not "
                           f"one complete zlib stream of {size} bytes", "header")
    else:
        raw = bytes(section)
    if len(raw) != size:
        raise ZFPError(f"corrupt masked zfp container: its {what} section holds "
                       f"{len(raw)} bytes, the zfp stream's shape needs {size}", "header")
    return raw


def _plain_zfp(view: memoryview) -> str:
    return ("not a masked zfp container but a plain zfp stream (it starts with b'zfp'): "
            "decode it with zfpcodec.ZFP or zfpy.decompress_numpy")

