"""``zfpcodec compress``: a .npy or raw binary file to a zfp stream."""

from __future__ import annotations

import time

from .. import engine
from ..modes import describe_params
from .errors import CLIError
from .io import read_array, write_bytes
from .options import (STDIO, _single_mode, add_force, add_mode_options, add_raw_options,
                      add_threads, build_mode, subparser)
from .outputs import check_output
from .report import MB, note, shape_text, show


def add_parser(commands, common) -> None:
    """The `compress` subcommand's parser."""
    sub = subparser(
        commands, "compress", run, help="compress a .npy or raw binary file",
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
    add_raw_options(sub, "input")
    add_mode_options(sub)
    sub.add_argument("--no-header", dest="header", action="store_false",
                     help="write the blocks only (like zfp without -h); decompressing then "
                          "needs --dtype, --shape and the mode")
    add_force(sub, "the output")
    add_threads(sub)


def run(args) -> None:
    """compress: .npy or raw file -> zfp stream."""
    output = args.output or _default_output(args.input)
    arr = read_array(args.input, args.dtype, args.shape)
    kind, value = _single_mode(args)
    mode = build_mode(kind, value, arr.dtype)
    check_output(output, [args.input], args.force)
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
        note(f"{show(args.input)} -> {show(output, 'stdout')}: {arr.dtype} "
             f"{shape_text(arr.shape)}, {arr.nbytes} -> {len(stream)} bytes "
             f"(ratio {arr.nbytes / len(stream):.3g}, "
             f"{8 * len(stream) / arr.size:.4g} bits/value), {describe_params(params, arr.ndim)}"
             f", {arr.nbytes / MB / max(seconds, 1e-9):.0f} MB/s")


def _default_output(path: str) -> str:
    return STDIO if path == STDIO else path + ".zfp"
