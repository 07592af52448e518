"""The H5Z-ZFP filter's stored format: its ``cd_values`` and its chunks.

H5Z-ZFP (HDF5 filter id 32013, shipped in Python by hdf5plugin) stores,
as measured with H5Z-ZFP 1.1.1 on zfp 1.0.1 and described in its
documentation (docs/cd_vals.rst, docs/hdf5_chunking.rst):

* ``cd_values[0]``, the version word: zfp's library version in bits 16-31
  (four hex digits, 0x1010 for zfp 1.0.1; three before H5Z-ZFP 1.1.0, e.g.
  0x055 for zfp 0.5.5), the zfp codec version in bits 12-15 and H5Z-ZFP's
  own version in bits 0-11 (0x111 for 1.1.1);
* ``cd_values[1:]``, zfp's full stream header (magic, type, chunk shape,
  mode; 96 or 148 bits) read as little-endian 32-bit words, unused bits 0.
  The shape is the chunk's with every axis of size 1 dropped (1 to 4 axes
  remain, last axis = zfp's x).  Integer datasets of 4 or 8 bytes of
  either sign are stored as zfp int32/int64, floats as float/double;
* each chunk, a headerless zfp stream of the whole chunk (edge chunks are
  padded by HDF5 with the fill value), ending on a byte: H5Z-ZFP needs zfp
  built with 8-bit stream words, so its chunks are ours (which end on 8
  bytes) without the trailing zero bytes;
* a chunk holds the stored bytes of the dataset's file type: the values the
  filter decodes, in this machine's byte order, or byte-swapped when the
  header words had to be swapped to read (a file written on a machine of
  the other byte order).  H5Z-ZFP compresses a big-endian dataset's stored
  bytes as if they were native values, and so does this reader.

A dataset H5Z-ZFP declines (its can_apply refuses chunks with no axis or
more than 4 axes longer than 1) keeps the filter, as an optional one, with
the *generic* cd_values it was given (mode number, parameters; or none at
all), and HDF5 stores each of its chunks unfiltered, filter mask bit set:
`DeclinedFilter`, recognised by `is_generic`.

This module needs neither h5py nor HDF5: the numcodecs codec that reads
these chunks out of Zarr references builds on it too.
"""

from __future__ import annotations

import math
import struct
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Literal, Sequence

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .. import _zfp, bound, engine
from ..errors import ZFPError
from ..modes import (EXPERT, FIXED_ACCURACY, FIXED_PRECISION, FIXED_RATE, REVERSIBLE, Mode,
                     Params, describe_params)
from ..region import StreamLayout, decompress_region

FILTER_ID = 32013
FILTER_NAME = "H5Z-ZFP"
CODEC_VERSION = 5
# What H5Z-ZFP 1.1.1 on zfp 1.0.1 (hdf5plugin 7.1) writes to cd_values[0]:
# zfp 1.0.1 << 16 | codec 5 << 12 | H5Z-ZFP 1.1.1.  We write the same, so
# that files are indistinguishable from the plugin's.
ZFP_LIBRARY_VERSION = 0x1010
H5Z_ZFP_VERSION = 0x111
VERSION_WORD = ZFP_LIBRARY_VERSION << 16 | CODEC_VERSION << 12 | H5Z_ZFP_VERSION
MAX_CD_VALUES = 32  # far more than the 6 a 148-bit header takes
MAX_AXES = 4        # zfp fields: 1 to 4 axes longer than 1

# H5Z-ZFP's generic cd_values (what H5Pset_filter takes before the filter's
# set_local rewrites them, docs/interfaces.rst): mode number, an unused word,
# then the parameters; doubles as two words in memory order
GENERIC_MODE = {FIXED_RATE: 1, FIXED_PRECISION: 2, FIXED_ACCURACY: 3, EXPERT: 4,
                REVERSIBLE: 5}
# the words each generic mode needs (H5Zzfp_plugin.h's *_cdata macros:
# reversible writes 1 word, precision 3, rate and accuracy 4, expert 6;
# hdf5plugin always writes 6), and the most the filter reads
GENERIC_WORDS = {FIXED_RATE: 4, FIXED_PRECISION: 3, FIXED_ACCURACY: 4, EXPERT: 6,
                 REVERSIBLE: 1}
MAX_GENERIC_WORDS = 6
_GENERIC_KIND = {number: kind for kind, number in GENERIC_MODE.items()}

if TYPE_CHECKING:
    from .._typing import BufferLike


def zfp_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """The zfp scalar type H5Z-ZFP stores for a dataset of `dtype` (native
    order): int32/int64 for 4- and 8-byte integers of either sign,
    float32/float64 for floats.  TypeError for anything else."""
    kind = np.dtype(dtype)
    if kind.kind in "iu" and kind.itemsize in (4, 8):
        return np.dtype(f"i{kind.itemsize}")
    if kind.kind == "f" and kind.itemsize in (4, 8):
        return np.dtype(f"f{kind.itemsize}")
    raise TypeError(f"H5Z-ZFP stores 4- and 8-byte integers and floats, not {kind}")


def zfp_shape(chunks: Sequence[int]) -> tuple[int, ...]:
    """The shape H5Z-ZFP compresses a chunk as: its axes longer than 1."""
    return tuple(int(n) for n in chunks if n > 1)


@dataclass(frozen=True)
class FilterFormat:
    """What one H5Z-ZFP filter's ``cd_values`` say, and how its chunks decode.

    Build one with `from_cd_values` (a stored filter) or `for_dataset` (a
    new one); `cd_values` writes it back.

    Attributes
    ----------
    dtype : numpy.dtype
        The zfp scalar type (int32, int64, float32 or float64), native order.
    shape : tuple of int
        The zfp field: the chunk shape without its axes of size 1.
    params : tuple of int
        zfp's coder parameters (minbits, maxbits, maxprec, minexp).
    swapped : bool
        True when the header words were written on a machine of the other
        byte order: chunks then hold the values byte-swapped.
    version : int
        The version word, ``cd_values[0]``.
    """

    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    params: Params
    swapped: bool = False
    version: int = VERSION_WORD

    # ------------------------------------------------------------------
    # reading cd_values

    @classmethod
    def from_cd_values(cls, cd_values: Sequence[int]) -> FilterFormat:
        """Parse a stored filter's ``cd_values``.

        Raises ZFPError for values that are not a zfp header of codec
        version 5 (what zfp 0.5.0 to 1.0.x write) after a version word.
        """
        if is_generic(cd_values):
            declined = DeclinedFilter.from_cd_values(cd_values)
            raise ZFPError(f"H5Z-ZFP cd_values {list(declined.cd_values)} are the filter's "
                           f"generic form ({declined.asked()}), not the zfp header it "
                           "stores for the datasets it compresses: H5Z-ZFP declined this "
                           "dataset, whose chunks HDF5 then stores unfiltered", "header")
        words = _words(cd_values)
        version = words[0]
        codec = writer_codec(version)
        if codec != CODEC_VERSION:
            raise ZFPError(f"H5Z-ZFP cd_values[0] = {version:#010x} says the chunks are zfp "
                           f"codec version {codec}; only version {CODEC_VERSION} "
                           "(zfp 0.5.0 to 1.0.x) is readable", "header")
        header = struct.pack(f"<{len(words) - 1}I", *words[1:])
        swapped = False
        try:
            dtype, shape, params, _ = engine.read_header(header)
        except ZFPError as error:
            # H5Z-ZFP retries with swapped words: the header of a file
            # written on a machine of the other byte order
            try:
                dtype, shape, params, _ = engine.read_header(
                    struct.pack(f">{len(words) - 1}I", *words[1:]))
            except ZFPError:
                raise ZFPError(f"H5Z-ZFP cd_values hold no valid zfp header: {error}",
                               "header") from None
            swapped = True
        return cls(dtype=dtype, shape=shape, params=params, swapped=swapped,
                   version=version)

    # ------------------------------------------------------------------
    # writing cd_values

    @classmethod
    def for_dataset(cls, dtype: DTypeLike, chunks: Sequence[int], mode: Mode) -> FilterFormat:
        """The filter H5Z-ZFP sets up for a dataset of `dtype` chunked as
        `chunks`, compressed in `mode` (a fixed rate is clamped as
        zfp_stream_set_rate does when given the type and rank)."""
        ztype_dtype = zfp_dtype(dtype)
        shape = zfp_shape(chunks)
        if not 1 <= len(shape) <= MAX_AXES:
            fix = (f"choose chunks of size 1 on all but {MAX_AXES} axes" if shape else
                   "choose chunks longer than 1 along an axis (a dataset with no axis "
                   "longer than 1 has nothing for zfp to compress: store it unfiltered)")
            raise ValueError(f"H5Z-ZFP compresses chunks with 1 to {MAX_AXES} axes longer "
                             f"than 1; chunks {tuple(chunks)} have {len(shape)}: {fix}")
        params = mode.params(len(shape), engine.ztype_of(ztype_dtype))
        return cls(dtype=ztype_dtype, shape=shape, params=params)

    def cd_values(self) -> tuple[int, ...]:
        """The stored ``cd_values``: the version word, then zfp's full header
        as little-endian 32-bit words (swapped words for a swapped format)."""
        bits = _zfp.header_bits(self.params)
        # The header writer lives in the engine: compress a zero-stride
        # array of the field's shape (constant blocks, one pass) and keep
        # the header's bits.
        zeros = np.broadcast_to(np.zeros((), self.dtype), self.shape)
        stream = engine.compress(zeros, self.mode, header=True, rate_clamp=True)
        words = math.ceil(bits / 32)
        header = int.from_bytes(stream[:4 * words], "little") & ((1 << bits) - 1)
        order = ">" if self.swapped else "<"
        return (self.version,
                *struct.unpack(f"{order}{words}I", header.to_bytes(4 * words, "little")))

    def generic_cd_values(self) -> tuple[int, ...]:
        """The ``cd_values`` to hand H5Pset_filter when H5Z-ZFP itself is
        loaded (its set_local turns them into `cd_values`): mode number, 0,
        then the mode's parameters (doubles as two words in memory order,
        minexp as an unsigned word)."""
        mode = self.mode
        number = GENERIC_MODE[mode.kind]
        if mode.kind in (FIXED_RATE, FIXED_ACCURACY):
            value = mode.rate if mode.kind == FIXED_RATE else mode.tolerance
            values = struct.unpack("=2I", struct.pack("=d", value))
        elif mode.kind == FIXED_PRECISION:
            values = (mode.precision, 0)
        elif mode.kind == EXPERT:
            minbits, maxbits, maxprec, minexp = self.params
            values = (minbits, maxbits, maxprec, minexp & 0xFFFFFFFF)
        else:
            values = ()
        return (number, 0, *values, *(0,) * (4 - len(values)))

    # ------------------------------------------------------------------
    # what the format means

    @property
    def ztype(self) -> int:
        return engine.ztype_of(self.dtype)

    @property
    def mode(self) -> Mode:
        """The simplest mode with these coder parameters."""
        return Mode.from_params(self.params, len(self.shape), self.ztype)

    @property
    def stored_dtype(self) -> np.dtype[Any]:
        """The zfp type in the byte order the chunks' bytes hold."""
        return self.dtype.newbyteorder(_OTHER_ORDER if self.swapped else "=")

    def describe(self) -> str:
        """The mode in words, as `zfpcodec info` prints it."""
        return describe_params(self.params, len(self.shape))

    def check_dataset(self, dtype: DTypeLike, chunks: Sequence[int]) -> None:
        """Raise ZFPError unless a dataset of `dtype` chunked as `chunks` is
        what this filter compresses (corrupt or mismatched cd_values)."""
        dtype = np.dtype(dtype)
        try:
            expected = zfp_dtype(dtype)
        except TypeError:
            raise ZFPError(f"an H5Z-ZFP filter on a dataset of {dtype}: H5Z-ZFP stores only "
                           "4- and 8-byte integers and floats", "header") from None
        if expected != self.dtype or zfp_shape(chunks) != self.shape:
            raise ZFPError(f"H5Z-ZFP cd_values describe {self.dtype} chunks of shape "
                           f"{self.shape}, but the dataset holds {dtype} chunks of "
                           f"{tuple(chunks)} ({expected} of {zfp_shape(chunks)} to zfp)",
                           "header")

    # ------------------------------------------------------------------
    # chunks

    def decode(self, chunk: BufferLike, out: NDArray[Any] | None = None) -> NDArray[Any]:
        """The stored bytes of one chunk, as an array of `shape` and
        `stored_dtype` (or written into `out`, any layout, of that shape and
        a type of the same size).

        HDF5 stores each chunk on its own, so the chunk must end where its
        blocks do (padded to any zfp word size: H5Z-ZFP's zfp writes bytes,
        ours 64-bit words).  ZFPError for a corrupt or short chunk, and for
        one whose length does not fit these cd_values (written in another
        mode, type or shape), which would otherwise decode to garbage."""
        if out is not None and out.dtype != self.stored_dtype:
            out = out.view(self.stored_dtype)
        return engine.decompress(chunk, dtype=self.stored_dtype, shape=self.shape,
                                 mode=self.mode, out=out, exact_length=True, any_word=True)

    @property
    def layout(self) -> StreamLayout:
        """Where the blocks of a chunk lie (`zfpcodec.region`)."""
        return StreamLayout(self.dtype, self.shape, self.params)

    def decode_region(self, chunk: BufferLike, selection: tuple[slice, ...],
                      out: NDArray[Any]) -> NDArray[Any]:
        """``decode(chunk)[selection]`` into `out` (that shape, a type of the
        dtype's size, any layout), decoding only the blocks `selection`
        touches (`zfpcodec.region.decompress_region`).  At a fixed rate the
        chunk's length is checked as `decode` checks it (the length alone
        decides); in the other modes the blocks past the selection are not
        measured, which would cost a read of part of a chunk up to 3 times
        its time, so a chunk that does not fit goes unseen there, as in a
        partial read of a Zarr v3 chunk."""
        if self.layout.random_access:
            engine.check_length(chunk, dtype=self.stored_dtype, shape=self.shape,
                                mode=self.mode, any_word=True)
        return decompress_region(chunk, selection, layout=self.layout,
                                 out=out.view(self.stored_dtype))

    def encode(self, chunk: NDArray[Any], *, strict: bool = False) -> bytes:
        """The zfp stream of one whole chunk (its stored bytes: any array of
        the chunk's shape and a type of the dtype's size), as H5Z-ZFP writes
        it apart from its final zero bytes, whatever the values (as the
        plugin).  With `strict`, a lossy mode raises
        `zfpcodec.bound.BoundError` instead of coding values it cannot keep
        (NaN, +-inf, ...), as `zfpcodec.ZFP` does."""
        chunk = np.asarray(chunk)
        if chunk.size != math.prod(self.shape) or chunk.dtype.itemsize != self.dtype.itemsize:
            raise ValueError(f"an H5Z-ZFP chunk holds {math.prod(self.shape)} values of "
                             f"{self.dtype.itemsize} bytes, not {chunk.size} of "
                             f"{chunk.dtype.itemsize} bytes (shape {chunk.shape})")
        values = np.ascontiguousarray(chunk).view(self.stored_dtype).reshape(self.shape)
        return bound.compress_checked(values, self.mode, strict=strict, codec=FILTER_NAME,
                                      header=False, rate_clamp=True)


_OTHER_ORDER: Literal[">", "<"] = ">" if sys.byteorder == "little" else "<"


def is_generic(cd_values: Sequence[int]) -> bool:
    """True when `cd_values` are H5Z-ZFP's generic form, which HDF5 keeps
    when the filter declines a dataset: none, or a mode number 1 to 5 and
    the words that mode takes, 6 at most.  Never a stored filter's: its
    version word holds zfp's library version, never 0, in bits 16-31."""
    try:
        words = [int(value) for value in cd_values]
    except (TypeError, ValueError):
        return False
    if not words:
        return True
    kind = _GENERIC_KIND.get(words[0])
    return kind is not None and GENERIC_WORDS[kind] <= len(words) <= MAX_GENERIC_WORDS


@dataclass(frozen=True)
class DeclinedFilter:
    """An H5Z-ZFP filter that declined its dataset (`is_generic` cd_values).

    H5Z-ZFP's can_apply refuses chunks it cannot make a zfp field of (every
    axis 1, or more than 4 axes longer than 1); HDF5 then keeps the filter
    as an optional one with the cd_values it was given and stores every
    chunk as it is, filter mask bit set.  Such chunks read as their bytes;
    a chunk that went through the filter cannot be read, since these
    cd_values hold no zfp header to decode it by.

    Attributes
    ----------
    cd_values : tuple of int
        The generic cd_values as stored.
    requested : Mode or None
        The mode they asked for (None when they name none: no cd_values,
        too few words, or parameters no mode takes).
    """

    cd_values: tuple[int, ...]
    requested: Mode | None

    @classmethod
    def from_cd_values(cls, cd_values: Sequence[int]) -> DeclinedFilter:
        """Parse generic cd_values (ValueError unless `is_generic`)."""
        if not is_generic(cd_values):
            raise ValueError(f"{list(cd_values)} are not H5Z-ZFP's generic cd_values")
        words = tuple(int(value) for value in cd_values)
        return cls(cd_values=words, requested=_generic_mode(words))

    @property
    def params(self) -> tuple[int, ...]:
        """No coder parameters: nothing is coded."""
        return ()

    @property
    def mode(self) -> Mode:
        """Reversible: the chunks hold the values exactly."""
        return Mode(REVERSIBLE)

    def asked(self) -> str:
        """The mode the cd_values asked for, as its arguments
        (``rate=16.0``, ``reversible``)."""
        if self.requested is not None:
            return " ".join(self.requested.arguments) or self.requested.kind
        if not self.cd_values:
            return "no cd_values"
        return f"mode number {self.cd_values[0]}, parameters that make no mode"

    def describe(self) -> str:
        """What the chunks are, in words (as `zfpcodec h5 list` prints it)."""
        return f"unfiltered (H5Z-ZFP declined: {self.asked()})"

    def filtered_chunk(self, origin: Sequence[int]) -> ZFPError:
        """The error for a chunk at `origin` that went through the filter."""
        return ZFPError(f"the chunk at {tuple(origin)} went through H5Z-ZFP (filter mask bit "
                        f"clear), but the filter's cd_values {list(self.cd_values)} are its "
                        "generic form, which H5Z-ZFP keeps only for a dataset it declined "
                        "and which holds no zfp header: nothing says how to decode it",
                        "header")

    def check_chunks(self, stored: Iterable[Any], position: int) -> None:
        """Raise `filtered_chunk` for the first of `stored` (h5py's chunk
        infos: ``chunk_offset``, ``filter_mask``) whose mask does not skip
        the filter at `position` in the pipeline."""
        for info in stored:
            if not info.filter_mask >> position & 1:
                raise self.filtered_chunk(info.chunk_offset)


def _generic_mode(words: tuple[int, ...]) -> Mode | None:
    """The mode generic cd_values ask for (H5Zzfp_plugin.h's layout: mode
    number, an unused word, the parameters; a double as two words in memory
    order), None where they name none."""
    kind = _GENERIC_KIND.get(words[0]) if words else None
    if kind is None or len(words) < GENERIC_WORDS[kind]:
        return None
    try:
        if kind in (FIXED_RATE, FIXED_ACCURACY):
            value = struct.unpack("=d", struct.pack("=2I", *words[2:4]))[0]
            return Mode.from_kind(kind, **{"rate" if kind == FIXED_RATE else "tolerance": value})
        if kind == FIXED_PRECISION:
            return Mode.from_args(precision=words[2])
        if kind == EXPERT:
            minexp = words[5] - 2**32 if words[5] >= 2**31 else words[5]
            return Mode.from_args(minbits=words[2], maxbits=words[3], maxprec=words[4],
                                  minexp=minexp)
    except (ValueError, struct.error):
        return None
    return Mode(REVERSIBLE)


def writer_codec(version: int) -> int:
    """The zfp codec version of the chunks behind a version word (H5Z-ZFP's
    rule: the codec field counts only after zfp 1.0.0; zfp below 0.5.0
    wrote codec 4, 0.5.0 to 1.0.0 codec 5; three-digit zfp versions, from
    H5Z-ZFP before 1.1.0, are shifted a digit up first)."""
    library = version >> 16
    if library < 0x0100:
        library <<= 4
    if library < 0x0500:
        return 4
    if library <= 0x1000:
        return CODEC_VERSION
    return version >> 12 & 0xF


def _words(cd_values: Sequence[int]) -> tuple[int, ...]:
    """`cd_values` as a tuple of 32-bit words; ZFPError when they cannot be
    an H5Z-ZFP filter's (a header takes 3 to 5 words after the version)."""
    try:
        words = tuple(int(value) for value in cd_values)
    except (TypeError, ValueError):
        raise ZFPError(f"H5Z-ZFP cd_values must be unsigned 32-bit integers, not "
                       f"{cd_values!r}", "header") from None
    if not 4 <= len(words) <= MAX_CD_VALUES:
        raise ZFPError(f"H5Z-ZFP cd_values hold a version word and a 3- to 5-word zfp "
                       f"header, not {len(words)} values", "header")
    if any(not 0 <= word < 2**32 for word in words):
        raise ZFPError(f"H5Z-ZFP cd_values must be unsigned 32-bit integers, not "
                       f"{list(words)}", "header")
    return words
