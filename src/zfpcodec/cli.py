"""The ``zfpcodec`` command line: compress, inspect and measure arrays in files.

One function per subcommand (``cmd_compress``, ``cmd_decompress``,
``cmd_info``, ``cmd_stats``, ``cmd_zarr``, ``cmd_demo``); the helpers below
them read and write arrays and streams, build the `Mode` from the options,
measure errors and draw tables and progress lines.

Streams carry zfp's full header by default, so they are what
``zfp -h`` writes and reads.  Byte for byte they equal the streams of the
``zfp`` program given the same parameters (``-r`` passes the scalar type to
zfp_stream_set_rate, so float/double rates are clamped to 9/12 bits per
block, spec 3.2; ``-c`` reads a maximum of 0 bits as unlimited and a maximum
precision of 0 as the type's full precision), except for the final padding:
our streams end on an 8-byte boundary (zfp's 64-bit stream words, spec 1.4),
while Debian's zfp 1.0.0 program, built with 8-bit stream words, ends on a
byte.  Each side reads the other's streams.

Exit status: 0 on success, 1 when the work fails (unreadable or corrupt
input, failed write), 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shutil
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import __version__, _zfp, engine
from .errors import ZFPError
from .modes import ZFP_MAX_BITS, Mode

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

ZFP_MAGIC = b"zfp\x05"          # spec 2.1: 'z' 'f' 'p', codec version 5
NPY_MAGIC = b"\x93NUMPY"
STDIO = "-"

# zfp_mode codes returned by _zfp.params_mode (spec 3.6)
ZFP_MODE_EXPERT, ZFP_MODE_RATE, ZFP_MODE_PRECISION, ZFP_MODE_ACCURACY, ZFP_MODE_REVERSIBLE = \
    range(1, 6)
MODE_NAMES = {ZFP_MODE_EXPERT: "expert", ZFP_MODE_RATE: "fixed rate",
              ZFP_MODE_PRECISION: "fixed precision", ZFP_MODE_ACCURACY: "fixed accuracy",
              ZFP_MODE_REVERSIBLE: "reversible"}

# Scalar type names the zfp program (-t) and NumPy users type.
DTYPE_ALIASES = {"i32": "int32", "i64": "int64", "f32": "float32", "f64": "float64",
                 "float": "float32", "double": "float64", "f": "float32", "d": "float64"}

STATS_DEFAULT_SETTINGS = [("rate", 4.0), ("rate", 8.0), ("rate", 16.0), ("reversible", True)]
DEMO_TOLERANCES = [0.1, 0.01, 0.001]
DEMO_SHAPE = (128, 128, 128)
DEMO_CHUNKS = (64, 64, 64)
LAPSE_RATE_PER_LEVEL = 6.5e-3 * 50    # K per level: 6.5 K/km, levels 50 m apart
ZARR_CHUNK_BYTES = 4 << 20       # default chunk size for arrays without chunks
ZARR_BATCH_BYTES = 64 << 20      # raw bytes handed to zarr per write call
MB = 1e6


class CLIError(Exception):
    """A failure to report in one line, with an exit status."""

    def __init__(self, message: str, status: int = EXIT_FAILURE):
        super().__init__(message)
        self.status = status


class UsageError(CLIError):
    """A command line that asks for something impossible."""

    def __init__(self, message: str):
        super().__init__(message, EXIT_USAGE)


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: sys.argv[1:]); return the exit
    status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        args.run(args)
    except CLIError as error:
        _complain(args.command, str(error))
        return error.status
    except ZFPError as error:
        _complain(args.command, f"corrupt or truncated zfp stream: {error}")
        return EXIT_FAILURE
    except OSError as error:
        _complain(args.command, _os_message(error))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _complain(args.command, "interrupted")
        return EXIT_INTERRUPTED
    return EXIT_OK


def _complain(command: str, message: str) -> None:
    print(f"zfpcodec {command}: error: {message}", file=sys.stderr)


def _os_message(error: OSError) -> str:
    if isinstance(error, BrokenPipeError):
        return "output closed early (broken pipe)"
    if error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    return str(error)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The argument parser of all subcommands."""
    parser = argparse.ArgumentParser(
        prog="zfpcodec",
        description="Compress, decompress, inspect and measure arrays with zfp "
                    "(codec version 5 streams, byte-compatible with the zfp program).",
        epilog="Exit status: 0 on success, 1 when the work fails (unreadable or corrupt "
               "input), 2 for a wrong command line.  'zfpcodec COMMAND --help' "
               "describes each command.")
    parser.add_argument("--version", action="version", version=f"zfpcodec {__version__}")
    parser.set_defaults(command=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true",
                        help="print nothing but errors (and requested output)")

    progress = argparse.ArgumentParser(add_help=False)
    progress.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                          help="draw a progress line on stderr (default: only when stderr "
                               "is a terminal)")

    _add_compress(commands, common)
    _add_decompress(commands, common)
    _add_info(commands)
    _add_stats(commands, common, progress)
    _add_zarr(commands, common, progress)
    _add_demo(commands, common, progress)
    return parser


def _subparser(commands, name: str, run: Callable, help: str, description: str,
               parents: Sequence[argparse.ArgumentParser] = (), epilog: str | None = None):
    sub = commands.add_parser(name, help=help, description=_wrap(description), epilog=epilog,
                              parents=list(parents),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.set_defaults(command=name, run=run)
    return sub


def _wrap(text: str) -> str:
    """`text` filled to the terminal's width (the epilogs keep their lines)."""
    width = min(shutil.get_terminal_size().columns, 100) - 2
    return textwrap.fill(text, width)


RAW_HELP = ("Raw binary files hold the values in C order (last axis fastest): "
            "'zfp -3 NX NY NZ' is --shape NZ,NY,NX.")


def _add_raw_options(sub, what: str) -> None:
    group = sub.add_argument_group("raw binary " + what, _wrap(RAW_HELP))
    group.add_argument("-t", "--dtype", type=parse_dtype, metavar="TYPE",
                       help="scalar type: int32, int64, float32, float64 (or i32, i64, f32, "
                            "f64, float, double; '>f4' etc. for big-endian data)")
    group.add_argument("--shape", type=parse_shape, metavar="SHAPE",
                       help="NumPy shape of 1 to 4 axes, e.g. 100,200,300 (or 100x200x300)")


def _add_mode_options(sub, several: bool = False) -> None:
    """The mode options: one of them for compress/decompress, any number of
    each (every value a setting, in command-line order) for stats."""
    title = "compression settings (give any number; each value is one row)" if several \
        else "compression mode (one of; default: --reversible)"
    group = sub.add_argument_group(title)
    if not several:
        group = group.add_mutually_exclusive_group()
    nargs = "+" if several else None
    action = _AddSetting if several else "store"
    group.add_argument("-a", "--tolerance", type=float, nargs=nargs, action=action,
                       metavar="TOL",
                       help="fixed accuracy: absolute error bound (zfp -a)")
    group.add_argument("-r", "--rate", type=float, nargs=nargs, action=action, metavar="BITS",
                       help="fixed rate: compressed bits per value (zfp -r; float/double "
                            "blocks get at least 9/12 bits)")
    group.add_argument("-p", "--precision", type=int, nargs=nargs, action=action,
                       metavar="PREC", help="fixed precision: bit planes kept, 1..64 (zfp -p)")
    group.add_argument("-R", "--reversible", nargs=0, action=_AddSetting if several
                       else _StoreTrue, help="lossless (zfp -R)")
    group.add_argument("-c", "--expert", type=int, nargs=4, action=_AddSetting if several
                       else "store", metavar=("MINBITS", "MAXBITS", "MAXPREC", "MINEXP"),
                       help="expert parameters as zfp -c: bits per block, bit planes, "
                            "lowest bit plane; MAXBITS 0 = unlimited, MAXPREC 0 = full")
    if several:
        sub.set_defaults(settings=[])


class _StoreTrue(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, True)


class _AddSetting(argparse.Action):
    """Append (mode name, value) pairs to `settings`, keeping their order."""

    def __call__(self, parser, namespace, values, option_string=None):
        settings = list(getattr(namespace, "settings", None) or [])
        if self.dest == "reversible":
            settings.append(("reversible", True))
        elif self.dest == "expert":
            settings.append(("expert", tuple(values)))
        else:
            settings.extend((self.dest, value) for value in values)
        namespace.settings = settings


def _add_threads(sub) -> None:
    sub.add_argument("--threads", type=_nonnegative_int, default=1, metavar="N",
                     help="threads for the block coder, 0 = one per core (default 1; the "
                          "stream does not depend on it)")


def _add_compress(commands, common) -> None:
    sub = _subparser(
        commands, "compress", cmd_compress, help="compress a .npy or raw binary file",
        description="Compress an array in a .npy file or a raw binary file (give --dtype "
                    "and --shape) to a zfp stream.",
        epilog="The stream carries zfp's full header unless --no-header; 'zfp -h -z FILE'\n"
               "reads it.  With the same parameters, a raw file's stream is the one\n"
               "'zfp -h' writes, except for the padding at its end: ours ends on an\n"
               "8-byte boundary, Debian's zfp 1.0.0 program's on a byte.\n\nexamples:\n"
               "  zfpcodec compress field.npy --tolerance 1e-3\n"
               "  zfpcodec compress field.f32 -t float32 --shape 100,200,300 -r 8 -o f.zfp",
        parents=[common])
    sub.add_argument("input", help="input .npy or raw file ('-' for stdin)")
    sub.add_argument("-o", "--output", help="output stream (default INPUT.zfp; '-' for "
                                            "stdout)")
    _add_raw_options(sub, "input")
    _add_mode_options(sub)
    sub.add_argument("--no-header", dest="header", action="store_false",
                     help="write the blocks only (like zfp without -h); decompressing then "
                          "needs --dtype, --shape and the mode")
    _add_threads(sub)


def _add_decompress(commands, common) -> None:
    sub = _subparser(
        commands, "decompress", cmd_decompress, help="decompress a zfp stream",
        description="Decompress a zfp stream to a .npy or raw binary file.  A stream with "
                    "a header needs nothing else; a headerless one needs --dtype, --shape "
                    "and the mode it was compressed with.",
        epilog="examples:\n  zfpcodec decompress field.npy.zfp            (writes field.npy)\n"
               "  zfpcodec decompress f.zfp -o f.f32            (raw binary)\n"
               "  zfpcodec decompress blocks.zfp -t f32 --shape 7,9,11 -r 8 -o b.npy",
        parents=[common])
    sub.add_argument("input", help="zfp stream ('-' for stdin)")
    sub.add_argument("-o", "--output", help="output file (default: INPUT without .zfp; "
                                            "'-' for stdout)")
    sub.add_argument("--format", choices=("npy", "raw"),
                     help="output format (default: npy for a .npy name, else raw)")
    _add_raw_options(sub, "headerless stream")
    _add_mode_options(sub)
    _add_threads(sub)


def _add_info(commands) -> None:
    sub = _subparser(
        commands, "info", cmd_info, help="show what a stream's header says",
        description="Show a zfp stream's header: scalar type, shape, mode and parameters, "
                    "sizes and compression ratio.")
    sub.add_argument("input", help="zfp stream with a header ('-' for stdin)")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub.add_argument("--verify", action="store_true",
                     help="also decode the whole stream, to check it is complete")


def _add_stats(commands, common, progress) -> None:
    sub = _subparser(
        commands, "stats", cmd_stats, help="measure ratio, error and speed (like zfp -s)",
        description="Compress and decompress an array with each given setting and report "
                    "compression ratio, bits per value, maximum error, RMSE, PSNR and "
                    "speed, like 'zfp -s'.  Without settings: --rate 4 8 16 --reversible.",
        epilog="Bits per value count the whole stream, header included.  PSNR is\n"
               "20 log10(range / (2 RMSE)) over the input's value range, as zfp -s.\n\n"
               "example:\n  zfpcodec stats field.npy --tolerance 1e-2 1e-4 --rate 8 "
               "--reversible",
        parents=[common, progress])
    sub.add_argument("input", help="input .npy or raw file ('-' for stdin)")
    _add_raw_options(sub, "input")
    _add_mode_options(sub, several=True)
    _add_threads(sub)
    sub.add_argument("--repeat", type=_positive_int, default=1, metavar="N",
                     help="time the best of N runs (default 1)")
    sub.add_argument("--json", action="store_true", help="print the rows as JSON")


def _add_zarr(commands, common, progress) -> None:
    sub = _subparser(
        commands, "zarr", cmd_zarr, help="recompress a Zarr array or .npy into a zfp Zarr",
        description="Write an existing Zarr array (or a .npy / raw file) into a new Zarr "
                    "store whose chunks are zfp-compressed, chunk by chunk: the source is "
                    "never loaded whole.",
        epilog="Needs zarr >= 3 and numcodecs.  A Zarr v2 store uses the numcodecs codec\n"
               "zfpcodec.ZFP, a v3 store the array-to-bytes codec zfpcodec.zarr3.ZFPCodec.\n"
               "\nexample:\n  zfpcodec zarr model.zarr --array temperature out.zarr "
               "--tolerance 1e-3",
        parents=[common, progress])
    sub.add_argument("source", help="Zarr array or group, .npy file, or raw file")
    sub.add_argument("dest", help="new Zarr store (a directory)")
    sub.add_argument("--array", metavar="PATH",
                     help="the array inside a source Zarr group")
    _add_raw_options(sub, "source")
    _add_mode_options(sub)
    sub.add_argument("--zarr-format", type=int, choices=(2, 3), default=3,
                     help="Zarr format of the new store (default 3)")
    sub.add_argument("--chunks", type=parse_shape, metavar="SHAPE",
                     help="chunk shape of the new store (default: the source's chunks, or "
                          "about 4 MiB with sides a multiple of 4)")
    sub.add_argument("--overwrite", action="store_true", help="replace DEST if it exists")
    _add_threads(sub)


def _add_demo(commands, common, progress) -> None:
    sub = _subparser(
        commands, "demo", cmd_demo, help="compress a realistic field into Zarr and report",
        description="Make a realistic 3-D temperature field (a smooth mean state plus "
                    "Kolmogorov-like turbulence, in kelvin), write it to Zarr stores with "
                    "zfp at a few error tolerances and losslessly, read it back, and print "
                    "ratio, error and speed.",
        epilog="Needs zarr >= 3 and numcodecs.",
        parents=[common, progress])
    sub.add_argument("-a", "--tolerance", type=float, nargs="+", metavar="TOL",
                     default=DEMO_TOLERANCES,
                     help="error tolerances in kelvin (default: %(default)s)")
    sub.add_argument("--shape", type=parse_shape, default=DEMO_SHAPE, metavar="SHAPE",
                     help="field shape (default 128,128,128)")
    sub.add_argument("--chunks", type=parse_shape, default=DEMO_CHUNKS, metavar="SHAPE",
                     help="chunk shape (default 64,64,64)")
    sub.add_argument("--zarr-format", type=int, choices=(2, 3), default=3,
                     help="Zarr format (default 3)")
    sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    sub.add_argument("--out", metavar="DIR",
                     help="keep the stores in DIR (default: a temporary directory, removed)")
    sub.add_argument("--json", action="store_true", help="print the rows as JSON")


# --------------------------------------------------------------------------
# Option parsing
# --------------------------------------------------------------------------

def parse_dtype(text: str) -> np.dtype:
    """A zfp scalar type from its NumPy or zfp-program name."""
    name = DTYPE_ALIASES.get(text.lower(), text)
    try:
        dtype = np.dtype(name)
        engine.ztype_of(dtype)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a zfp scalar type: use int32, int64, float32 or float64 "
            "(i32, i64, f32, f64)") from None
    return dtype


def parse_shape(text: str) -> tuple[int, ...]:
    """A shape written as 100,200,300 or 100x200x300."""
    parts = text.replace("x", ",").replace("X", ",").split(",")
    try:
        shape = tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shape: write positive integers separated by commas, "
            "e.g. 100,200,300") from None
    if not 1 <= len(shape) <= 4 or min(shape) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shape zfp can hold: 1 to 4 axes, each at least 1")
    return shape


def _nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer >= 0")
    return value


def _positive_int(text: str) -> int:
    value = _nonnegative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer >= 1")
    return value


def build_mode(kind: str | None, value: Any, dtype: np.dtype) -> Mode:
    """The validated `Mode` of one mode option (None: reversible).  Expert
    parameters follow zfp -c: MAXBITS 0 is unlimited, MAXPREC 0 the type's
    precision."""
    try:
        if kind is None or kind == "reversible":
            return Mode.from_args(reversible=True)
        if kind == "expert":
            minbits, maxbits, maxprec, minexp = value
            return Mode.from_args(minbits=minbits, maxbits=maxbits or ZFP_MAX_BITS,
                                  maxprec=maxprec or 8 * np.dtype(dtype).itemsize,
                                  minexp=minexp)
        return Mode.from_args(**{kind: value})
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None


def _single_mode(args) -> tuple[str | None, Any]:
    """The (kind, value) of the mode option given to compress/decompress."""
    for kind in ("tolerance", "rate", "precision", "expert"):
        value = getattr(args, kind)
        if value is not None:
            return kind, value
    return ("reversible", True) if args.reversible else (None, None)


# --------------------------------------------------------------------------
# Subcommands
# --------------------------------------------------------------------------

def cmd_compress(args) -> None:
    """compress: .npy or raw file -> zfp stream."""
    output = args.output or _default_compressed_name(args.input)
    _check_distinct(args.input, output)
    arr = read_array(args.input, args.dtype, args.shape)
    kind, value = _single_mode(args)
    mode = build_mode(kind, value, arr.dtype)
    start = time.perf_counter()
    try:
        stream = engine.compress(arr, mode, header=args.header, rate_clamp=True,
                                 threads=args.threads)
    except (TypeError, ValueError) as error:
        raise CLIError(f"{args.input}: {error}") from None
    seconds = time.perf_counter() - start
    write_bytes(output, stream)
    if not args.quiet:
        params = mode.params(arr.ndim, engine.ztype_of(arr.dtype))
        _note(f"{_show(args.input)} -> {_show(output, 'stdout')}: {arr.dtype} "
              f"{_shape_text(arr.shape)}, {arr.nbytes} -> {len(stream)} bytes "
              f"(ratio {arr.nbytes / len(stream):.3g}, "
              f"{8 * len(stream) / arr.size:.4g} bits/value), {describe_mode(params, arr.ndim)}"
              f", {arr.nbytes / MB / max(seconds, 1e-9):.0f} MB/s")


def cmd_decompress(args) -> None:
    """decompress: zfp stream -> .npy or raw file."""
    output = args.output or _default_decompressed_name(args.input)
    _check_distinct(args.input, output)
    fmt = args.format or ("npy" if output.lower().endswith(".npy") else "raw")
    stream = read_bytes(args.input)
    kind, value = _single_mode(args)
    if args.dtype is None and args.shape is None:
        if kind is not None:
            raise UsageError("the stream's header gives its mode: mode options are only for "
                             "headerless streams (with --dtype and --shape)")
        if not stream.startswith(ZFP_MAGIC):
            raise CLIError(f"{_show(args.input)} has no zfp header (it does not begin with "
                           "'zfp' and codec version 5); for a headerless stream give --dtype, "
                           "--shape and its mode")
        decode = dict()
    else:
        if args.dtype is None or args.shape is None:
            raise UsageError("a headerless stream needs both --dtype and --shape")
        if kind is None:
            raise UsageError("a headerless stream needs the mode it was compressed with "
                             "(--tolerance, --rate, --precision, --reversible or --expert)")
        if stream.startswith(ZFP_MAGIC):
            raise UsageError(f"{_show(args.input)} has a zfp header, which gives its type, "
                             "shape and mode: drop --dtype, --shape and the mode")
        decode = dict(dtype=args.dtype, shape=args.shape,
                      mode=build_mode(kind, value, args.dtype))
    start = time.perf_counter()
    arr = engine.decompress(stream, rate_clamp=True, threads=args.threads, **decode)
    seconds = time.perf_counter() - start
    write_array(output, arr, fmt)
    if not args.quiet:
        _note(f"{_show(args.input)} -> {_show(output, 'stdout')}: {arr.dtype} "
              f"{_shape_text(arr.shape)}, {len(stream)} -> {arr.nbytes} bytes ({fmt}), "
              f"{arr.nbytes / MB / max(seconds, 1e-9):.0f} MB/s")


def cmd_info(args) -> None:
    """info: what a stream's header says."""
    stream = read_bytes(args.input)
    try:
        dtype, shape, params, header_bits = engine.read_header(stream)
    except ZFPError:
        raise CLIError(f"{_show(args.input)} is not a zfp stream with a header (codec "
                       "version 5)") from None
    info = stream_info(args.input, len(stream), dtype, shape, params, header_bits)
    if args.verify:
        engine.decompress(stream)     # ZFPError if incomplete or corrupt
        info["verified"] = True
    if args.json:
        print(json.dumps(info, indent=2))
        return
    rows = [("file", _show(args.input)),
            ("type", info["dtype"]),
            ("shape", f"{_shape_text(shape)}   (zfp: "
                      + " ".join(f"{axis}={n}" for axis, n in zip("nx ny nz nw".split(),
                                                                 reversed(shape))) + ")"),
            ("mode", info["description"]),
            ("parameters", " ".join(f"{name}={info['parameters'][name]}"
                                    for name in ("minbits", "maxbits", "maxprec", "minexp"))),
            ("same as", info["options"]),
            ("header", f"{header_bits} bits"),
            ("raw size", f"{info['raw_bytes']} bytes"),
            ("stream size", f"{info['stream_bytes']} bytes"),
            ("ratio", f"{info['ratio']:.4g}"),
            ("bits/value", f"{info['bits_per_value']:.4g}")]
    if args.verify:
        rows.append(("verified", "the whole stream decodes"))
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")


def cmd_stats(args) -> None:
    """stats: ratio, error and speed for each setting, as a table."""
    arr = read_array(args.input, args.dtype, args.shape)
    settings = args.settings or STATS_DEFAULT_SETTINGS
    modes = [(setting_label(kind, value), build_mode(kind, value, arr.dtype))
             for kind, value in settings]
    lo, hi = value_range(arr)
    decoded = np.empty_like(arr, dtype=arr.dtype.newbyteorder("="), subok=False)
    rows = []
    with Progress(len(modes), "stats", args.progress, unit="settings") as progress:
        for label, mode in modes:
            rows.append(dict(setting=label, **measure(arr, mode, decoded, (lo, hi),
                                                      args.threads, args.repeat)))
            progress.advance(1)
    if args.json:
        print(json.dumps(dict(input=_show(args.input), dtype=str(arr.dtype),
                              shape=list(arr.shape), rows=rows), indent=2))
        return
    if not args.quiet:
        print(f"{_show(args.input)}: {arr.dtype} {_shape_text(arr.shape)}, {arr.nbytes} bytes, "
              f"values in [{lo:.6g}, {hi:.6g}]")
    print(format_table(STATS_COLUMNS, rows))


def cmd_zarr(args) -> None:
    """zarr: copy a Zarr array, .npy or raw file into a zfp-compressed Zarr store."""
    zarr = _import_zarr()
    kind, value = _single_mode(args)
    label = "zfp " + setting_label(kind or "reversible", value)
    source, attributes, fill_value, source_chunks = open_source(args, zarr)
    dtype = np.dtype(source.dtype)
    try:
        if args.zarr_format == 2:      # the v3 codec takes smaller types too, and checks
            engine.ztype_of(dtype)
        engine.check_shape(tuple(source.shape))
    except (TypeError, ValueError) as error:
        raise CLIError(f"{args.source}: {error}") from None
    codec_args = zarr_codec_args(build_mode(kind, value, dtype), args.zarr_format, args.threads)
    if fill_value is not None:
        codec_args["fill_value"] = fill_value
    chunks = args.chunks or source_chunks or default_chunks(source.shape, dtype.itemsize)
    if len(chunks) != len(source.shape):
        raise UsageError(f"--chunks {_shape_text(chunks)} has {len(chunks)} axes, the source "
                         f"{len(source.shape)}")
    if os.path.exists(args.dest) and not args.overwrite:
        raise CLIError(f"{args.dest} exists (give --overwrite to replace it)")
    start = time.perf_counter()
    try:
        dest = zarr.create_array(args.dest, shape=source.shape, dtype=dtype, chunks=chunks,
                                 zarr_format=args.zarr_format, attributes=attributes,
                                 overwrite=args.overwrite, **codec_args)
    except (TypeError, ValueError) as error:   # the codec refuses the dtype or mode
        raise CLIError(f"cannot store {dtype} data with {label} in Zarr "
                       f"v{args.zarr_format}: {error}") from None
    nbytes = int(np.prod(source.shape)) * dtype.itemsize
    with Progress(nbytes, f"zarr {args.dest}", args.progress, unit="B") as progress:
        for region in chunk_batches(source.shape, chunks, ZARR_BATCH_BYTES // dtype.itemsize):
            block = np.asarray(source[region])
            dest[region] = block
            progress.advance(block.nbytes)
    seconds = time.perf_counter() - start
    if not args.quiet:
        stored = dest.nbytes_stored()
        _note(f"{_show(args.source)} -> {args.dest}: Zarr v{args.zarr_format}, {dtype} "
              f"{_shape_text(source.shape)} in chunks {_shape_text(chunks)}, {label}; "
              f"{nbytes} -> {stored} bytes stored (ratio {nbytes / max(stored, 1):.3g}) "
              f"in {seconds:.2f} s")


def cmd_demo(args) -> None:
    """demo: a realistic field into Zarr with zfp at a few tolerances."""
    zarr = _import_zarr()
    if len(args.chunks) != len(args.shape):
        raise UsageError(f"--chunks {_shape_text(args.chunks)} and --shape "
                         f"{_shape_text(args.shape)} have different numbers of axes")
    settings = [("tolerance", t) for t in args.tolerance] + [("reversible", True)]
    codecs = [(kind, value, zarr_codec_args(build_mode(kind, value, np.float32),
                                            args.zarr_format))
              for kind, value in settings]     # (checks the tolerances first)
    field = make_field(args.shape, args.seed)
    lo, hi = value_range(field)
    if not args.quiet and not args.json:
        print(f"A {_shape_text(args.shape)} float32 temperature field "
              f"({field.nbytes / 2**20:.1f} MiB, {lo:.1f} K to {hi:.1f} K) written to Zarr "
              f"v{args.zarr_format} stores in chunks {_shape_text(args.chunks)} with zfp:")
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="zfpcodec-demo-"))
    rows = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        with Progress(len(codecs), "demo", args.progress, unit="stores") as progress:
            for kind, value, codec_args in codecs:
                name = f"tolerance-{value:g}.zarr" if kind == "tolerance" else "lossless.zarr"
                rows.append(demo_row(zarr, root / name, field, args.chunks, args.zarr_format,
                                     codec_args, setting_label(kind, value), (lo, hi),
                                     value if kind == "tolerance" else 0.0))
                progress.advance(1)
    finally:
        if not args.out:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(format_table(DEMO_COLUMNS, rows))
    if not args.quiet:
        print(f"\nError bounds hold: {'yes' if all(r['bound_holds'] for r in rows) else 'NO'}."
              "  Speeds are MB/s of uncompressed data, through Zarr.")
        print(f"Stores kept in {root}" if args.out else "Stores were written to a temporary "
              "directory and removed (--out DIR keeps them).")


# --------------------------------------------------------------------------
# Reading and writing arrays and streams
# --------------------------------------------------------------------------

def read_array(path: str, dtype: np.dtype | None, shape: tuple[int, ...] | None) -> np.ndarray:
    """The array in a .npy file (no --dtype/--shape) or a raw file (both),
    memory-mapped where possible; '-' reads stdin."""
    head = _peek(path, len(NPY_MAGIC))
    is_npy = head == NPY_MAGIC
    if dtype is None and shape is None:
        if not is_npy:
            raise UsageError(f"{_show(path)} is not a .npy file; for raw binary input give "
                             "--dtype and --shape")
        arr = _load_npy(path)
    else:
        if dtype is None or shape is None:
            raise UsageError("raw binary input needs both --dtype and --shape")
        if is_npy:
            raise UsageError(f"{_show(path)} is a .npy file, which records its own dtype and "
                             "shape: drop --dtype and --shape")
        arr = _load_raw(path, dtype, shape)
    try:
        engine.ztype_of(arr.dtype)
        engine.check_shape(arr.shape)
    except (TypeError, ValueError) as error:
        raise CLIError(f"{_show(path)}: {error}") from None
    return arr


def _peek(path: str, count: int) -> bytes:
    if path == STDIO:
        return sys.stdin.buffer.peek(count)[:count] if hasattr(sys.stdin.buffer, "peek") \
            else b""
    _check_readable_file(path)
    with open(path, "rb") as file:
        return file.read(count)


def _check_readable_file(path: str) -> None:
    if os.path.isdir(path):
        raise CLIError(f"{path} is a directory, not a file")
    if not os.path.exists(path):
        raise CLIError(f"{path}: no such file")


def _load_npy(path: str) -> np.ndarray:
    try:
        if path == STDIO:
            return np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, EOFError) as error:
        raise CLIError(f"{_show(path)}: not a readable .npy file ({error})") from None


def _load_raw(path: str, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    need = int(np.prod(shape)) * dtype.itemsize
    if path == STDIO:
        data = sys.stdin.buffer.read()
        size = len(data)
    else:
        size = os.path.getsize(path)
    if size != need:
        raise CLIError(f"{_show(path)} holds {size} bytes, but {dtype} values of shape "
                       f"{_shape_text(shape)} take {need} bytes")
    if path == STDIO:
        return np.frombuffer(data, dtype=dtype).reshape(shape)
    return np.memmap(path, dtype=dtype, mode="r", shape=shape)


def read_bytes(path: str) -> bytes:
    """The contents of a file, or of stdin for '-'."""
    if path == STDIO:
        return sys.stdin.buffer.read()
    _check_readable_file(path)
    with open(path, "rb") as file:
        return file.read()


def write_bytes(path: str, data: bytes) -> None:
    """Write `data` to a file, or to stdout for '-'."""
    if path == STDIO:
        _write_all(sys.stdout.buffer, data)
        sys.stdout.buffer.flush()
        return
    with open(path, "wb") as file:
        _write_all(file, data)


def _write_all(file, data: Any) -> None:
    """Write every byte of `data`: a pipe may take fewer bytes per write
    (and raises BrokenPipeError on the next write once its reader left)."""
    view = memoryview(data).cast("B")
    while view:
        view = view[file.write(view):]


def write_array(path: str, arr: np.ndarray, fmt: str) -> None:
    """Write `arr` as .npy or raw C-order values, to a file or stdout."""
    target = sys.stdout.buffer if path == STDIO else open(path, "wb")
    try:
        if fmt == "npy":
            np.save(target, arr, allow_pickle=False)
        else:
            _write_all(target, np.ascontiguousarray(arr).data)
        target.flush()
    finally:
        if target is not sys.stdout.buffer:
            target.close()


def _default_compressed_name(path: str) -> str:
    return STDIO if path == STDIO else path + ".zfp"


def _default_decompressed_name(path: str) -> str:
    if path == STDIO:
        return STDIO
    if path.lower().endswith(".zfp") and len(path) > 4:
        return path[:-4]
    raise UsageError(f"cannot name the output after {path} (it does not end in .zfp): "
                     "give -o")


def _check_distinct(source: str, output: str) -> None:
    if source != STDIO and output != STDIO and os.path.exists(source) \
            and os.path.exists(output) and os.path.samefile(source, output):
        raise UsageError(f"the output {output} is the input")


# --------------------------------------------------------------------------
# Describing streams
# --------------------------------------------------------------------------

def describe_mode(params: tuple[int, int, int, int], dims: int) -> str:
    """The mode a parameter quadruple stands for, in words (spec 3.6)."""
    minbits, maxbits, maxprec, minexp = params
    code = _zfp.params_mode(params)
    if code == ZFP_MODE_RATE:
        return f"fixed rate {maxbits / 4**dims:g} bits/value ({maxbits} bits per block)"
    if code == ZFP_MODE_PRECISION:
        return f"fixed precision {maxprec} bit planes"
    if code == ZFP_MODE_ACCURACY:
        return f"fixed accuracy, tolerance 2^{minexp} = {2.0**minexp:g}"
    if code == ZFP_MODE_REVERSIBLE:
        return "reversible (lossless)"
    return (f"expert, minbits={minbits} maxbits={maxbits} maxprec={maxprec} "
            f"minexp={minexp}")


def equivalent_options(params: tuple[int, int, int, int], dims: int, dtype: np.dtype) -> str:
    """Options of `compress` that give exactly these parameters: the mode's
    own option where it does (a fixed rate below the float/double minimum,
    written by zfpy, does not), else --expert."""
    minbits, maxbits, maxprec, minexp = params
    code = _zfp.params_mode(params)
    option = {ZFP_MODE_RATE: ("rate", maxbits / 4**dims),
              ZFP_MODE_PRECISION: ("precision", maxprec),
              ZFP_MODE_ACCURACY: ("tolerance", 2.0**minexp),
              ZFP_MODE_REVERSIBLE: ("reversible", True)}.get(code)
    if option is not None:
        kind, value = option
        if build_mode(kind, value, dtype).params(dims, engine.ztype_of(dtype)) == params:
            return "--reversible" if kind == "reversible" else f"--{kind} {_exact(value)}"
    return f"--expert {minbits} {maxbits} {maxprec} {minexp}"


def _exact(value: float) -> str:
    """The shortest text that reads back as `value` ('8', not '8.0')."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def stream_info(path: str, size: int, dtype: np.dtype, shape: tuple[int, ...],
                params: tuple[int, int, int, int], header_bits: int) -> dict:
    """What `info` reports, as a JSON-ready dict."""
    values = int(np.prod(shape))
    raw = values * dtype.itemsize
    minbits, maxbits, maxprec, minexp = params
    return dict(file=_show(path), dtype=str(dtype), shape=list(shape),
                mode=MODE_NAMES.get(_zfp.params_mode(params), "invalid"),
                description=describe_mode(params, len(shape)),
                parameters=dict(minbits=minbits, maxbits=maxbits, maxprec=maxprec,
                                minexp=minexp),
                options=equivalent_options(params, len(shape), dtype),
                header_bits=header_bits, raw_bytes=raw, stream_bytes=size,
                ratio=raw / size if size else math.inf,
                bits_per_value=8 * size / values)


def setting_label(kind: str, value: Any) -> str:
    if kind == "reversible":
        return "reversible"
    if kind == "expert":
        return "expert " + " ".join(str(v) for v in value)
    return f"{kind} {value:g}"


def _shape_text(shape: Sequence[int]) -> str:
    return "x".join(str(n) for n in shape)


def _show(path: str, stream: str = "stdin") -> str:
    return f"<{stream}>" if path == STDIO else path


def _note(message: str) -> None:
    print(message, file=sys.stderr)


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    title: str
    fmt: str


STATS_COLUMNS = [Column("setting", "setting", "{}"),
                 Column("ratio", "ratio", "{:.4g}"),
                 Column("bits_per_value", "bits/value", "{:.4g}"),
                 Column("max_error", "max error", "{:.4g}"),
                 Column("rmse", "RMSE", "{:.4g}"),
                 Column("psnr", "PSNR dB", "{:.2f}"),
                 Column("compress_mbps", "compress MB/s", "{:.0f}"),
                 Column("decompress_mbps", "decompress MB/s", "{:.0f}")]

DEMO_COLUMNS = [Column("setting", "setting", "{}"),
                Column("ratio", "ratio", "{:.4g}"),
                Column("bits_per_value", "bits/value", "{:.4g}"),
                Column("max_error", "max error", "{:.4g}"),
                Column("rmse", "RMSE", "{:.4g}"),
                Column("psnr", "PSNR dB", "{:.2f}"),
                Column("write_mbps", "write MB/s", "{:.0f}"),
                Column("read_mbps", "read MB/s", "{:.0f}")]


def measure(arr: np.ndarray, mode: Mode, decoded: np.ndarray, value_range: tuple[float, float],
            threads: int, repeat: int) -> dict:
    """Compress and decompress `arr` (best time of `repeat`) and compare."""
    compress_s = decompress_s = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        stream = engine.compress(arr, mode, rate_clamp=True, threads=threads)
        compress_s = min(compress_s, time.perf_counter() - start)
        start = time.perf_counter()
        engine.decompress(stream, out=decoded, threads=threads)
        decompress_s = min(decompress_s, time.perf_counter() - start)
    errors = error_stats(arr, decoded, value_range)
    return dict(ratio=arr.nbytes / len(stream), bits_per_value=8 * len(stream) / arr.size,
                stream_bytes=len(stream), **errors,
                compress_mbps=arr.nbytes / MB / max(compress_s, 1e-9),
                decompress_mbps=arr.nbytes / MB / max(decompress_s, 1e-9))


def value_range(arr: np.ndarray) -> tuple[float, float]:
    """(min, max) of the values as floats (NaN when any value is NaN)."""
    return float(np.min(arr)), float(np.max(arr))


def error_stats(original: np.ndarray, decoded: np.ndarray,
                value_range: tuple[float, float], slab: int = 1 << 20) -> dict:
    """max error, RMSE, NRMSE and PSNR (zfp -s's definitions) of `decoded`
    against `original`, computed in float64 slabs of `slab` values."""
    a = original.ravel(order="K")
    b = decoded.ravel(order="K")
    max_error = 0.0
    square_sum = 0.0
    for start in range(0, a.size, slab):
        diff = a[start:start + slab].astype(np.float64) - b[start:start + slab]
        if diff.size:
            max_error = max(max_error, float(np.max(np.abs(diff))))
            square_sum += float(np.dot(diff, diff))
    rmse = math.sqrt(square_sum / a.size)
    span = value_range[1] - value_range[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        nrmse = float(np.float64(rmse) / span)
        psnr = float(20 * np.log10(np.float64(span) / (2 * rmse)))
    return dict(max_error=max_error, rmse=rmse, nrmse=nrmse, psnr=psnr)


def format_table(columns: Sequence[Column], rows: Sequence[dict]) -> str:
    """A plain-text table: first column left-aligned, the others right."""
    cells = [[c.title for c in columns]]
    cells += [[c.fmt.format(row[c.key]) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]

    def line(values):
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                         for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(values) for values in cells[1:]])


class Progress:
    """A one-line progress bar on stderr, drawn only when `enabled` (None:
    when stderr is a terminal) and redrawn at most ten times a second."""

    WIDTH = 30
    INTERVAL = 0.1

    def __init__(self, total: float, label: str, enabled: bool | None = None,
                 unit: str = ""):
        self.total = total
        self.label = label
        self.unit = unit
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.done = 0.0
        self.start = time.perf_counter()
        self.drawn = 0.0

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def advance(self, amount: float) -> None:
        self.done += amount
        now = time.perf_counter()
        if self.enabled and (now - self.drawn >= self.INTERVAL or self.done >= self.total):
            self.drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        fraction = min(self.done / self.total, 1.0) if self.total else 1.0
        filled = int(self.WIDTH * fraction)
        elapsed = now - self.start
        text = f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%}"
        if self.unit == "B" and elapsed > 0:
            text += f" {self.done / MB / elapsed:.0f} MB/s"
        else:
            text += f" {self.done:g}/{self.total:g} {self.unit}"
        if 0 < fraction < 1:
            text += f" ETA {elapsed * (1 - fraction) / fraction:.0f} s"
        sys.stderr.write(text + "\033[K")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


# --------------------------------------------------------------------------
# Zarr
# --------------------------------------------------------------------------

def _import_zarr():
    try:
        import zarr
    except ImportError:
        raise CLIError("this command needs zarr >= 3 and numcodecs: "
                       "pip install zarr numcodecs") from None
    if int(zarr.__version__.split(".")[0]) < 3:
        raise CLIError(f"this command needs zarr >= 3, found {zarr.__version__}")
    return zarr


def zarr_codec_args(mode: Mode, zarr_format: int, threads: int = 1) -> dict:
    """create_array's codec arguments for zfp in `mode`: the numcodecs codec
    `zfpcodec.ZFP` as the compressor of a v2 array, the array-to-bytes codec
    `zfpcodec.zarr3.ZFPCodec` as the serializer of a v3 one."""
    try:
        if zarr_format == 2:
            from .codec import ZFP
            return dict(compressors=ZFP.from_mode(mode, threads=threads), filters=None)
        from .zarr3 import ZFPCodec
        return dict(serializer=ZFPCodec.from_mode(mode, threads=threads), compressors=None,
                    filters=None)
    except ImportError as error:
        raise CLIError(f"the Zarr v{zarr_format} zfp codec is not available in this "
                       f"installation of zfpcodec ({error})") from None


def open_source(args, zarr) -> tuple[Any, dict, Any, tuple[int, ...] | None]:
    """(array-like, attributes, fill value, chunks) of the zarr command's
    source: a .npy or raw file (memory-mapped), or a Zarr array."""
    if os.path.isfile(args.source):
        if args.array:
            raise UsageError(f"--array is for Zarr groups; {args.source} is a file")
        return read_array(args.source, args.dtype, args.shape), {}, None, None
    if args.dtype is not None or args.shape is not None:
        raise UsageError("--dtype and --shape are for raw files; a Zarr source records its "
                         "own")
    if not os.path.exists(args.source) and "://" not in args.source:
        raise CLIError(f"{args.source}: no such file or Zarr store")
    try:
        node = zarr.open(args.source, mode="r", path=args.array)
    except Exception as error:  # zarr raises several kinds for a missing or bad store
        where = f"{args.source} (array {args.array})" if args.array else args.source
        raise CLIError(f"cannot open {where} as Zarr: {error}") from None
    if not hasattr(node, "shape"):
        names = sorted(name for name, _ in node.arrays())
        raise UsageError(f"{args.source} is a Zarr group: choose an array with --array "
                         f"({', '.join(names) or 'it has none'})")
    fill = node.fill_value
    fill = None if fill is None else fill.item() if hasattr(fill, "item") else fill
    return node, dict(node.attrs), fill, tuple(node.chunks)


def default_chunks(shape: Sequence[int], itemsize: int,
                   target_bytes: int = ZARR_CHUNK_BYTES) -> tuple[int, ...]:
    """A chunk shape of at most about `target_bytes`, from halving the longest
    side, kept to multiples of 4 (zfp's block side) where the array allows."""
    chunks = list(shape)
    while np.prod(chunks) * itemsize > target_bytes:
        axis = int(np.argmax(chunks))
        if chunks[axis] <= 4:
            break
        chunks[axis] = max(4, -(-chunks[axis] // 8) * 4)
    return tuple(chunks)


def chunk_batches(shape: Sequence[int], chunks: Sequence[int],
                  budget: int) -> Iterator[tuple[slice, ...]]:
    """Chunk-aligned regions covering `shape` in C order, each at most
    `budget` values where one chunk allows.  A region is one chunk along the
    axes before some axis `a`, a run of whole chunks along `a`, and the full
    extent after `a`; `a` is the outermost axis where one chunk fits."""
    dims = len(shape)

    def slab(a: int) -> int:       # values in a region one chunk thick along `a`
        return int(np.prod(chunks[:a + 1])) * int(np.prod(shape[a + 1:]))

    axis = next((a for a in range(dims) if slab(a) <= budget), dims - 1)
    step = chunks[axis] * max(1, budget // slab(axis))
    starts = [range(0, shape[a], chunks[a]) for a in range(axis)]
    for corner in np.ndindex(*(len(r) for r in starts)):
        head = tuple(slice(starts[a][c], min(starts[a][c] + chunks[a], shape[a]))
                     for a, c in enumerate(corner))
        tail = tuple(slice(0, n) for n in shape[axis + 1:])
        for begin in range(0, shape[axis], step):
            yield head + (slice(begin, min(begin + step, shape[axis])),) + tail


# --------------------------------------------------------------------------
# Demo
# --------------------------------------------------------------------------

def make_field(shape: Sequence[int], seed: int = 0) -> np.ndarray:
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
    turbulence = np.fft.irfftn(noise * k2 ** (-11 / 12), s=shape)   # amplitude k^(-11/6)
    turbulence *= 2.0 / max(float(turbulence.std()), 1e-300)
    height = np.arange(shape[0], dtype=np.float64).reshape((-1,) + (1,) * (len(shape) - 1))
    return (288.0 - LAPSE_RATE_PER_LEVEL * height + turbulence).astype(np.float32)


def demo_row(zarr, path: Path, field: np.ndarray, chunks: tuple[int, ...], zarr_format: int,
             codec_args: dict, label: str, value_range: tuple[float, float],
             tolerance: float) -> dict:
    """Write `field` to a new Zarr store at `path`, read it back, measure."""
    start = time.perf_counter()
    array = zarr.create_array(str(path), shape=field.shape, dtype=field.dtype, chunks=chunks,
                              zarr_format=zarr_format, overwrite=True, **codec_args)
    array[...] = field
    write_s = time.perf_counter() - start
    start = time.perf_counter()
    back = zarr.open_array(str(path), mode="r")[...]
    read_s = time.perf_counter() - start
    stored = array.nbytes_stored()
    errors = error_stats(field, back, value_range)
    return dict(setting=label, ratio=field.nbytes / stored,
                bits_per_value=8 * stored / field.size, stored_bytes=stored, **errors,
                bound_holds=errors["max_error"] <= tolerance,
                write_mbps=field.nbytes / MB / max(write_s, 1e-9),
                read_mbps=field.nbytes / MB / max(read_s, 1e-9))
