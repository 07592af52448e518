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

from .. import bound, engine, masked
from ..masked import Missing
from ..metrics import error_stats, value_range
from ..modes import Mode
from .errors import CLIError
from .io import read_array
from .options import (Commands, add_force, add_missing_option, add_mode_options,
                      add_raw_options, add_threads, build_mode, describe_missing,
                      positive_int, setting_label, subparser)
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
               "compress would refuse it.  With --missing it measures the masked\n"
               "container compress --missing writes: errors over the valid values (the\n"
               "missing ones come back bit for bit), the mask counted in the ratio.\n\n"
               "--plot draws bits per value against PSNR and maximum error, one line\n"
               f"per mode, with matplotlib ({INSTALL_HINT}).\n\n"
               "examples:\n  zfpcodec stats field.npy --tolerance 1e-2 1e-4 --rate 8 "
               "--reversible\n"
               "  zfpcodec stats field.npy -r 2 4 8 16 -p 8 16 24 -a 1e-1 1e-3 1e-5 -R "
               "--plot rd.png\n"
               "  zfpcodec stats sst.npy -a 1e-2 1e-3 --missing -1e10",
        parents=[common, progress])
    sub.add_argument("input", help="input .npy or raw file ('-' for stdin)")
    add_raw_options(sub, "input")
    add_mode_options(sub, several=True)
    add_missing_option(sub, "measure the masked container (as compress --missing writes it)")
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
    valid = None if args.missing is None else ~args.missing.mask(arr)
    lo, hi = value_range(arr) if valid is None else \
        value_range(arr[valid]) if valid.any() else (math.nan, math.nan)
    decoded = None if valid is not None else \
        np.empty_like(arr, dtype=arr.dtype.newbyteorder("="), subok=False)
    rows, notes = [], []
    with Progress(len(modes), "stats", args.progress, unit="settings",
                  quiet=args.quiet) as progress:
        for label, mode in modes:
            try:
                if decoded is not None:
                    row, problems = measure(arr, mode, decoded, (lo, hi), args.threads,
                                            args.repeat)
                else:
                    assert valid is not None
                    row, problems = measure_masked(arr, mode, args.missing, valid, (lo, hi),
                                                   args.threads, args.repeat)
            except ValueError as error:  # settings no reader decodes back, for one
                raise CLIError(f"{label}: {error}") from None
            rows.append(dict(setting=label, **row))
            progress.advance(1)
            if problems:
                notes.append(f"note: {label}: the error bound does not hold: "
                             f"{'; '.join(problems)} (compress refuses this without "
                             f"{'' if valid is not None else '--missing or '}"
                             "--allow-unbounded)")
    if not args.quiet:
        for text in notes:
            note(text)
    if image_format is not None:
        write_rate_distortion(args.plot, image_format, rows, [kind for kind, _ in settings],
                              f"{show(args.input)}: {arr.dtype} {shape_text(arr.shape)}",
                              8 * arr.dtype.itemsize)
    missing = None if valid is None else int(valid.size - np.count_nonzero(valid))
    if args.json:
        print(json.dumps(dict(input=show(args.input), dtype=str(arr.dtype),
                              shape=list(arr.shape), missing=missing, rows=rows), indent=2))
        return
    if not args.quiet:
        print(f"{show(args.input)}: {arr.dtype} {shape_text(arr.shape)}, {arr.nbytes} bytes, "
              f"{_values_text(arr, args.missing, missing, (lo, hi))}")
    print(format_table(COLUMNS, rows))


def _values_text(arr: NDArray[Any], missing: Missing | None, count: int | None,
                 limits: tuple[float, float]) -> str:
    """The values' range in words, and what is missing or not finite."""
    if missing is not None:
        others = (" (no error to measure)" if count == arr.size else
                  f", the others in [{limits[0]:.6g}, {limits[1]:.6g}]")
        return (f"{count} of {arr.size} values missing ({describe_missing(missing, arr.dtype)})"
                + others)
    if arr.dtype.kind == "f" and math.isnan(limits[0] + limits[1]):
        finite = np.isfinite(arr)
        if not finite.any():
            return "no finite value"
        return (f"{arr.size - np.count_nonzero(finite)} NaN or +-inf (--missing nan measures "
                f"them stored exactly), the others in [{np.min(arr[finite]):.6g}, "
                f"{np.max(arr[finite]):.6g}]")
    return f"values in [{limits[0]:.6g}, {limits[1]:.6g}]"


def measure(arr: NDArray[Any], mode: Mode, decoded: NDArray[Any], limits: tuple[float, float],
            threads: int, repeat: int) -> tuple[Row, list[str]]:
    """Compress and decompress `arr` (best time of `repeat`) and compare;
    `limits` is the (min, max) of `arr`.  Also what breaks the mode's error
    bound, as the engine found it while coding (at no measurable cost)."""
    compress_s = decompress_s = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        stream, counts = engine.compress_report(arr, mode, rate_clamp=True, threads=threads)
        compress_s = min(compress_s, time.perf_counter() - start)
        start = time.perf_counter()
        engine.decompress(stream, out=decoded, threads=threads)
        decompress_s = min(decompress_s, time.perf_counter() - start)
    errors = error_stats(arr, decoded, limits)
    report = bound.report_of(counts, arr, mode)
    return (_row(arr, len(stream), errors, compress_s, decompress_s),
            report.problems if arr.dtype.kind == "f" else [])


def measure_masked(arr: NDArray[Any], mode: Mode, missing: Missing, valid: NDArray[np.bool_],
                   limits: tuple[float, float], threads: int, repeat: int
                   ) -> tuple[Row, list[str]]:
    """`measure` for the masked container of `arr` (`valid`: where no value
    is missing; `limits`: the valid values' range): the ratio counts the
    whole container, errors are over the valid values, and the missing ones
    must come back bit for bit."""
    native = arr.astype(arr.dtype.newbyteorder("="), copy=False)  # bit patterns
    problems: list[str] = []
    compress_s = decompress_s = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            container = masked.encode(native, mode, missing, strict=not problems,
                                      codec="stats", threads=threads)
        except bound.BoundError as error:   # measured all the same, with a note
            problems = error.problems
            start = time.perf_counter()
            container = masked.encode(native, mode, missing, strict=False, codec="stats",
                                      threads=threads)
        compress_s = min(compress_s, time.perf_counter() - start)
        start = time.perf_counter()
        decoded = masked.decode(container, threads=threads)
        decompress_s = min(decompress_s, time.perf_counter() - start)
    bits = np.dtype(f"u{arr.dtype.itemsize}")
    if not np.array_equal(native.view(bits)[~valid], decoded.view(bits)[~valid]):
        raise CLIError("the masked container did not restore every missing value bit for "
                       "bit: please report this as a bug of zfpcodec")
    errors = error_stats(native[valid], decoded[valid], limits)
    return _row(arr, len(container), errors, compress_s, decompress_s), problems


def _row(arr: NDArray[Any], stored: int, errors: dict[str, float], compress_s: float,
         decompress_s: float) -> Row:
    return dict(ratio=arr.nbytes / stored, bits_per_value=8 * stored / arr.size,
                stream_bytes=stored, **errors,
                compress_mbps=arr.nbytes / MB / max(compress_s, 1e-9),
                decompress_mbps=arr.nbytes / MB / max(decompress_s, 1e-9))
