"""``zfpcodec info``: what a stream's header says."""

from __future__ import annotations

import json

import numpy as np

from .. import engine
from ..errors import ZFPError
from .errors import CLIError
from .io import read_bytes
from .options import subparser
from .report import shape_text, show, stream_info


def add_parser(commands) -> None:
    """The `info` subcommand's parser."""
    sub = subparser(
        commands, "info", run, help="show what a stream's header says",
        description="Show a zfp stream's header: scalar type, shape, mode and parameters, "
                    "sizes and compression ratio.  The stream is checked to be complete "
                    "first (a fixed-rate one by its length, others by decoding them); an "
                    "incomplete one exits with status 1.")
    sub.add_argument("input", help="zfp stream with a header ('-' for stdin)")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub.add_argument("--verify", action="store_true",
                     help="decode the whole stream whatever its mode (without it, a fixed-rate "
                          "stream's length is checked and others are decoded)")


def run(args) -> None:
    """info: what a stream's header says."""
    stream = read_bytes(args.input)
    try:
        dtype, shape, params, header_bits = engine.read_header(stream)
    except ZFPError:
        raise CLIError(f"{show(args.input)} is not a zfp stream with a header (codec "
                       "version 5)") from None
    check_complete(stream, dtype, shape, params, header_bits, decode=args.verify)
    info = stream_info(args.input, len(stream), dtype, shape, params, header_bits)
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
    if args.verify:
        rows.append(("verified", "the whole stream decodes"))
    width = max(len(name) for name, _ in rows)
    for name, text in rows:
        print(f"{name:<{width}}  {text}")


def check_complete(stream: bytes, dtype: np.dtype, shape: tuple[int, ...],
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
    engine.check_fits(engine.as_stream(stream), header_bits, engine.ztype_of(dtype), sizes,
                      params, shape)
