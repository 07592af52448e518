"""``zfpcodec demo``: a realistic 3-D temperature field written to Zarr
stores with zfp at a few tolerances and losslessly, read back and measured."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Sequence, cast

import numpy as np
from numpy.typing import NDArray

from ..bound import BoundError
from ..metrics import error_stats, value_range
from .errors import CLIError, UsageError
from .options import (Commands, SettingValue, add_force, build_mode, parse_shape,
                      setting_label, subparser, zarr_codec_args)
from .outputs import HeldInterrupts, check_output, staged_directories
from .progress import Progress
from .report import MB, QUALITY_COLUMNS, Column, Row, format_table, shape_text
from .zarr import import_zarr, writes_settled

TOLERANCES = [0.1, 0.01, 0.001]
SHAPE = (128, 128, 128)
CHUNKS = (64, 64, 64)
LAPSE_RATE_PER_LEVEL = 6.5e-3 * 50    # K per level: 6.5 K/km, levels 50 m apart

COLUMNS = QUALITY_COLUMNS + [
    Column("write_mbps", "write MB/s", "{:.0f}"),
    Column("read_mbps", "read MB/s", "{:.0f}")]


def add_parser(commands: Commands, common: argparse.ArgumentParser,
               progress: argparse.ArgumentParser) -> None:
    """The `demo` subcommand's parser."""
    sub = subparser(
        commands, "demo", run, help="compress a realistic field into Zarr and report",
        description="Make a realistic 3-D temperature field (a smooth mean state plus "
                    "Kolmogorov-like turbulence, in kelvin), write it to Zarr stores with "
                    "zfp at a few error tolerances and losslessly, read it back, and print "
                    "ratio, error and speed.",
        epilog="Needs zarr >= 3 and numcodecs.",
        parents=[common, progress])
    sub.add_argument("-a", "--tolerance", type=float, nargs="+", metavar="TOL",
                     default=TOLERANCES,
                     help="error tolerances in kelvin (default: %(default)s)")
    sub.add_argument("--shape", type=parse_shape, default=SHAPE, metavar="SHAPE",
                     help="field shape (default 128,128,128)")
    sub.add_argument("--chunks", type=parse_shape, default=CHUNKS, metavar="SHAPE",
                     help="chunk shape (default 64,64,64)")
    sub.add_argument("--zarr-format", type=int, choices=(2, 3), default=3,
                     help="Zarr format (default 3)")
    sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sub.add_argument("--out", metavar="DIR",
                     help="keep the stores in DIR (default: a temporary directory, removed)")
    add_force(sub, "the stores in --out DIR")
    sub.add_argument("--json", action="store_true", help="print the rows as JSON")


def run(args: argparse.Namespace) -> None:
    """demo: a realistic field into Zarr with zfp at a few tolerances."""
    zarr = import_zarr()
    if len(args.chunks) != len(args.shape):
        raise UsageError(f"--chunks {shape_text(args.chunks)} and --shape "
                         f"{shape_text(args.shape)} have different numbers of axes")
    settings = [("tolerance", t) for t in args.tolerance] + [("reversible", True)]
    codecs = [(kind, value, zarr_codec_args(build_mode(kind, value, np.float32),
                                            args.zarr_format))
              for kind, value in settings]     # (checks the tolerances first)
    names = [f"tolerance-{value:g}.zarr" if kind == "tolerance" else "lossless.zarr"
             for kind, value in settings]
    if args.out:
        for name in names:
            check_output(str(Path(args.out) / name), [], args.force, store=True)
    with HeldInterrupts() as interrupts:
        rows = write_stores(args, zarr, codecs, names, interrupts)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(format_table(COLUMNS, rows))
    if not args.quiet:
        print(f"\nError bounds hold: {'yes' if all(r['bound_holds'] for r in rows) else 'NO'}."
              "  Speeds are MB/s of uncompressed data, through Zarr.")
        print(f"Stores kept in {args.out}" if args.out else "Stores were written to a "
              "temporary directory and removed (--out DIR keeps them).")


def write_stores(args: argparse.Namespace, zarr: ModuleType,
                 codecs: list[tuple[str, SettingValue, dict[str, object]]], names: list[str],
                 interrupts: HeldInterrupts) -> list[Row]:
    """The demo's field written with each codec to its store in `names`,
    stopping between stores after Ctrl-C; the rows of the table."""
    field = make_field(args.shape, args.seed)
    lo, hi = value_range(field)
    if not args.quiet and not args.json:
        print(f"A {shape_text(args.shape)} float32 temperature field "
              f"({field.nbytes / 2**20:.1f} MiB, {lo:.1f} K to {hi:.1f} K) written to Zarr "
              f"v{args.zarr_format} stores in chunks {shape_text(args.chunks)} with zfp:")
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="zfpcodec-demo-"))
    made = not root.exists()
    rows = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        paths = [str(root / name) for name in names]
        # the stores replace those of an earlier run (--force) all together,
        # once every one is written: a stop on the way leaves the old ones
        with Progress(len(codecs), "demo", args.progress, unit="stores",
                      quiet=args.quiet) as progress, staged_directories(paths) as temps:
            for (kind, value, codec_args), path, temp in zip(codecs, paths, temps):
                interrupts.check()
                rows.append(demo_row(zarr, temp, path, field, args.chunks, args.zarr_format,
                                     codec_args, setting_label(kind, value), (lo, hi),
                                     cast(float, value) if kind == "tolerance" else 0.0))
                progress.advance(1)
    except BaseException:
        if args.out and made and root.is_dir() and not any(root.iterdir()):
            root.rmdir()           # no store was written: leave no trace of --out
        raise
    finally:
        if not args.out:
            shutil.rmtree(root, ignore_errors=True)
    return rows


def make_field(shape: Sequence[int], seed: int = 0) -> NDArray[Any]:
    """A float32 'air temperature' in kelvin: 288 K at the bottom, cooling
    by 6.5 K/km upwards along the first axis (levels 50 m apart), plus a
    Gaussian random field with a Kolmogorov k^(-11/3) power spectrum
    (standard deviation 2 K), synthesised in Fourier space."""
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    noise = np.fft.rfftn(rng.standard_normal(shape))
    k2 = np.zeros(noise.shape)
    for axis, n in enumerate(shape):
        freq = np.fft.rfftfreq(n) if axis == len(shape) - 1 else np.fft.fftfreq(n)
        k2 = k2 + (freq ** 2).reshape([-1 if a == axis else 1 for a in range(len(shape))])
    k2.flat[0] = np.inf                  # no mean from the turbulence
    turbulence = np.fft.irfftn(noise * k2 ** (-11 / 12), s=shape,   # amplitude k^(-11/6)
                               axes=tuple(range(len(shape))))
    turbulence *= 2.0 / max(float(turbulence.std()), 1e-300)
    height = np.arange(shape[0], dtype=np.float64).reshape((-1,) + (1,) * (len(shape) - 1))
    return (288.0 - LAPSE_RATE_PER_LEVEL * height + turbulence).astype(np.float32)


def demo_row(zarr: ModuleType, temp: str, path: str, field: NDArray[Any],
             chunks: tuple[int, ...], zarr_format: int, codec_args: dict[str, object],
             label: str, limits: tuple[float, float], tolerance: float) -> Row:
    """Write `field` to a new Zarr store in `temp`, the directory where the
    store of `path` is built, read it back, measure; `limits` is the (min,
    max) of `field`."""
    with writes_settled(path):
        start = time.perf_counter()
        array = zarr.create_array(temp, shape=field.shape, dtype=field.dtype, chunks=chunks,
                                  zarr_format=zarr_format, **codec_args)
        try:
            array[...] = field
        except BoundError as error:
            raise CLIError(f"{label}: {'; '.join(error.problems)}. Fix: a larger "
                           f"-a/--tolerance") from None
        write_s = time.perf_counter() - start
        stored = array.nbytes_stored()
    start = time.perf_counter()
    back = zarr.open_array(temp, mode="r")[...]
    read_s = time.perf_counter() - start
    errors = error_stats(field, back, limits)
    return dict(setting=label, ratio=field.nbytes / stored,
                bits_per_value=8 * stored / field.size, stored_bytes=stored, **errors,
                bound_holds=errors["max_error"] <= tolerance,
                write_mbps=field.nbytes / MB / max(write_s, 1e-9),
                read_mbps=field.nbytes / MB / max(read_s, 1e-9))
