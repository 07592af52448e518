"""``zfpcodec info``: what a stream's header says."""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from .. import engine, masked
from ..errors import ZFPError
from .errors import CLIError
from .io import read_stream
from .options import Commands, subparser
from .report import shape_text, show, stream_info


def add_parser(commands: Commands) -> None:
    """The `info` subcommand's parser."""
    sub = subparser(
        commands, "info", run, help="show what a stream's header says",
        description="Show a zfp stream's header: scalar type, shape, mode and parameters, "
                    "sizes and compression ratio; for a masked container (compress "
                    "--missing), also how many values are missing and its zfp stream's "
                    "size and ratio.  The stream is checked to be complete "
                    "first (a fixed-rate one by its length, others by decoding them); an "
                    "incomplete one exits with status 1.")
    sub.add_argument("input", help="zfp stream with a header, or masked container ('-' for "
                                   "stdin)")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub.add_argument("--verify", action="store_true",
                     help="decode the whole stream whatever its mode (without it, a fixed-rate "
                          "stream's length is checked and others are decoded)")


def run(args: argparse.Namespace) -> None:
    """info: what a stream's header says."""
    data = read_stream(args.input)
    container = masked.read(data) if data.startswith(masked.MAGIC) else None
    stream = memoryview(data) if container is None else memoryview(container.stream)
    try:
        dtype, shape, params, header_bits = engine.read_header(stream)
    except ZFPError:
        raise CLIError(f"{show(args.input)} is not a zfp stream with a header (codec "
                       "version 5)") from None
    check_complete(stream, dtype, shape, params, header_bits, decode=args.verify)
    info = stream_info(args.input, len(data), dtype, shape, params, header_bits)
    if container is not None:
        info["masked"] = dict(missing_values=container.missing, zfp_stream_bytes=stream.nbytes,
                              zfp_ratio=info["raw_bytes"] / stream.nbytes)
    if args.verify:
        info["verified"] = True
    if args.json:
        print(json.dumps(info, indent=2))
        return
    rows = [("file", show(args.input)),
            ("type", info["dtype"]),
            ("shape", f"{shape_text(shape)}   (zfp: "
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
    if container is not None:
        rows[1:1] = [("container", f"masked (magic ZFPM): {info['masked']['missing_values']} "
                                   f"of {info['raw_bytes'] // dtype.itemsize} values missing, "
                                   "stored exactly")]
        rows.append(("zfp stream", f"{stream.nbytes} bytes (ratio "
                                   f"{info['masked']['zfp_ratio']:.4g})"))
    if args.verify:
        rows.append(("verified", "the whole stream decodes"))
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")


def check_complete(stream: bytes | memoryview, dtype: np.dtype[Any], shape: tuple[int, ...],
                   params: tuple[int, int, int, int], header_bits: int,
                   decode: bool = False) -> None:
    """Raise ZFPError unless `stream` holds every block its header promises.
    Blocks of a fixed size (minbits = maxbits: fixed rate) make the length
    decide; blocks of other modes end where their bits do, so the stream is
    decoded (always so with `decode`)."""
    minbits, maxbits, _, _ = params
    if decode or minbits != maxbits:
        engine.decompress(stream)
        return
    sizes = tuple(reversed(shape)) + (0,) * (4 - len(shape))
    engine.check_fits(memoryview(stream).nbytes, header_bits, engine.ztype_of(dtype), sizes,
                      params, shape)
