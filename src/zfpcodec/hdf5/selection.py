"""Basic NumPy selections (integers, slices, Ellipsis) over a chunk grid.

`plan` turns a selection into one `AxisPlan` per axis; `chunk_pieces` lists
the chunks it touches, each with the part of the chunk to copy and where it
goes in the output.  Negative steps are read as their positive twins and
flipped at the end, so every piece is a plain forward slice.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass
from types import EllipsisType
from typing import Any, Iterator, Sequence, SupportsIndex, TypeAlias, cast

from numpy.typing import NDArray

# Basic indexing, as h5py takes it: integers, slices and one Ellipsis.
Selection: TypeAlias = (SupportsIndex | slice | EllipsisType
                        | tuple[SupportsIndex | slice | EllipsisType, ...])


@dataclass(frozen=True)
class AxisPlan:
    """One axis of a selection: the indices ``range(start, stop, step)``
    (step > 0) of an axis of `size` cut in chunks of `chunk`; `flip` when
    the selection ran backwards, `drop` when it was an integer."""

    start: int
    stop: int
    step: int
    size: int
    chunk: int
    flip: bool = False
    drop: bool = False

    @property
    def count(self) -> int:
        return len(range(self.start, self.stop, self.step))

    def chunks(self) -> list[int]:
        """Indices of the chunks holding a selected index, in order."""
        if self.count == 0:
            return []
        first, last = self.start, self.start + (self.count - 1) * self.step
        if self.step <= self.chunk:  # no chunk between first and last is skipped
            return list(range(first // self.chunk, last // self.chunk + 1))
        return [i // self.chunk for i in range(first, last + 1, self.step)]

    def piece(self, k: int) -> tuple[slice, slice]:
        """(within chunk `k`, within the output) of the selected indices
        that chunk `k` holds."""
        low, high = k * self.chunk, min((k + 1) * self.chunk, self.size)
        # output positions j with low <= start + j*step < high
        first = max(0, -(-(low - self.start) // self.step))
        end = min(self.count, -(-(high - self.start) // self.step))
        index = self.start + first * self.step - low
        return (slice(index, index + (end - first - 1) * self.step + 1, self.step),
                slice(first, end))

    def covers(self, k: int) -> bool:
        """Whether chunk `k` is a whole chunk, wholly selected."""
        low = k * self.chunk
        return (self.step == 1 and self.start <= low
                and low + self.chunk <= min(self.stop, self.size))


def plan(selection: Selection, shape: Sequence[int], chunks: Sequence[int]) -> list[AxisPlan]:
    """The per-axis plans of a basic selection of an array of `shape`.

    Raises TypeError for anything but integers, slices and one Ellipsis
    (fancy indexing, newaxis), IndexError for an integer out of range or
    too many indices.
    """
    items = selection if isinstance(selection, tuple) else (selection,)
    if sum(item is Ellipsis for item in items) > 1:
        raise IndexError("a selection can hold only one Ellipsis (...)")
    if Ellipsis in items:
        at = items.index(Ellipsis)
        fill = len(shape) - (len(items) - 1)
        items = items[:at] + (slice(None),) * fill + items[at + 1:]
    if len(items) > len(shape):
        raise IndexError(f"too many indices: {len(items)} for a dataset of {len(shape)} "
                         "dimensions")
    items = items + (slice(None),) * (len(shape) - len(items))
    return [_axis(item, size, chunk, axis)
            for axis, (item, size, chunk) in enumerate(zip(items, shape, chunks))]


def _axis(item: object, size: int, chunk: int, axis: int) -> AxisPlan:
    if isinstance(item, slice):
        start, stop, step = item.indices(size)
        if step > 0:
            return AxisPlan(start, max(start, stop), step, size, chunk)
        count = len(range(start, stop, step))
        last = start + (count - 1) * step if count else start
        return AxisPlan(last, last + (count - 1) * -step + 1 if count else last, -step,
                        size, chunk, flip=True)
    if isinstance(item, bool) or not hasattr(type(item), "__index__"):
        raise TypeError(f"selections take integers, slices and ..., not {item!r} "
                        f"(axis {axis}); read the part you need and index it with NumPy")
    index = operator.index(cast(SupportsIndex, item))
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of range for axis {axis} of size {size}")
    index %= size
    return AxisPlan(index, index + 1, 1, size, chunk, drop=True)


@dataclass(frozen=True)
class Piece:
    """One touched chunk: its `origin` (element offsets, as HDF5 names a
    chunk), what to take from it (`source`), where it goes (`target`), and
    whether it is copied whole (`whole`: the chunk's full shape, every value
    selected, lands as it is)."""

    origin: tuple[int, ...]
    source: tuple[slice, ...]
    target: tuple[slice, ...]
    whole: bool


def chunk_pieces(plans: Sequence[AxisPlan]) -> Iterator[Piece]:
    """Every chunk the selection touches, in C order of the chunk grid."""
    per_axis = [[(k, *axis.piece(k), axis.covers(k)) for k in axis.chunks()]
                for axis in plans]
    for combo in itertools.product(*per_axis):
        yield Piece(origin=tuple(k * axis.chunk for (k, *_), axis in zip(combo, plans)),
                    source=tuple(source for _, source, _, _ in combo),
                    target=tuple(target for _, _, target, _ in combo),
                    whole=all(whole for *_, whole in combo))


def out_shape(plans: Sequence[AxisPlan]) -> tuple[int, ...]:
    """The shape of the array the pieces are copied into (before `finish`)."""
    return tuple(axis.count for axis in plans)


def finish(array: NDArray[Any], plans: Sequence[AxisPlan]) -> Any:
    """The selection's result from the array the pieces were copied into:
    backwards axes reversed, integer-indexed axes dropped; a NumPy scalar
    (native byte order) when every axis is, as h5py returns."""
    flips = tuple(slice(None, None, -1) if axis.flip else slice(None) for axis in plans)
    if any(axis.flip for axis in plans):
        array = array[flips].copy()
    if all(axis.drop for axis in plans):
        return array.reshape(())[()]
    return array.reshape(tuple(axis.count for axis in plans if not axis.drop))
