"""``zfpcodec stats --plot``: the rate-distortion curve of the measured
settings, drawn with matplotlib (the ``[plot]`` extra).

Two panels share the x axis, bits per value: PSNR (higher is better) and
the maximum absolute error (log scale, lower is better), one line per mode
(fixed rate, fixed precision, fixed accuracy, expert) through its settings.
Reversible (lossless) settings have no error to draw: each is a dashed
vertical line at its bits per value.  The figure is drawn on a
`matplotlib.figure.Figure` of its own, without pyplot, so a caller's
figures and backend (a notebook's) are left alone.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Sequence

from .errors import CLIError, UsageError
from .outputs import atomic_file
from .report import Row

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INSTALL_HINT = 'pip install "zfpcodec[plot]"'
MODE_TITLES = {"rate": "fixed rate", "precision": "fixed precision",
               "tolerance": "fixed accuracy", "expert": "expert"}


def figure_class() -> type[Figure]:
    """matplotlib's Figure, or a CLIError that says how to install it."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise CLIError(f"--plot needs matplotlib, which is not installed: "
                       f"{INSTALL_HINT}") from None
    return Figure


def check_plot_path(path: str) -> str:
    """The image format of `path`, named by its extension (png, svg, pdf
    ...); a UsageError for a format matplotlib cannot write or for '-'
    (stdout carries the table)."""
    formats = figure_class()().canvas.get_supported_filetypes()
    extension = os.path.splitext(path)[1].lstrip(".").lower()
    if extension not in formats:
        raise UsageError(f"--plot {path}: name an image file ending in one of "
                         f"{', '.join('.' + f for f in sorted(formats))}, e.g. rd.png")
    return extension


def write_rate_distortion(path: str, image_format: str, rows: Sequence[Row],
                          kinds: Sequence[str], title: str, raw_bits: int) -> None:
    """Draw the `rows` of `stats` (their settings' mode names in `kinds`;
    `raw_bits`: bits per value uncompressed) and write the image to `path`
    atomically."""
    figure = figure_class()(figsize=(11, 4.2), layout="constrained")
    psnr_axes, error_axes = figure.subplots(1, 2, sharex=True)
    for kind, title_of_mode in MODE_TITLES.items():
        points = sorted((row["bits_per_value"], row["psnr"], row["max_error"])
                        for row, k in zip(rows, kinds) if k == kind)
        if not points:
            continue
        bits, psnr, max_error = zip(*points)
        # exact points (infinite PSNR, zero error) are off these scales
        psnr_axes.plot(bits, [p if p != float("inf") else float("nan") for p in psnr],
                       marker="o", label=title_of_mode)
        error_axes.plot(bits, [e if e > 0 else float("nan") for e in max_error],
                        marker="o", label=title_of_mode)
    for row, kind in zip(rows, kinds):
        if kind == "reversible":
            for axes in (psnr_axes, error_axes):
                axes.axvline(row["bits_per_value"], color="grey", linestyle="--",
                             label=f"reversible: {row['bits_per_value']:.3g} bits/value")
    error_axes.set_yscale("log")
    for axes in (psnr_axes, error_axes):
        axes.set_xlabel(f"bits per value ({raw_bits} uncompressed)")
        axes.grid(alpha=0.3)
    psnr_axes.set_ylabel("PSNR (dB), higher is better")
    error_axes.set_ylabel("maximum absolute error, lower is better")
    psnr_axes.legend(fontsize="small")
    figure.suptitle(title)
    with atomic_file(path) as file:
        figure.savefig(file, format=image_format, dpi=100)
