"""`read`: H5Z-ZFP datasets read with h5py alone, without the HDF5 plugin.

Data path: the selection's chunks (selection.py) -> their stored bytes,
read one after the other with ``read_direct_chunk`` (h5py serialises its
calls anyway) -> decoded by the C engine on a pool of threads (it releases
the GIL), each straight into its place in the output where a whole chunk
lands as it is, and, for a part of a chunk, only the blocks the part
touches (`zfpcodec.region`; whole when it touches every block) -> the
output.

A dataset H5Z-ZFP declined (generic cd_values, `DeclinedFilter`) has its
chunks stored as they are: they are copied, not decoded.
"""

from __future__ import annotations

import math
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
from numpy.typing import NDArray

from .. import engine
from ..errors import ZFPError
from . import selection as sel
from .h5z_zfp import FILTER_ID, DeclinedFilter, FilterFormat, is_generic

if TYPE_CHECKING:
    import h5py


def filter_format(dataset: h5py.Dataset) -> tuple[int, FilterFormat | DeclinedFilter]:
    """(position in the filter pipeline, `FilterFormat`) of an H5Z-ZFP
    dataset, or a `DeclinedFilter` where H5Z-ZFP declined the dataset (its
    generic cd_values kept).  ValueError when the dataset is not compressed
    by H5Z-ZFP alone; ZFPError when its cd_values are corrupt or do not
    fit it."""
    pipeline = filters(dataset)
    ids = [filter_id for filter_id, _ in pipeline]
    if FILTER_ID not in ids:
        raise ValueError(f"dataset {dataset.name!r} is not compressed with H5Z-ZFP "
                         f"(filter {FILTER_ID}); its filters are {ids or 'none'}: "
                         "read it with h5py")
    if len(ids) > 1:
        raise ValueError(f"dataset {dataset.name!r} has the filters {ids}: "
                         "zfpcodec.hdf5.read reads datasets whose only filter is H5Z-ZFP "
                         f"({FILTER_ID})")
    position = ids.index(FILTER_ID)
    cd_values = pipeline[position][1]
    if is_generic(cd_values):
        # the chunks are the values as they are: any type of fixed size
        if dataset.dtype.hasobject:
            raise ValueError(f"dataset {dataset.name!r} holds variable-length values "
                             f"({dataset.dtype}): read it with h5py")
        return position, DeclinedFilter.from_cd_values(cd_values)
    fmt = FilterFormat.from_cd_values(cd_values)
    fmt.check_dataset(dataset.dtype, dataset.chunks)
    return position, fmt


def filters(dataset: h5py.Dataset) -> list[tuple[int, tuple[int, ...]]]:
    """(filter id, cd_values) of each filter in the dataset's pipeline."""
    plist = dataset.id.get_create_plist()
    pipeline = []
    for i in range(plist.get_nfilters()):
        filter_id, _, cd_values, _ = plist.get_filter(i)  # (id, flags, cd_values, name)
        pipeline.append((filter_id, tuple(cd_values)))
    return pipeline


def chunk_infos(dataset: h5py.Dataset) -> list[Any]:
    """h5py's StoreInfo (offset, filter mask, byte offset, size) of every
    chunk written, in one pass over the chunk index where HDF5 allows."""
    found: list[Any] = []
    if hasattr(dataset.id, "chunk_iter"):  # HDF5 1.14
        dataset.id.chunk_iter(found.append)
    else:
        found = [dataset.id.get_chunk_info(i) for i in range(dataset.id.get_num_chunks())]
    return found


def read(dataset: h5py.Dataset, selection: sel.Selection = Ellipsis, *,
         threads: int = 1) -> Any:
    """Read an H5Z-ZFP dataset, or part of it, without the HDF5 plugin.

    Parameters
    ----------
    dataset : h5py.Dataset
        An open dataset whose one filter is H5Z-ZFP (filter id 32013):
        int32/int64/uint32/uint64/float32/float64 values, any rank (at most
        4 chunk axes longer than 1), any zfp mode; or one H5Z-ZFP declined
        (chunks whose every axis is 1, or with more than 4 axes longer than
        1), whose chunks HDF5 stored unfiltered.
    selection : int, slice, Ellipsis or a tuple of them, optional
        What to read, as in NumPy basic indexing (default: everything).
        Only the chunks the selection touches are read.
    threads : int, optional
        Threads decoding chunks in parallel (0: one per core; default 1).

    Returns
    -------
    numpy.ndarray or NumPy scalar
        The values h5py with the plugin returns: the dataset's dtype (its
        byte order included), shape as NumPy's basic indexing gives; a
        NumPy scalar (native byte order, as NumPy scalars are) when every
        axis is an integer.  Chunks never written read as the dataset's
        fill value.

    Raises
    ------
    ValueError
        The dataset is not compressed by H5Z-ZFP alone.
    ZFPError
        Corrupt cd_values or a corrupt or truncated chunk, or a chunk that
        went through a filter that declined the dataset (nothing says how
        it was compressed).
    TypeError, IndexError
        A selection that is not basic indexing, or out of range.
    """
    position, fmt = filter_format(dataset)
    plans = sel.plan(selection, dataset.shape, dataset.chunks)
    out = engine.allocate(sel.out_shape(plans), dataset.dtype)
    decode: _ChunkDecoder | _RawChunkCopier
    if isinstance(fmt, DeclinedFilter):
        decode = _RawChunkCopier(fmt, position, dataset.dtype, dataset.chunks,
                                 dataset.fillvalue)
    else:
        decode = _ChunkDecoder(fmt, position, dataset.dtype, dataset.chunks, dataset.fillvalue)
    with _Workers(threads) as run:
        for piece in sel.chunk_pieces(plans):
            target = out[piece.target]
            stored = _stored_chunk(dataset, piece.origin)
            run(decode, stored, piece, target)
    return sel.finish(out, plans)


def _stored_chunk(dataset: h5py.Dataset, origin: tuple[int, ...]) -> tuple[int, bytes] | None:
    """(filter mask, bytes) of the chunk at `origin`, None if never written.
    The mask comes from the chunk index: read_direct_chunk reports 0 for a
    chunk written in the same session (h5py 3.16, HDF5 2.0)."""
    info = dataset.id.get_chunk_info_by_coord(origin)
    if info.byte_offset is None:
        return None
    return info.filter_mask, dataset.id.read_direct_chunk(origin)[1]


class _ChunkDecoder:
    """Puts one chunk's values where they go in the output."""

    def __init__(self, fmt: FilterFormat, position: int, dtype: np.dtype[Any],
                 chunks: tuple[int, ...], fill: object) -> None:
        self.fmt, self.bit, self.dtype, self.chunks, self.fill = (
            fmt, 1 << position, np.dtype(dtype), tuple(chunks), fill)
        # the chunk axes zfp drops: squeezing them off a whole chunk's place
        # in the output gives the zfp field, a view the engine decodes into
        self.unit_axes = tuple(i for i, n in enumerate(chunks) if n <= 1)
        self.layout = fmt.layout

    def __call__(self, stored: tuple[int, bytes] | None, piece: sel.Piece,
                 target: NDArray[Any]) -> None:
        data = _placed_undecoded(stored, piece, target, self.bit, self.dtype, self.chunks,
                                 self.fill)
        if data is None:
            return
        if piece.whole:
            self.fmt.decode(data, out=np.squeeze(target, axis=self.unit_axes))
        elif self.layout.touches_every_block(field := self._field(piece.source)):
            values = self.fmt.decode(data).reshape(self.chunks).view(self.dtype)
            target[...] = values[piece.source]
        else:
            self.fmt.decode_region(data, field, out=np.squeeze(target, axis=self.unit_axes))

    def _field(self, source: tuple[slice, ...]) -> tuple[slice, ...]:
        """A selection of a chunk as a selection of its zfp field."""
        return tuple(part for axis, part in enumerate(source) if axis not in self.unit_axes)


class _RawChunkCopier:
    """Puts one chunk of a dataset H5Z-ZFP declined where it goes in the
    output: every chunk written is stored unfiltered."""

    def __init__(self, declined: DeclinedFilter, position: int, dtype: np.dtype[Any],
                 chunks: tuple[int, ...], fill: object) -> None:
        self.declined, self.bit, self.dtype, self.chunks, self.fill = (
            declined, 1 << position, np.dtype(dtype), tuple(chunks), fill)

    def __call__(self, stored: tuple[int, bytes] | None, piece: sel.Piece,
                 target: NDArray[Any]) -> None:
        if _placed_undecoded(stored, piece, target, self.bit, self.dtype, self.chunks,
                             self.fill) is not None:
            # compressed with a zfp header these cd_values do not hold: the
            # mode and shape would be guesses, so it is refused
            raise self.declined.filtered_chunk(piece.origin)


def _placed_undecoded(stored: tuple[int, bytes] | None, piece: sel.Piece,
                      target: NDArray[Any], bit: int, dtype: np.dtype[Any],
                      chunks: tuple[int, ...], fill: object) -> bytes | None:
    """Put a chunk that needs no decoding where it goes (one never written:
    the fill value; one whose filter mask has `bit`, the filter skipped: its
    bytes) and return None; else return the filtered chunk's bytes."""
    if stored is None:
        target[...] = fill
        return None
    mask, data = stored
    if not mask & bit:
        return data
    target[...] = _raw(data, piece.origin, dtype, chunks)[piece.source]
    return None


def _raw(data: bytes, origin: tuple[int, ...], dtype: np.dtype[Any],
         chunks: tuple[int, ...]) -> NDArray[Any]:
    """A chunk stored unfiltered: its bytes as the chunk's values (HDF5
    stores edge chunks whole)."""
    nbytes = math.prod(chunks) * dtype.itemsize
    if len(data) != nbytes:
        raise ZFPError(f"the chunk at {origin} is stored unfiltered (filter mask set) "
                       f"but holds {len(data)} bytes, not the {nbytes} of a chunk",
                       "truncated")
    return np.frombuffer(data, dtype=dtype).reshape(chunks)


class _Workers:
    """``with _Workers(threads) as run: run(f, *args)``: calls f(*args) on up
    to `threads` worker threads (at once when `threads` is 1), at most two
    calls per thread waiting, and re-raises the first error on the way out."""

    def __init__(self, threads: int) -> None:
        count = engine.thread_count(threads)
        self.threads = count or os.cpu_count() or 1
        self.executor: ThreadPoolExecutor | None = None
        self.pending: deque[Future[None]] = deque()

    def __enter__(self) -> Callable[..., None]:
        if self.threads == 1:
            return lambda function, *args: function(*args)
        self.executor = ThreadPoolExecutor(self.threads, thread_name_prefix="zfpcodec-h5")
        return self._submit

    def _submit(self, function: Callable[..., None], *args: Any) -> None:
        assert self.executor is not None  # made by __enter__ before it hands out _submit
        self.pending.append(self.executor.submit(function, *args))
        if len(self.pending) > 2 * self.threads:
            self.pending.popleft().result()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.executor is None:
            return
        try:
            if kind is None:
                _results(self.pending)
        finally:
            for future in self.pending:
                future.cancel()
            self.executor.shutdown(wait=True)


def _results(futures: Iterable[Future[None]]) -> None:
    for future in futures:
        future.result()
