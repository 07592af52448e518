"""``zfpcodec decompress``: a zfp stream to a .npy or raw binary file."""

from __future__ import annotations

import time

from .. import engine, masked
from .errors import CLIError, UsageError
from .io import ZFP_MAGIC, read_bytes, write_array
from .options import (STDIO, _single_mode, add_force, add_mode_options, add_raw_options,
                      add_threads, build_mode, subparser)
from .outputs import check_output
from .report import MB, note, shape_text, show


def add_parser(commands, common) -> None:
    """The `decompress` subcommand's parser."""
    sub = subparser(
        commands, "decompress", run, help="decompress a zfp stream",
        description="Decompress a zfp stream, or a masked container (compress --missing), "
                    "to a .npy or raw binary file.  A stream with a header and a masked "
                    "container need nothing else; a headerless stream needs --dtype, --shape "
                    "and the mode it was compressed with.",
        epilog="examples:\n  zfpcodec decompress field.npy.zfp            (writes field.npy)\n"
               "  zfpcodec decompress f.zfp -o f.f32            (raw binary)\n"
               "  zfpcodec decompress blocks.zfp -t f32 --shape 7,9,11 -r 8 -o b.npy",
        parents=[common])
    sub.add_argument("input", help="zfp stream or masked container ('-' for stdin)")
    sub.add_argument("-o", "--output", help="output file (default: INPUT without .zfp; "
                                            "'-' for stdout)")
    sub.add_argument("--format", choices=("npy", "raw"),
                     help="output format (default: npy for a .npy name, else raw)")
    add_raw_options(sub, "headerless stream")
    add_mode_options(sub)
    add_force(sub, "the output")
    add_threads(sub)


def run(args) -> None:
    """decompress: zfp stream -> .npy or raw file."""
    output = args.output or _default_output(args.input)
    fmt = args.format or ("npy" if output.lower().endswith(".npy") else "raw")
    stream = read_bytes(args.input)
    kind, value = _single_mode(args)
    is_masked = stream.startswith(masked.MAGIC)
    if is_masked:
        if kind is not None or args.dtype is not None or args.shape is not None:
            raise UsageError(f"{show(args.input)} is a masked container, whose zfp stream's "
                             "header gives its type, shape and mode: drop --dtype, --shape "
                             "and the mode")
        decode = dict()
    elif args.dtype is None and args.shape is None:
        if kind is not None:
            raise UsageError("the stream's header gives its mode: mode options are only for "
                             "headerless streams (with --dtype and --shape)")
        if not stream.startswith(ZFP_MAGIC):
            raise CLIError(f"{show(args.input)} has no zfp header (it does not begin with "
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
            raise UsageError(f"{show(args.input)} has a zfp header, which gives its type, "
                             "shape and mode: drop --dtype, --shape and the mode")
        decode = dict(dtype=args.dtype, shape=args.shape,
                      mode=build_mode(kind, value, args.dtype))
    check_output(output, [args.input], args.force)
    start = time.perf_counter()
    if is_masked:
        arr = masked.decode(stream, threads=args.threads)
    else:
        arr = engine.decompress(stream, rate_clamp=True, threads=args.threads, **decode)
    seconds = time.perf_counter() - start
    write_array(output, arr, fmt)
    if not args.quiet:
        note(f"{show(args.input)} -> {show(output, 'stdout')}: {arr.dtype} "
             f"{shape_text(arr.shape)}, {len(stream)} -> {arr.nbytes} bytes ({fmt}), "
             f"{arr.nbytes / MB / max(seconds, 1e-9):.0f} MB/s")


def _default_output(path: str) -> str:
    if path == STDIO:
        return STDIO
    if path.lower().endswith(".zfp") and len(path) > 4:
        return path[:-4]
    raise UsageError(f"cannot name the output after {path} (it does not end in .zfp): "
                     "give -o")
