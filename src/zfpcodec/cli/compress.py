"""``zfpcodec compress``: a .npy or raw binary file to a zfp stream."""

from __future__ import annotations

import argparse
import time

import numpy as np

from .. import bound, engine, masked
from ..modes import describe_params
from .errors import BoundRefusal, CLIError, UsageError
from .io import read_array, write_bytes
from .options import (STDIO, Commands, _single_mode, add_bound_options, add_force,
                      add_mode_options, add_raw_options, add_threads, build_mode,
                      describe_missing, subparser)
from .outputs import check_output, names_stdout
from .report import MB, note, shape_text, show


def add_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    """The `compress` subcommand's parser."""
    sub = subparser(
        commands, "compress", run, help="compress a .npy or raw binary file",
        description="Compress an array in a .npy file or a raw binary file (give --dtype "
                    "and --shape) to a zfp stream, or with --missing to a masked container "
                    "(missing values exactly, a zfp stream for the others).  A lossy stream "
                    "whose error bound cannot hold (NaN, +-inf, a fill value such as -1e10 "
                    "among small values) is refused unless --allow-unbounded.",
        epilog="The stream carries zfp's full header unless --no-header; 'zfp -h -z FILE'\n"
               "reads it.  With the same parameters, a raw file's stream is the one\n"
               "'zfp -h' writes, except for the padding at its end: ours ends on an\n"
               "8-byte boundary, Debian's zfp 1.0.0 program's on a byte.  A masked\n"
               "container (magic ZFPM, docs/masked-format.md) is read by decompress and\n"
               "info, and by zfpcodec.masked.decode.\n\nexamples:\n"
               "  zfpcodec compress field.npy --tolerance 1e-3\n"
               "  zfpcodec compress sst.npy --tolerance 0.01 --missing -1e10\n"
               "  zfpcodec compress field.f32 -t float32 --shape 100,200,300 -r 8 -o f.zfp",
        parents=[common])
    sub.add_argument("input", help="input .npy or raw file ('-' for stdin)")
    sub.add_argument("-o", "--output", help="output stream (default INPUT.zfp; '-' for "
                                            "stdout)")
    add_raw_options(sub, "input")
    add_mode_options(sub)
    sub.add_argument("--no-header", dest="header", action="store_false",
                     help="write the blocks only (like zfp without -h); decompressing then "
                          "needs --dtype, --shape and the mode")
    add_bound_options(sub, "write a masked container instead of a plain zfp stream")
    add_force(sub, "the output")
    add_threads(sub)


def run(args: argparse.Namespace) -> None:
    """compress: .npy or raw file -> zfp stream."""
    output = args.output or _default_output(args.input)
    output = STDIO if names_stdout(output) else output
    arr = read_array(args.input, args.dtype, args.shape)
    kind, value = _single_mode(args)
    mode = build_mode(kind, value, arr.dtype)
    if args.missing is not None and not args.header:
        raise UsageError("--missing writes a container whose zfp stream carries its header: "
                         "drop --no-header")
    check_output(output, [args.input], args.force, stdout=True)
    start = time.perf_counter()
    strict = not args.allow_unbounded
    try:
        if args.missing is None:
            stream = bound.compress_checked(arr, mode, strict=strict, codec="compress",
                                            header=args.header, rate_clamp=True,
                                            threads=args.threads)
        else:
            native = arr.astype(arr.dtype.newbyteorder("="), copy=False)  # bit patterns
            stream = masked.encode(native, mode, args.missing, strict=strict, codec="compress",
                                   threads=args.threads)
    except bound.BoundError as error:
        raise BoundRefusal(show(args.input), error) from None
    except (TypeError, ValueError) as error:
        raise CLIError(f"{args.input}: {error}") from None
    seconds = time.perf_counter() - start
    write_bytes(output, stream)
    if not args.quiet:
        params = mode.params(arr.ndim, engine.ztype_of(arr.dtype))
        if args.missing is not None:
            missing = int(np.count_nonzero(args.missing.mask(arr)))
            note(f"{missing} of {arr.size} values missing "
                 f"({describe_missing(args.missing, arr.dtype)}), stored exactly in a masked "
                 "container")
        note(f"{show(args.input)} -> {show(output, 'stdout')}: {arr.dtype} "
             f"{shape_text(arr.shape)}, {arr.nbytes} -> {len(stream)} bytes "
             f"(ratio {arr.nbytes / len(stream):.3g}, "
             f"{8 * len(stream) / arr.size:.4g} bits/value), {describe_params(params, arr.ndim)}"
             f", {arr.nbytes / MB / max(seconds, 1e-9):.0f} MB/s")


def _default_output(path: str) -> str:
    return STDIO if path == STDIO else path + ".zfp"
