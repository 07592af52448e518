"""`write` and `create`: H5Z-ZFP datasets written with h5py alone.

The dataset is created with filter 32013 in its pipeline and the
``cd_values`` H5Z-ZFP itself would store (h5py's ``allow_unknown_filter``
lets HDF5 record a filter it does not have); the chunks are compressed by
the C engine, on a pool of threads, and written as they are with
``write_direct_chunk``.  Any HDF5 program with H5Z-ZFP reads the result.

Where H5Z-ZFP is loaded in this process (hdf5plugin imported), HDF5 hands
the filter's parameters to the plugin, which expects its generic form; that
is what we give it then, and we check that the plugin stored our
``cd_values``.
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from .. import engine
from ..bound import BoundError
from ..errors import ZFPError
from ..modes import Mode
from .h5z_zfp import FILTER_ID, MAX_AXES, FilterFormat, zfp_dtype
from .reader import filters

if TYPE_CHECKING:
    import h5py

CHUNK_TARGET_BYTES = 1 << 20  # default chunks: about 1 MiB of values
BLOCK_SIDE = 4                # zfp codes blocks of 4^d values
# HDF5 before 2.0 refuses larger chunks (their sizes are 32-bit words in
# the chunk index), and so cannot read a file that has them
MAX_CHUNK_BYTES = 2**32 - 1
_OWN_OPTIONS = ("compression", "compression_opts", "chunks", "shuffle", "fletcher32",
                "scaleoffset", "allow_unknown_filter", "dtype", "shape", "data", "dcpl")


def write(group: h5py.Group, name: str, data: ArrayLike, *, chunks: Sequence[int] | None = None,
          tolerance: float | None = None, rate: float | None = None,
          precision: int | None = None, reversible: bool = False,
          minbits: int | None = None, maxbits: int | None = None,
          maxprec: int | None = None, minexp: int | None = None,
          threads: int = 1, strict: bool = True, **options: object) -> h5py.Dataset:
    """Write `data` as a new H5Z-ZFP dataset, without the HDF5 plugin.

    Parameters
    ----------
    group : h5py.Group or h5py.File
        Where the dataset goes.
    name : str
        Its name (or path) in `group`.
    data : array_like
        int32, int64, uint32, uint64, float32 or float64 values of any rank
        (stored in native byte order).
    chunks : tuple of int, optional
        The chunk shape: at most 4 axes longer than 1 (H5Z-ZFP's limit).
        By default about 1 MiB chunks over the last 4 axes, sizes a
        multiple of 4 where the array allows (zfp codes 4^d blocks).
    tolerance, rate, precision, reversible, minbits, maxbits, maxprec, minexp
        The zfp mode, as for `zfpcodec.ZFP`: one of them (reversible when
        none is given).  hdf5plugin's ``accuracy`` is our `tolerance`.
    threads : int, optional
        Threads compressing chunks (0: one per core; default 1).
    strict : bool, optional
        True (the default): a lossy mode refuses values it cannot keep
        (NaN, +-inf, a range too wide for the tolerance, ...: the rule of
        `zfpcodec.ZFP`, `zfpcodec.bound`) with `zfpcodec.bound.BoundError`,
        and no dataset is left.  False stores them as H5Z-ZFP would.
    **options
        Passed to ``h5py.Group.create_dataset`` (``fillvalue``,
        ``maxshape``, ``track_times``, ...); not the filter's own options.

    Returns
    -------
    h5py.Dataset
        The new dataset; h5py with hdf5plugin reads it back.
    """
    data = np.asarray(data)
    writer = create(group, name, data.shape, data.dtype, chunks=chunks, tolerance=tolerance,
                    rate=rate, precision=precision, reversible=reversible, minbits=minbits,
                    maxbits=maxbits, maxprec=maxprec, minexp=minexp, strict=strict, **options)
    try:
        writer.write(data, threads=threads)
    except (ZFPError, TypeError, ValueError):
        # refused values: no dataset of some chunks and fill values is left
        del group[name]
        raise
    return writer.dataset


def create(group: h5py.Group, name: str, shape: Sequence[int], dtype: DTypeLike, *,
           chunks: Sequence[int] | None = None, tolerance: float | None = None,
           rate: float | None = None, precision: int | None = None,
           reversible: bool = False, minbits: int | None = None,
           maxbits: int | None = None, maxprec: int | None = None,
           minexp: int | None = None, strict: bool = True,
           **options: object) -> ChunkWriter:
    """Create an empty H5Z-ZFP dataset and return a `ChunkWriter` for it.

    The arguments are `write`'s, with the `shape` and `dtype` of the data
    instead of the data; chunks never written read as the fill value.
    With `strict`, the writer refuses a chunk that breaks the mode's
    bound (`ChunkWriter.write`).
    """
    mode = Mode.from_args(tolerance=tolerance, rate=rate, precision=precision,
                          reversible=reversible, minbits=minbits, maxbits=maxbits,
                          maxprec=maxprec, minexp=minexp)
    return create_with_mode(group, name, shape, dtype, mode, chunks=chunks, strict=strict,
                            **options)


def create_with_mode(group: h5py.Group, name: str, shape: Sequence[int], dtype: DTypeLike,
                     mode: Mode, *, chunks: Sequence[int] | None = None,
                     strict: bool = True, **options: object) -> ChunkWriter:
    """`create` for an already validated `zfpcodec.modes.Mode`."""
    stray = sorted(set(options) & set(_OWN_OPTIONS))
    if stray:
        raise TypeError(f"zfpcodec.hdf5 sets {', '.join(stray)} itself")
    dtype = np.dtype(dtype)
    zfp_dtype(dtype)  # TypeError for a type H5Z-ZFP does not store
    dtype = dtype.newbyteorder("=")
    shape = tuple(int(n) for n in shape)
    chunks = default_chunks(shape, dtype.itemsize) if chunks is None else tuple(
        int(n) for n in chunks)
    check_chunks(shape, chunks, dtype.itemsize, options.get("maxshape"))
    fmt = FilterFormat.for_dataset(dtype, chunks, mode)
    cd_values = fmt.cd_values()
    import h5py  # only here: the format itself needs no HDF5

    plugin = h5py.h5z.filter_avail(FILTER_ID)
    # the chunks and the filter (optional, as h5py sets one given by
    # number) go to HDF5 in the property list: h5py refuses chunks longer
    # than a fixed axis, which HDF5 takes on an axis of length 0 (an empty
    # dataset, where h5py's own chunks are such).  h5py is told the chunks
    # only with a maxshape, where it would otherwise choose its own.
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk(chunks)
    dcpl.set_filter(FILTER_ID, h5py.h5z.FLAG_OPTIONAL,
                    fmt.generic_cd_values() if plugin else cd_values)
    dataset = group.create_dataset(name, shape=shape, dtype=dtype, dcpl=dcpl,
                                   chunks=chunks if options.get("maxshape") else None,
                                   **options)
    stored = filters(dataset)[0][1]
    if stored != cd_values:
        del group[name]
        raise ZFPError(f"the H5Z-ZFP loaded in this process stored cd_values {stored}, "
                       f"not {cd_values}: its chunks would not be ours", "header")
    return ChunkWriter(dataset, fmt, strict=strict)


def check_chunks(shape: tuple[int, ...], chunks: tuple[int, ...], itemsize: int,
                 maxshape: object = None) -> None:
    """ValueError for chunks HDF5 refuses, before anything is compressed
    (the cd_values encode a whole chunk of zeros, minutes for a huge one):
    a rank other than the dataset's, an axis longer than the dataset's (its
    `maxshape` where given, h5py's rule: None there is unlimited; without
    one, an axis of length 0 takes any, as HDF5 does), or more than
    `MAX_CHUNK_BYTES`."""
    if len(chunks) != len(shape) or min(chunks, default=1) < 1:
        raise ValueError(f"chunks {chunks} do not fit a dataset of shape {shape}: one "
                         "positive size per axis")
    name, limits = ("shape", shape) if maxshape is None else (
        "maxshape", tuple(maxshape) if isinstance(maxshape, (tuple, list)) else (maxshape,))
    if any(limit is not None and n > limit and (limit or maxshape is not None)
           for n, limit in zip(chunks, limits)):
        raise ValueError(f"chunks {chunks} are longer than the dataset's {name} {limits} "
                         "on some axis (HDF5 allows that only on an unlimited axis)")
    nbytes = math.prod(chunks) * itemsize
    if nbytes > MAX_CHUNK_BYTES:
        raise ValueError(f"chunks {chunks} hold {nbytes} bytes; HDF5 stores chunks of at "
                         f"most {MAX_CHUNK_BYTES} (4 GiB - 1): choose smaller chunks")


def default_chunks(shape: Sequence[int], itemsize: int) -> tuple[int, ...]:
    """About `CHUNK_TARGET_BYTES` chunks: size 1 on all but the last 4 axes,
    the largest axis halved (to a multiple of 4 while above 4) until the
    chunk fits.  An axis of length 0 (an empty dataset, which stores no
    chunk) gets one zfp block's side, 4, so that the chunks have an axis
    longer than 1, as H5Z-ZFP needs."""
    chunks = [1] * max(len(shape) - MAX_AXES, 0) + [int(n) or BLOCK_SIDE
                                                    for n in shape[-MAX_AXES:]]
    while math.prod(chunks) * itemsize > CHUNK_TARGET_BYTES:
        axis = chunks.index(max(chunks))
        half = -(-chunks[axis] // 2)
        chunks[axis] = -(-half // 4) * 4 if half > 4 else half
    return tuple(chunks)


class ChunkWriter:
    """Writes the chunks of an H5Z-ZFP dataset, compressed by zfpcodec.

    Made by `create`.  `write` takes a block of whole chunks (the whole
    array, one chunk, or any chunk-aligned slab, e.g. a few time steps);
    chunks can be written in any order, and written again.

    Attributes
    ----------
    dataset : h5py.Dataset
        The dataset written.
    strict : bool
        Whether a chunk a lossy mode cannot keep is refused (`write`).
    """

    def __init__(self, dataset: h5py.Dataset, fmt: FilterFormat, *, strict: bool = True) -> None:
        self.dataset = dataset
        self.strict = strict
        self._fmt = fmt
        self._dtype = np.dtype(dataset.dtype)
        self._chunks = tuple(dataset.chunks)
        self._fill = dataset.fillvalue

    @property
    def format(self) -> FilterFormat:
        """The dataset's H5Z-ZFP format (type, chunk field, mode)."""
        return self._fmt

    def write(self, values: ArrayLike, offset: Sequence[int] | None = None, *,
              threads: int = 1) -> None:
        """Write `values` at `offset` (element coordinates; default 0s).

        The block must start on a chunk boundary and end on one or at the
        dataset's edge on every axis.  Edge chunks are padded with the fill
        value, as HDF5 pads them for H5Z-ZFP, so the bytes equal the
        plugin's.  `threads` compress chunks in parallel (0: one per core).

        Values of another type are converted to the dataset's: integers
        must fit it (ValueError naming the range otherwise, where a cast
        would wrap them), and a conversion of another kind (floats to
        integers) is refused with TypeError.

        With `strict`, a chunk whose values a lossy mode cannot keep (NaN,
        +-inf, a range too wide for the tolerance, magnitudes block
        floating point cannot scale, integers beyond zfp's range; edge
        chunks with their fill-value padding) raises
        `zfpcodec.bound.BoundError`, as `zfpcodec.ZFP` refuses it; chunks
        already written stay.
        """
        values = np.asarray(values)
        offset = (0,) * len(self._chunks) if offset is None else tuple(
            int(n) for n in offset)
        self._check_block(values, offset)
        values = _as_dataset_type(values, self._dtype)
        origins = list(_origins(offset, values.shape, self._chunks)) if values.size else []
        count = engine.thread_count(threads)
        if count == 1 or len(origins) == 1:
            for origin in origins:
                self._store(origin, self._compress(values, offset, origin))
            return
        with ThreadPoolExecutor(count or None, thread_name_prefix="zfpcodec-h5") as pool:
            streams = pool.map(lambda origin: self._compress(values, offset, origin), origins)
            for origin, stream in zip(origins, streams):
                self._store(origin, stream)

    def _check_block(self, values: NDArray[Any], offset: tuple[int, ...]) -> None:
        shape = self.dataset.shape
        if values.ndim != len(shape) or len(offset) != len(shape):
            raise ValueError(f"the dataset has {len(shape)} dimensions; values of shape "
                             f"{values.shape} at offset {offset} do not match")
        if values.size == 0:
            return
        for axis, (start, count, size, chunk) in enumerate(
                zip(offset, values.shape, shape, self._chunks)):
            end = start + count
            if start % chunk or not 0 <= start < size or end > size or (
                    end % chunk and end != size):
                raise ValueError(
                    f"values of shape {values.shape} at offset {offset} do not cover whole "
                    f"chunks of {self._chunks} on axis {axis} (size {size}): blocks start "
                    "on a chunk boundary and end on one or at the dataset's edge")

    def _compress(self, values: NDArray[Any], offset: tuple[int, ...],
                  origin: tuple[int, ...]) -> bytes:
        part = values[tuple(slice(o - b, o - b + c) for o, b, c in
                            zip(origin, offset, self._chunks))]
        if part.shape != self._chunks:
            padded = np.full(self._chunks, self._fill, dtype=self._dtype)
            padded[tuple(slice(0, n) for n in part.shape)] = part
            part = padded
        try:
            return self._fmt.encode(part, strict=self.strict)
        except BoundError as error:
            raise _refusal(error, f"chunk {origin} of {self.dataset.name}") from None

    def _store(self, origin: tuple[int, ...], stream: bytes) -> None:
        self.dataset.id.write_direct_chunk(origin, stream, filter_mask=0)


def _refusal(error: BoundError, chunk: str) -> BoundError:
    """`error` told with the fixes an H5Z-ZFP dataset has: unlike Zarr,
    where zfpcodec.MaskedZFP keeps missing values apart, HDF5 has no
    filter that does."""
    report = error.report
    if report.lossy_integer_modes_fit:
        fix = "precision= or rate=, or reversible=True (lossless)"
    else:
        fix = ("reversible=True (lossless: H5Z-ZFP has no mask that keeps missing values "
               "apart, as zfpcodec.MaskedZFP does in Zarr)")
    if report.nonfinite_blocks:
        fix += ("; or finite values in place of NaN and +-inf (and a finite fillvalue, "
                "where NaN is the padding of ragged edge chunks)")
    elif report.too_wide:
        fix += "; or a larger tolerance"
    if report.scale_blocks:
        fix += "; or values scaled into range (times a power of two)"
    return BoundError(f"zfpcodec.hdf5 refuses to store {chunk}: {'; '.join(error.problems)}. "
                      f"Fix: use {fix}. (strict=False stores it anyway.)", report,
                      error.problems, error.masked)


def _as_dataset_type(values: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
    """`values` as `dtype`, refusing what a cast would change silently:
    integers out of `dtype`'s range (NumPy wraps them) and conversions of
    another kind.  Floats narrowed to float32 overflow to inf, as HDF5's
    own conversion does."""
    if values.dtype == dtype:
        return values
    if values.dtype.kind in "iu" and dtype.kind in "iu" and values.size:
        info = np.iinfo(dtype)
        low, high = int(values.min()), int(values.max())
        if low < info.min or high > info.max:
            raise ValueError(f"values from {low} to {high} do not fit the dataset's {dtype} "
                             f"({info.min} to {info.max})")
        return values.astype(dtype)
    if not np.can_cast(values.dtype, dtype, "same_kind"):
        raise TypeError(f"cannot store {values.dtype} values in a dataset of {dtype}: "
                        "convert them first")
    return values.astype(dtype, casting="same_kind")


def _origins(offset: Sequence[int], shape: Sequence[int],
             chunks: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Origins of the chunks of a chunk-aligned block, in C order."""
    return itertools.product(*(range(o, o + n, c) for o, n, c in zip(offset, shape, chunks)))
