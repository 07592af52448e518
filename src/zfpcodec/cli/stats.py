"""``zfpcodec stats``: compression ratio, error and speed of an array with
each given setting, as a table (like ``zfp -s``), and with ``--plot`` as
rate-distortion curves (`plot`)."""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import bound, engine
from ..metrics import error_stats, value_range
from ..modes import Mode
from .errors import CLIError
from .io import read_array
from .options import (Commands, add_force, add_mode_options, add_raw_options, add_threads,
                      build_mode, positive_int, setting_label, subparser)
from .outputs import check_output
from .plot import INSTALL_HINT, check_plot_path, write_rate_distortion
from .progress import Progress
from .report import MB, QUALITY_COLUMNS, Column, Row, format_table, note, shape_text, show

DEFAULT_SETTINGS = [("rate", 4.0), ("rate", 8.0), ("rate", 16.0), ("reversible", True)]

COLUMNS = QUALITY_COLUMNS + [
    Column("compress_mbps", "compress MB/s", "{:.0f}"),
    Column("decompress_mbps", "decompress MB/s", "{:.0f}")]


def add_parser(commands: Commands, common: argparse.ArgumentParser,
               progress: argparse.ArgumentParser) -> None:
    """The `stats` subcommand's parser."""
    sub = subparser(
        commands, "stats", run, help="measure ratio, error and speed (like zfp -s)",
        description="Compress and decompress an array with each given setting and report "
                    "compression ratio, bits per value, maximum error, RMSE, PSNR and "
                    "speed, like 'zfp -s'.  Without settings: --rate 4 8 16 --reversible.",
        epilog="Bits per value count the whole stream, header included.  PSNR is\n"
               "20 log10(range / (2 RMSE)) over the input's value range, as zfp -s.\n"
               "stats measures whatever happens: a setting whose error bound cannot hold\n"
               "(NaN, +-inf, a fill value such as -1e10) is measured with a note, where\n"
               "compress would refuse it (see compress --missing).\n\n"
               "--plot draws bits per value against PSNR and maximum error, one line\n"
               f"per mode, with matplotlib ({INSTALL_HINT}).\n\n"
               "examples:\n  zfpcodec stats field.npy --tolerance 1e-2 1e-4 --rate 8 "
               "--reversible\n"
               "  zfpcodec stats field.npy -r 2 4 8 16 -p 8 16 24 -a 1e-1 1e-3 1e-5 -R "
               "--plot rd.png",
        parents=[common, progress])
    sub.add_argument("input", help="input .npy or raw file ('-' for stdin)")
    add_raw_options(sub, "input")
    add_mode_options(sub, several=True)
    add_threads(sub)
    sub.add_argument("--repeat", type=positive_int, default=1, metavar="N",
                     help="time the best of N runs (default 1)")
    sub.add_argument("--json", action="store_true", help="print the rows as JSON")
    sub.add_argument("--plot", metavar="IMAGE",
                     help="also draw the rate-distortion curves into IMAGE (.png, .svg, "
                          ".pdf ...; needs matplotlib)")
    add_force(sub, "the --plot image")


def run(args: argparse.Namespace) -> None:
    """stats: ratio, error and speed for each setting, as a table."""
    # a plot that cannot be written is refused before the work
    image_format = None if args.plot is None else check_plot_path(args.plot)
    if args.plot is not None:
        check_output(args.plot, [args.input], args.force)
    arr = read_array(args.input, args.dtype, args.shape)
    settings = args.settings or DEFAULT_SETTINGS
    modes = [(setting_label(kind, value), build_mode(kind, value, arr.dtype))
             for kind, value in settings]
    lo, hi = value_range(arr)
    decoded = np.empty_like(arr, dtype=arr.dtype.newbyteorder("="), subok=False)
    rows, notes = [], []
    with Progress(len(modes), "stats", args.progress, unit="settings",
                  quiet=args.quiet) as progress:
        for label, mode in modes:
            try:
                row, report = measure(arr, mode, decoded, (lo, hi), args.threads,
                                      args.repeat)
            except ValueError as error:  # settings no reader decodes back, for one
                raise CLIError(f"{label}: {error}") from None
            rows.append(dict(setting=label, **row))
            progress.advance(1)
            if arr.dtype.kind == "f" and not report.holds:
                notes.append(f"note: {label}: the error bound does not hold: "
                             f"{'; '.join(report.problems)} (compress refuses this without "
                             "--missing or --allow-unbounded)")
    if not args.quiet:
        for text in notes:
            note(text)
    if image_format is not None:
        write_rate_distortion(args.plot, image_format, rows, [kind for kind, _ in settings],
                              f"{show(args.input)}: {arr.dtype} {shape_text(arr.shape)}",
                              8 * arr.dtype.itemsize)
    if args.json:
        print(json.dumps(dict(input=show(args.input), dtype=str(arr.dtype),
                              shape=list(arr.shape), rows=rows), indent=2))
        return
    if not args.quiet:
        print(f"{show(args.input)}: {arr.dtype} {shape_text(arr.shape)}, {arr.nbytes} bytes, "
              f"values in [{lo:.6g}, {hi:.6g}]")
    print(format_table(COLUMNS, rows))


def measure(arr: NDArray[Any], mode: Mode, decoded: NDArray[Any], limits: tuple[float, float],
            threads: int, repeat: int) -> tuple[Row, bound.BoundReport]:
    """Compress and decompress `arr` (best time of `repeat`) and compare;
    `limits` is the (min, max) of `arr`.  Also what the engine found about
    the mode's error bound (it counts while coding, at no measurable cost)."""
    compress_s = decompress_s = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        stream, counts = engine.compress_report(arr, mode, rate_clamp=True, threads=threads)
        compress_s = min(compress_s, time.perf_counter() - start)
        start = time.perf_counter()
        engine.decompress(stream, out=decoded, threads=threads)
        decompress_s = min(decompress_s, time.perf_counter() - start)
    errors = error_stats(arr, decoded, limits)
    row = dict(ratio=arr.nbytes / len(stream), bits_per_value=8 * len(stream) / arr.size,
               stream_bytes=len(stream), **errors,
               compress_mbps=arr.nbytes / MB / max(compress_s, 1e-9),
               decompress_mbps=arr.nbytes / MB / max(decompress_s, 1e-9))
    return row, bound.report_of(counts, arr, mode)
