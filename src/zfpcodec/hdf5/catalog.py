"""`zfp_datasets`: the H5Z-ZFP datasets of an HDF5 file, with their modes
and sizes (what ``zfpcodec h5 list`` prints)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .h5z_zfp import FILTER_ID, DeclinedFilter, FilterFormat
from .reader import chunk_infos, filter_format, filters

if TYPE_CHECKING:
    import h5py


@dataclass(frozen=True)
class ZFPDataset:
    """One H5Z-ZFP dataset.

    Attributes
    ----------
    path : str
        Its name in the file.
    dtype : numpy.dtype
    shape, chunks : tuple of int
    format : FilterFormat, DeclinedFilter or None
        What its cd_values say: a DeclinedFilter where H5Z-ZFP declined the
        dataset and its chunks are stored unfiltered (None when `problem`
        says why not).
    stored_bytes : int
        Bytes its chunks take in the file.
    chunks_stored : int
        How many of its chunks were written.
    values_stored : int
        How many of its values those chunks hold (edge chunks clipped to
        the dataset).
    problem : str or None
        Why zfpcodec cannot read it (other filters too, corrupt cd_values, a
        chunk compressed under cd_values that declined the dataset).
    """

    path: str
    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    format: FilterFormat | DeclinedFilter | None
    stored_bytes: int
    chunks_stored: int
    values_stored: int
    problem: str | None = None

    @property
    def raw_bytes(self) -> int:
        """Bytes of the values the written chunks hold."""
        return self.values_stored * self.dtype.itemsize

    @property
    def ratio(self) -> float:
        """Compression ratio of the chunks written."""
        return self.raw_bytes / self.stored_bytes if self.stored_bytes else math.inf

    @property
    def bits_per_value(self) -> float:
        """Stored bits per value of the chunks written."""
        return 8 * self.stored_bytes / self.values_stored if self.values_stored else 0.0


def zfp_datasets(group: h5py.Group) -> list[ZFPDataset]:
    """Every dataset under `group` (an h5py File or Group) whose filter
    pipeline holds H5Z-ZFP, in name order."""
    import h5py

    found: list[ZFPDataset] = []

    def visit(_: str, item: Any) -> None:
        if not isinstance(item, h5py.Dataset) or item.chunks is None:
            return
        if FILTER_ID not in [filter_id for filter_id, _ in filters(item)]:
            return
        fmt: FilterFormat | DeclinedFilter | None = None
        problem = None
        infos = chunk_infos(item)
        try:
            position, stored_format = filter_format(item)
            if isinstance(stored_format, DeclinedFilter):  # readable if no chunk went through
                stored_format.check_chunks(infos, position)
            fmt = stored_format
        except ValueError as error:  # other filters too, or corrupt cd_values (ZFPError)
            problem = str(error)
        origins = [info.chunk_offset for info in infos]
        values = sum(math.prod(min(c, n - o) for o, c, n in zip(origin, item.chunks, item.shape))
                     for origin in origins)
        found.append(ZFPDataset(path=item.name, dtype=item.dtype, shape=item.shape,
                                chunks=item.chunks, format=fmt,
                                stored_bytes=item.id.get_storage_size(),
                                chunks_stored=len(origins), values_stored=values,
                                problem=problem))

    group.visititems(visit)
    return found
