"""``zfpcodec zarr``: a Zarr array, .npy or raw file copied, chunk by chunk,
into a new Zarr store whose chunks are zfp-compressed.

A local destination is built in a hidden directory beside it and moved into
place when complete (`outputs.staged_directory`); one whose name ends in
.zip is a zip file (zarr's ZipStore), built the same way under a hidden
name (`outputs.staged_file`).  Zip files are read as sources too.  A URL
destination is written in place, as object stores cannot rename:
``--force`` deletes the old array first, and after a failure or Ctrl-C the
partial array is deleted (a process killed outright leaves it behind).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Iterator, Sequence

import numpy as np

from .. import engine
from ..bound import BoundError
from .errors import BoundRefusal, CLIError, UsageError
from .io import read_array
from .options import (Commands, _single_mode, add_bound_options, add_force, add_mode_options,
                      add_raw_options, add_threads, build_mode, parse_shape, setting_label,
                      subparser, zarr_codec_args)
from .outputs import (ZARR_METADATA, HeldInterrupts, check_output, closed_at_end, is_url,
                      is_zip, staged_directory, staged_file, write_failure)
from .progress import Progress
from .report import note, shape_text, show

CHUNK_BYTES = 4 << 20           # default chunk size for arrays without chunks
BATCH_BYTES = 64 << 20          # raw bytes handed to zarr per write call (and per Ctrl-C check)
SEARCH_DEPTH = 3                # levels searched for arrays in a store without root metadata


def add_parser(commands: Commands, common: argparse.ArgumentParser,
               progress: argparse.ArgumentParser) -> None:
    """The `zarr` subcommand's parser."""
    sub = subparser(
        commands, "zarr", run, help="recompress a Zarr array or .npy into a zfp Zarr",
        description="Write an existing Zarr array (or a .npy / raw file) into a new Zarr "
                    "store whose chunks are zfp-compressed, chunk by chunk: the source is "
                    "never loaded whole.",
        epilog="Needs zarr >= 3 and numcodecs.  A Zarr v2 store uses the numcodecs codec\n"
               "zfpcodec.ZFP, a v3 store the array-to-bytes codec zfpcodec.zarr3.ZFPCodec;\n"
               "with --missing, zfpcodec.MaskedZFP and zfpcodec.zarr3.MaskedZFPCodec.  A\n"
               "chunk whose lossy error bound cannot hold stops the copy (exit status 1)\n"
               "unless --allow-unbounded.\n"
               "\nA local DEST is built in a hidden directory (a DEST named *.zip: a zip file)\n"
               "beside it and moved into place when complete: a failure or Ctrl-C leaves no\n"
               "trace, and --force swaps an old store out only then.  A URL DEST (s3://...)\n"
               "is written in place, as object stores cannot rename: --force deletes the old\n"
               "array first, and a failure or Ctrl-C deletes the partial one (a process\n"
               "killed outright leaves it).\n"
               "\nexample:\n  zfpcodec zarr model.zarr --array temperature out.zarr "
               "--tolerance 1e-3",
        parents=[common, progress])
    sub.add_argument("source", help="Zarr array or group (a directory, a *.zip file or a "
                                    "URL), .npy file, or raw file")
    sub.add_argument("dest", help="new Zarr store (a directory, a zip file named *.zip, or a "
                                  "URL)")
    sub.add_argument("--array", metavar="PATH",
                     help="the array inside a source Zarr group")
    add_raw_options(sub, "source")
    add_mode_options(sub)
    sub.add_argument("--zarr-format", type=int, choices=(2, 3), default=3,
                     help="Zarr format of the new store (default 3)")
    sub.add_argument("--chunks", type=parse_shape, metavar="SHAPE",
                     help="chunk shape of the new store (default: the source's chunks, or "
                          "about 4 MiB with sides a multiple of 4)")
    add_bound_options(sub, "use the masked codec")
    add_force(sub, "DEST (a Zarr store or an empty directory)")
    add_threads(sub)


def run(args: argparse.Namespace) -> None:
    """zarr: copy a Zarr array, .npy or raw file into a zfp-compressed Zarr store."""
    zarr = import_zarr()
    with HeldInterrupts() as interrupts:
        copy(args, zarr, interrupts)


def copy(args: argparse.Namespace, zarr: ModuleType, interrupts: HeldInterrupts) -> None:
    """The zarr command's work, stopping cleanly at a batch after Ctrl-C."""
    kind, value = _single_mode(args)
    label = ("zfp " if args.missing is None else "masked zfp ") + \
        setting_label(kind or "reversible", value)
    source, attributes, fill_value, source_chunks = open_source(args, zarr)
    dtype = np.dtype(source.dtype)
    try:
        if args.zarr_format == 2:      # the v3 codec takes smaller types too, and checks
            engine.ztype_of(dtype)
            # numcodecs hands codecs native values: a v2 array of swapped bytes
            # could not be stored, so it is made native (the values are the same)
            dtype = dtype.newbyteorder("=")
        engine.check_shape(tuple(source.shape))
    except (TypeError, ValueError) as error:
        raise CLIError(f"{args.source}: {error}") from None
    codec_args = zarr_codec_args(build_mode(kind, value, dtype), args.zarr_format, args.threads,
                                 args.missing, strict=not args.allow_unbounded)
    if fill_value is not None:
        codec_args["fill_value"] = fill_value
    chunks = args.chunks or source_chunks or default_chunks(source.shape, dtype.itemsize)
    if len(chunks) != len(source.shape):
        raise UsageError(f"--chunks {shape_text(chunks)} has {len(chunks)} axes, the source "
                         f"{len(source.shape)}")
    check_output(args.dest, [args.source], args.force, store=True)
    start = time.perf_counter()
    nbytes = int(np.prod(source.shape)) * dtype.itemsize
    create = dict(shape=source.shape, dtype=dtype, chunks=chunks, zarr_format=args.zarr_format,
                  attributes=attributes, **codec_args)
    with new_array(zarr, args.dest, args.force, f"{dtype} data with {label}", create) as dest, \
            Progress(nbytes, f"zarr {args.dest}", args.progress, unit="B",
                     quiet=args.quiet) as progress:
        for region in chunk_batches(source.shape, chunks, BATCH_BYTES // dtype.itemsize):
            interrupts.check()
            with reading_source(show(args.source), zarr):
                block = np.asarray(source[region])
            try:
                dest[region] = block
            except BoundError as error:
                raise BoundRefusal(f"{show(args.source)} at {shape_text(block.shape)} values "
                                   f"from {tuple(r.start for r in region)}", error) from None
            except (TypeError, ValueError) as error:  # settings no reader decodes back
                raise CLIError(f"{show(args.source)}: {error}") from None
            progress.advance(block.nbytes)
        interrupts.check()             # a Ctrl-C during the last batch still stops it
        stored = dest.nbytes_stored()
    seconds = time.perf_counter() - start
    if not args.quiet:
        note(f"{show(args.source)} -> {args.dest}: Zarr v{args.zarr_format}, {dtype} "
             f"{shape_text(source.shape)} in chunks {shape_text(chunks)}, {label}; "
             f"{nbytes} -> {stored} bytes stored (ratio {nbytes / max(stored, 1):.3g}) "
             f"in {seconds:.2f} s")


@contextmanager
def new_array(zarr: ModuleType, dest: str, force: bool, what: str,
              create: dict[str, Any]) -> Iterator[Any]:
    """A new Zarr array at `dest` (zarr.create_array's arguments `create`)
    to fill in the block: a local one is built in a hidden directory moved
    into place when the block ends without error (`staged_directory`), a
    zip store (`dest` named *.zip) the same way in a hidden file; a URL is
    written in place, the partial array deleted after an error or Ctrl-C.
    `what` says what is stored, for the error a codec raises."""
    if is_zip(dest):
        def close(store: Any) -> None:
            try:
                store.close()             # writes the zip's directory
            except OSError as error:
                raise write_failure(dest, error) from None

        with staged_file(dest) as temp, \
                closed_at_end(zarr.storage.ZipStore(temp, mode="w"), close) as store, \
                writes_settled(dest):
            yield _create_array(zarr, store, False, what, create)
        return
    if not is_url(dest):
        with staged_directory(dest) as temp, writes_settled(dest):
            yield _create_array(zarr, temp, False, what, create)
        return
    array = _create_array(zarr, dest, force, what, create)
    try:
        with writes_settled(dest):
            yield array
    except BaseException:
        with HeldInterrupts():
            _remove_remote(dest)
        raise


def _create_array(zarr: ModuleType, location: str, force: bool, what: str,
                  create: dict[str, Any]) -> Any:
    from zarr.errors import ContainsArrayError, ContainsGroupError
    try:
        return zarr.create_array(location, overwrite=force, **create)
    except (ContainsArrayError, ContainsGroupError):
        raise CLIError(f"{location} exists; use --force to replace it") from None
    except (TypeError, ValueError) as error:   # the codec refuses the dtype or mode
        raise CLIError(f"cannot store {what} in Zarr v{create['zarr_format']}: "
                       f"{error}") from None


@contextmanager
def writes_settled(dest: str) -> Iterator[None]:
    """On an error in the block, wait for the writes zarr still runs before
    passing it on (zarr gathers a batch's chunk writes without cancelling
    the others when one fails, and they would go on writing into a store
    being removed); an OSError becomes a one-line CLIError about `dest`."""
    try:
        yield
    except BaseException as error:
        _finish_pending_tasks()
        if isinstance(error, OSError) and error.filename is None:
            raise write_failure(dest, error) from None
        raise


@contextmanager
def reading_source(what: str, zarr: ModuleType | None) -> Iterator[None]:
    """Any error in the block is a failure to read the source `what`: a
    corrupt Zarr chunk raises whatever its codec raises (RuntimeError from
    zstd and blosc, zlib.error, ZFPError).  zarr leaves the batch's other
    chunk reads running; they are waited for, lest they outlive its event
    loop and print their own complaints at exit."""
    try:
        yield
    except Exception as error:
        if zarr is not None:
            _finish_pending_tasks()
        raise CLIError(f"cannot read {what}: {error}") from None


def _finish_pending_tasks() -> None:
    """Wait for every task still running on zarr's event loop."""
    import asyncio  # (with zarr, which runs on it: not at the command line's start)

    from zarr.core.sync import sync

    async def others() -> None:
        current = asyncio.current_task()
        await asyncio.gather(*(task for task in asyncio.all_tasks() if task is not current),
                             return_exceptions=True)

    sync(others())


def _remove_remote(url: str) -> None:
    """Delete what was written at `url` (best effort: say so if it fails)."""
    import fsspec
    try:
        fs, root = fsspec.core.url_to_fs(url)
        fs.rm(root, recursive=True)
    except Exception as error:   # whatever the remote store raises, the first error matters
        note(f"zfpcodec: could not delete the partial array at {url}: {error}")


def import_zarr() -> ModuleType:
    """The zarr module, >= 3 (CLIError when missing or older)."""
    try:
        import zarr
    except ImportError:
        raise CLIError("this command needs zarr >= 3 and numcodecs: "
                       "pip install zarr numcodecs") from None
    if int(zarr.__version__.split(".")[0]) < 3:
        raise CLIError(f"this command needs zarr >= 3, found {zarr.__version__}")
    return zarr


def open_source(args: argparse.Namespace, zarr: ModuleType | None, *, zfp_shape: bool = True
                ) -> tuple[Any, dict[str, Any], Any, tuple[int, ...] | None]:
    """(array-like, attributes, fill value, chunks) of the zarr command's
    source: a .npy or raw file (memory-mapped; a pipe given by name is
    read whole), or a Zarr array.  `zfp_shape`: refuse a file of a shape
    zfp does not store whole (Zarr chunks have the array's axes; HDF5's may
    drop those of length 1)."""
    if os.path.exists(args.source) and not os.path.isdir(args.source) \
            and not is_zip(args.source):
        if args.array:
            raise UsageError(f"--array is for Zarr groups; {args.source} is a file")
        return (read_array(args.source, args.dtype, args.shape, zfp_types=False,
                           zfp_shape=zfp_shape), {}, None, None)
    if args.dtype is not None or args.shape is not None:
        raise UsageError("--dtype and --shape are for raw files; a Zarr source records its "
                         "own")
    if not os.path.exists(args.source) and not is_url(args.source):
        raise CLIError(f"{args.source}: no such file or Zarr store")
    if zarr is None:  # a caller that needs zarr only for Zarr sources
        zarr = import_zarr()
    try:
        node = zarr.open(store_of(zarr, args.source), mode="r", path=args.array)
    except Exception as error:  # zarr raises several kinds for a missing or bad store
        raise source_problem(args, zarr, error) from None
    if not hasattr(node, "shape"):
        if args.array:
            raise UsageError(f"{args.array} in {args.source} is a Zarr group, not an array "
                             f"(arrays here: {_names(arrays_in(zarr, args.source))})")
        raise UsageError(f"{args.source} is a Zarr group; name the array with --array "
                         f"(arrays here: {_names(arrays_in(zarr, args.source))})")
    fill = node.fill_value
    fill = None if fill is None else fill.item() if hasattr(fill, "item") else fill
    return node, dict(node.attrs), fill, tuple(node.chunks)


def source_problem(args: argparse.Namespace, zarr: ModuleType, error: Exception) -> CLIError:
    """Why the zarr command's source does not open, as the error to raise."""
    arrays = arrays_in(zarr, args.source)
    if arrays is None:
        if os.path.isdir(args.source):
            return CLIError(f"{args.source} is a directory but not a Zarr store (no "
                            f"{', '.join(ZARR_METADATA)} in it or below)")
        where = f"{args.source} (array {args.array})" if args.array else args.source
        return CLIError(f"cannot open {where} as Zarr: {error}")
    if args.array:
        return CLIError(f"{args.source} has no Zarr array {args.array} (arrays here: "
                        f"{_names(arrays)})")
    return UsageError(f"{args.source} is a Zarr group; name the array with --array "
                      f"(arrays here: {_names(arrays)})")


def store_of(zarr: ModuleType, source: str) -> Any:
    """What zarr opens to read `source`: a zip file's ZipStore, else the
    path or URL itself."""
    if is_zip(source) and os.path.isfile(source):
        return zarr.storage.ZipStore(source, mode="r")
    return source


def arrays_in(zarr: ModuleType, source: str) -> list[str] | None:
    """The paths of the arrays in the Zarr store `source`, None where it is
    not one.  A local directory without metadata at its top (arrays written
    at paths inside it) is searched `SEARCH_DEPTH` levels deep."""
    try:
        group = zarr.open_group(store_of(zarr, source), mode="r")
    except Exception:  # not a group; the search below decides
        pass
    else:
        return sorted(name for name, node in group.members(max_depth=None)
                      if hasattr(node, "shape"))
    if is_url(source) or not os.path.isdir(source):
        return None
    arrays = []
    for folder, subfolders, files in os.walk(source):
        depth = os.path.relpath(folder, source).count(os.sep) + (folder != source)
        if _is_array_folder(folder, files):
            arrays.append(os.path.relpath(folder, source).replace(os.sep, "/"))
            subfolders.clear()          # its chunks
        elif depth >= SEARCH_DEPTH:
            subfolders.clear()
    return sorted(arrays) or None


def _is_array_folder(folder: str, files: list[str]) -> bool:
    if ".zarray" in files:
        return True
    if "zarr.json" not in files:
        return False
    try:
        with open(os.path.join(folder, "zarr.json"), encoding="utf-8") as file:
            return bool(json.load(file).get("node_type") == "array")
    except (OSError, ValueError, AttributeError):
        return False


def _names(arrays: list[str] | None) -> str:
    return ", ".join(arrays) if arrays else "none"


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
