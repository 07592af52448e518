"""What the command line prints: names of files and shapes, notes on
stderr, tables and a stream's description (the progress bar: `progress`)."""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Sequence, TypeAlias

import numpy as np

from ..modes import describe_params
from .options import STDIO, equivalent_options, mode_name

MB = 1e6                        # speeds are MB/s of uncompressed data

# A row of a table (and of --json output): a value for each column's key.
Row: TypeAlias = dict[str, Any]


def show(path: str, stream: str = "stdin") -> str:
    """A file name as messages give it ('<stdin>' or '<stdout>' for '-')."""
    return f"<{stream}>" if path == STDIO else path


def shape_text(shape: Sequence[int]) -> str:
    """A shape as 100x200x300."""
    return "x".join(str(n) for n in shape)


def note(message: str) -> None:
    """A line for the user on stderr (stdout may carry data), dropped where
    stderr takes nothing (2>/dev/full): no command fails for a line about
    its work, and its exit status still says how the work went."""
    try:
        print(message, file=sys.stderr)
    except OSError:
        # what the failed write left in stderr's buffer would fail again at
        # exit (status 120): the lines after it go nowhere
        sys.stderr = open(os.devnull, "w")


def stream_info(path: str, size: int, dtype: np.dtype[Any], shape: tuple[int, ...],
                params: tuple[int, int, int, int], header_bits: int) -> Row:
    """What `info` reports, as a JSON-ready dict."""
    values = int(np.prod(shape))
    raw = values * dtype.itemsize
    minbits, maxbits, maxprec, minexp = params
    return dict(file=show(path), dtype=str(dtype), shape=list(shape),
                mode=mode_name(params),
                description=describe_params(params, len(shape)),
                parameters=dict(minbits=minbits, maxbits=maxbits, maxprec=maxprec,
                                minexp=minexp),
                options=equivalent_options(params, len(shape), dtype),
                header_bits=header_bits, raw_bytes=raw, stream_bytes=size,
                ratio=raw / size if size else math.inf,
                bits_per_value=8 * size / values)


@dataclass(frozen=True)
class Column:
    """A column of a table: the row's key, its title, its format."""

    key: str
    title: str
    fmt: str


# What compressing with one setting gave: the columns `stats` and `demo` share.
QUALITY_COLUMNS = [Column("setting", "setting", "{}"),
                   Column("ratio", "ratio", "{:.4g}"),
                   Column("bits_per_value", "bits/value", "{:.4g}"),
                   Column("max_error", "max error", "{:.4g}"),
                   Column("rmse", "RMSE", "{:.4g}"),
                   Column("psnr", "PSNR dB", "{:.2f}")]


def format_table(columns: Sequence[Column], rows: Sequence[Row]) -> str:
    """A plain-text table: first column left-aligned, the others right."""
    cells = [[c.title for c in columns]]
    cells += [[c.fmt.format(row[c.key]) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                         for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(values) for values in cells[1:]])
