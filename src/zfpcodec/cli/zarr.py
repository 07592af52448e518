"""``zfpcodec zarr``: a Zarr array, .npy or raw file copied, chunk by chunk,
into a new Zarr store whose chunks are zfp-compressed."""

from __future__ import annotations

import os
import time
from typing import Any, Iterator, Sequence

import numpy as np

from .. import engine
from .errors import CLIError, UsageError
from .io import read_array
from .options import (_single_mode, add_mode_options, add_raw_options, add_threads, build_mode,
                      parse_shape, setting_label, subparser, zarr_codec_args)
from .report import Progress, note, shape_text, show

CHUNK_BYTES = 4 << 20           # default chunk size for arrays without chunks
BATCH_BYTES = 64 << 20          # raw bytes handed to zarr per write call


def add_parser(commands, common, progress) -> None:
    """The `zarr` subcommand's parser."""
    sub = subparser(
        commands, "zarr", run, help="recompress a Zarr array or .npy into a zfp Zarr",
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
    add_raw_options(sub, "source")
    add_mode_options(sub)
    sub.add_argument("--zarr-format", type=int, choices=(2, 3), default=3,
                     help="Zarr format of the new store (default 3)")
    sub.add_argument("--chunks", type=parse_shape, metavar="SHAPE",
                     help="chunk shape of the new store (default: the source's chunks, or "
                          "about 4 MiB with sides a multiple of 4)")
    sub.add_argument("--overwrite", action="store_true", help="replace DEST if it exists")
    add_threads(sub)


def run(args) -> None:
    """zarr: copy a Zarr array, .npy or raw file into a zfp-compressed Zarr store."""
    zarr = import_zarr()
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
        raise UsageError(f"--chunks {shape_text(chunks)} has {len(chunks)} axes, the source "
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
        for region in chunk_batches(source.shape, chunks, BATCH_BYTES // dtype.itemsize):
            block = np.asarray(source[region])
            dest[region] = block
            progress.advance(block.nbytes)
    seconds = time.perf_counter() - start
    if not args.quiet:
        stored = dest.nbytes_stored()
        note(f"{show(args.source)} -> {args.dest}: Zarr v{args.zarr_format}, {dtype} "
             f"{shape_text(source.shape)} in chunks {shape_text(chunks)}, {label}; "
             f"{nbytes} -> {stored} bytes stored (ratio {nbytes / max(stored, 1):.3g}) "
             f"in {seconds:.2f} s")


def import_zarr():
    """The zarr module, >= 3 (CLIError when missing or older)."""
    try:
        import zarr
    except ImportError:
        raise CLIError("this command needs zarr >= 3 and numcodecs: "
                       "pip install zarr numcodecs") from None
    if int(zarr.__version__.split(".")[0]) < 3:
        raise CLIError(f"this command needs zarr >= 3, found {zarr.__version__}")
    return zarr


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
                   target_bytes: int = CHUNK_BYTES) -> tuple[int, ...]:
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
