"""``zfpcodec decompress``: a zfp stream to a .npy or raw binary file."""

from __future__ import annotations

import argparse
import os
import time
from contextlib import contextmanager
from typing import Any, BinaryIO, Iterator

import numpy as np
from numpy.typing import NDArray

from .. import engine, masked
from ..errors import ZFPError
from ..region import StreamLayout, parse_selection, read_region
from .errors import CLIError, UsageError
from .io import ZFP_MAGIC, open_stream, write_array
from .options import (STDIO, Commands, SettingValue, _single_mode, add_force, add_mode_options,
                      add_raw_options, add_threads, build_mode, parse_region, subparser)
from .outputs import check_output, names_stdout
from .report import MB, note, shape_text, show


def add_parser(commands: Commands, common: argparse.ArgumentParser) -> None:
    """The `decompress` subcommand's parser."""
    sub = subparser(
        commands, "decompress", run, help="decompress a zfp stream",
        description="Decompress a zfp stream to a .npy or raw binary file.  A stream with "
                    "a header needs nothing else; a headerless one needs --dtype, --shape "
                    "and the mode it was compressed with.",
        epilog="examples:\n  zfpcodec decompress field.npy.zfp            (writes field.npy)\n"
               "  zfpcodec decompress f.zfp -o f.f32            (raw binary)\n"
               "  zfpcodec decompress blocks.zfp -t f32 --shape 7,9,11 -r 8 -o b.npy\n"
               "  zfpcodec decompress big.zfp --region '100:116, :, -1' -o part.npy",
        parents=[common])
    sub.add_argument("input", help="zfp stream ('-' for stdin)")
    sub.add_argument("-o", "--output", help="output file (default: INPUT without .zfp; "
                                            "'-' for stdout)")
    sub.add_argument("--format", choices=("npy", "raw"),
                     help="output format (default: npy for a .npy name, else raw)")
    sub.add_argument("--region", type=parse_region, metavar="INDEX",
                     help="decompress only this part of the array, written as a NumPy index "
                          "(e.g. '10:20, ::-2, 5'); from a file in fixed-rate mode only the "
                          "bytes of the blocks it touches are read, in other modes the "
                          "stream up to its last block (a masked container is read and "
                          "decoded whole)")
    add_raw_options(sub, "headerless stream")
    add_mode_options(sub)
    add_force(sub, "the output")
    add_threads(sub)


def run(args: argparse.Namespace) -> None:
    """decompress: zfp stream -> .npy or raw file."""
    output = args.output or _default_output(args.input)
    fmt = args.format or ("npy" if output.lower().endswith(".npy") else "raw")
    output = STDIO if names_stdout(output) else output
    kind, value = _single_mode(args)
    with open_stream(args.input, _described_layout(args, kind, value)) as source:
        magic = source.read(max(len(ZFP_MAGIC), len(masked.MAGIC)))
        source.seek(0)
        is_masked = magic.startswith(masked.MAGIC)
        if is_masked:
            _check_masked_arguments(args, kind)
            decode = {}
        else:
            decode = _headerless_arguments(args, kind, value, magic.startswith(ZFP_MAGIC))
        check_output(output, [args.input], args.force, stdout=True)
        start = time.perf_counter()
        if is_masked:
            # decoded whole: the mask and the missing values, deflated
            # before the stream, are known only for the whole array
            stream = source.read()
            arr = masked.decode(stream, threads=args.threads)
            size = read = len(stream)
            if args.region is not None:
                arr = _masked_region(arr, args.region)
        elif args.region is None:
            stream = source.read()
            arr = _decode_whole(stream, decode, args)
            size = len(stream)
        else:
            layout = StreamLayout.headerless(**decode) if decode else None
            size = source.seek(0, os.SEEK_END)
            if layout is not None:
                _check_headerless_length(source, layout, decode, args)
            try:
                arr, read = read_region(source, args.region, layout=layout,
                                        threads=args.threads)
            except ZFPError:
                raise  # the stream's fault, not the region's
            except (IndexError, TypeError, ValueError) as error:
                raise CLIError(f"--region: {error}") from None
        seconds = time.perf_counter() - start
    write_array(output, arr, fmt)
    if not args.quiet:
        # (standard input was read whole: only a file's reads are partial)
        part = (f" (read {read} of its {size} bytes)"
                if args.region is not None and args.input != STDIO else "")
        note(f"{show(args.input)} -> {show(output, 'stdout')}: {arr.dtype} "
             f"{shape_text(arr.shape)}, {size} -> {arr.nbytes} bytes ({fmt}){part}, "
             f"{arr.nbytes / MB / max(seconds, 1e-9):.0f} MB/s")


def _decode_whole(stream: bytes, decode: dict[str, Any],
                  args: argparse.Namespace) -> NDArray[Any]:
    """The values of a whole stream.  A headerless one must end where its
    blocks do, decoded as --dtype, --shape and the mode say (padded to any
    zfp build's stream word): one that does not was described wrongly, and
    its values would be garbage."""
    with _described_wrongly(args):
        return engine.decompress(stream, rate_clamp=True, threads=args.threads,
                                 exact_length=bool(decode), any_word=True, **decode)


def _check_headerless_length(source: BinaryIO, layout: StreamLayout,
                             decode: dict[str, Any], args: argparse.Namespace) -> None:
    """A headerless stream read in part must still end where its blocks do,
    as `_decode_whole` checks: at a fixed rate the file's size tells;
    blocks of varying length are measured, which reads the file (a region
    of them is read from its start anyway)."""
    with _described_wrongly(args):
        if layout.stream_bits is not None:
            engine.check_ends_at(source.seek(0, os.SEEK_END), layout.stream_bits, True,
                                 layout.dtype, layout.shape, layout.params)
        else:
            source.seek(0)
            engine.check_length(source.read(), any_word=True, **decode)


@contextmanager
def _described_wrongly(args: argparse.Namespace) -> Iterator[None]:
    """A stream that does not end where its description says is the
    command line's mistake: a CLIError naming the options."""
    try:
        yield
    except ZFPError as error:
        if error.status != "length":
            raise
        raise CLIError(f"{show(args.input)}: {error}; give the --dtype, --shape and mode "
                       "it was compressed with") from None


def _check_masked_arguments(args: argparse.Namespace, kind: str | None) -> None:
    """A masked container's zfp stream has a header: no type, shape or mode
    options."""
    if kind is not None or args.dtype is not None or args.shape is not None:
        raise UsageError(f"{show(args.input)} is a masked container, whose zfp stream's "
                         "header gives its type, shape and mode: drop --dtype, --shape "
                         "and the mode")


def _masked_region(arr: NDArray[Any], region: tuple[Any, ...]) -> NDArray[Any]:
    """`region` of a masked container's whole array, as `read_region`
    selects it from a zfp stream."""
    try:
        parse_selection(region, arr.shape)  # the same refusals (None, bool scalars)
        return np.array(arr[region], order="C")  # (0-d for integers only)
    except (IndexError, TypeError, ValueError) as error:
        raise CLIError(f"--region: {error}") from None


def _headerless_arguments(args: argparse.Namespace, kind: str | None,
                          value: SettingValue | None, headed: bool) -> dict[str, Any]:
    """dtype, shape and mode for a headerless stream; {} for a stream with
    a header (whose options must then be absent)."""
    if args.dtype is None and args.shape is None:
        if kind is not None:
            raise UsageError("the stream's header gives its mode: mode options are only for "
                             "headerless streams (with --dtype and --shape)")
        if not headed:
            raise CLIError(f"{show(args.input)} has no zfp header (it does not begin with "
                           "'zfp' and codec version 5); for a headerless stream give --dtype, "
                           "--shape and its mode")
        return {}
    if args.dtype is None or args.shape is None:
        raise UsageError("a headerless stream needs both --dtype and --shape")
    if kind is None:
        raise UsageError("a headerless stream needs the mode it was compressed with "
                         "(--tolerance, --rate, --precision, --reversible or --expert)")
    if headed:
        raise UsageError(f"{show(args.input)} has a zfp header, which gives its type, "
                         "shape and mode: drop --dtype, --shape and the mode")
    return dict(dtype=args.dtype, shape=args.shape, mode=build_mode(kind, value, args.dtype))


def _described_layout(args: argparse.Namespace, kind: str | None,
                      value: SettingValue | None) -> StreamLayout | None:
    """The layout --dtype, --shape and the mode describe, if they do (and
    can: `_headerless_arguments` says what is wrong otherwise)."""
    if args.dtype is None or args.shape is None or kind is None:
        return None
    try:
        return StreamLayout.headerless(args.dtype, args.shape,
                                       build_mode(kind, value, args.dtype))
    except (TypeError, ValueError):
        return None


def _default_output(path: str) -> str:
    if path == STDIO:
        return STDIO
    if path.lower().endswith(".zfp") and len(os.path.basename(path)) > 4:
        return path[:-4]
    why = ("nothing comes before its .zfp" if path.lower().endswith(".zfp")
           else "it does not end in .zfp")
    raise UsageError(f"cannot name the output after {path} ({why}): give -o")
