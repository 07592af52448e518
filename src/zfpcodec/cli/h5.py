"""``zfpcodec h5``: HDF5 datasets compressed with H5Z-ZFP (filter 32013),
read and written without the HDF5 plugin (zfpcodec.hdf5).

* ``h5 list FILE``: the file's H5Z-ZFP datasets, their modes and ratios;
* ``h5 import SOURCE FILE --dataset NAME``: a .npy, raw or Zarr array into
  a new H5Z-ZFP dataset;
* ``h5 export FILE DATASET DEST``: an H5Z-ZFP dataset into a .npy file or a
  zfp-compressed Zarr store.

Arrays are copied in chunk-aligned slabs, never loaded whole.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import time
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator

import numpy as np
from numpy.typing import NDArray

from ..bound import BoundError
from ..modes import Mode
from .errors import BoundRefusal, CLIError, UsageError
from .outputs import (HeldInterrupts, atomic_file, check_output, closed_at_end, staged_file,
                      write_failure)
from .options import (Commands, Run, _single_mode, add_bound_options, add_mode_options,
                      add_raw_options, add_threads, build_mode, setting_label, subparser,
                      zarr_codec_args)
from .progress import Progress
from .report import Column, Row, format_table, note, shape_text, show
from .zarr import (BATCH_BYTES, chunk_batches, import_zarr, new_array, open_source,
                   reading_source)

if TYPE_CHECKING:
    from ..hdf5.catalog import ZFPDataset

COPY_PIECE = 64 << 20   # bytes an existing HDF5 file is copied in, between Ctrl-C checks
LIST_COLUMNS = [Column("path", "dataset", "{}"), Column("dtype", "type", "{}"),
                Column("shape", "shape", "{}"), Column("chunks", "chunks", "{}"),
                Column("mode", "mode", "{}"), Column("ratio", "ratio", "{:.4g}"),
                Column("bits_per_value", "bits/value", "{:.4g}")]


def add_parser(commands: Commands, common: argparse.ArgumentParser,
               progress: argparse.ArgumentParser) -> None:
    """The `h5` subcommand's parser, with its actions."""
    sub = subparser(
        commands, "h5", _no_action, help="H5Z-ZFP datasets in HDF5 files, without the plugin",
        description="List, import and export HDF5 datasets compressed with the H5Z-ZFP "
                    "filter (id 32013, as written by hdf5plugin and HDF5 programs built "
                    "with it), without the filter: chunks are read and written directly "
                    "and coded by zfpcodec.",
        epilog="Needs h5py (pip install zfpcodec[hdf5]).\n\nexamples:\n"
               "  zfpcodec h5 list run.h5\n"
               "  zfpcodec h5 import field.npy run.h5 --dataset /fields/T --tolerance 1e-3\n"
               "  zfpcodec h5 export run.h5 /fields/T T.npy")
    actions = sub.add_subparsers(title="actions", metavar="ACTION")

    listing = _action(actions, "list", run_list, [],
                      help="list the H5Z-ZFP datasets of a file",
                      description="List every H5Z-ZFP dataset of an HDF5 file: type, shape, "
                                  "chunks, zfp mode, and the compression ratio of its "
                                  "stored chunks.")
    listing.add_argument("file", help="HDF5 file")
    listing.add_argument("--json", action="store_true", help="print a JSON list")

    imports = _action(actions, "import", run_import, [common, progress],
                      help="write an array into a new H5Z-ZFP dataset",
                      description="Write a .npy file, raw file or Zarr array into a new "
                                  "H5Z-ZFP dataset of an HDF5 file (created if missing), "
                                  "in chunk-aligned slabs.  A lossy mode refuses values "
                                  "whose error bound cannot hold (NaN, +-inf, a fill value "
                                  "such as -1e10 among small values: H5Z-ZFP has no mask "
                                  "for missing values) unless --allow-unbounded.")
    imports.add_argument("source", help=".npy file, raw file, or Zarr array or group (a "
                         "directory, a *.zip file or a URL)")
    imports.add_argument("file", help="HDF5 file (created if missing)")
    imports.add_argument("--dataset", required=True, metavar="NAME",
                         help="the new dataset's path in the file")
    imports.add_argument("--array", metavar="PATH", help="the array inside a source Zarr group")
    add_raw_options(imports, "source")
    add_mode_options(imports)
    imports.add_argument("--chunks", type=_chunk_shape, metavar="SHAPE",
                         help="HDF5 chunk shape, at most 4 sides above 1 (default: the "
                              "Zarr source's chunks, else about 1 MiB over the last 4 axes)")
    add_bound_options(imports, None)
    _add_force(imports, "the dataset")
    add_threads(imports)

    exports = _action(actions, "export", run_export, [common, progress],
                      help="write an H5Z-ZFP dataset to .npy or Zarr",
                      description="Read an H5Z-ZFP dataset and write it to a .npy file (DEST "
                                  "ending in .npy) or to a new Zarr store whose chunks are "
                                  "zfp-compressed, by default in the dataset's own mode (give "
                                  "--reversible to keep the values exactly).")
    exports.add_argument("file", help="HDF5 file")
    exports.add_argument("dataset", help="the dataset's path in the file")
    exports.add_argument("dest", help="new .npy file or Zarr store (a directory)")
    add_mode_options(exports)
    exports.add_argument("--zarr-format", type=int, choices=(2, 3), default=3,
                         help="Zarr format of a Zarr DEST (default 3)")
    _add_force(exports, "DEST (a .npy file, or a Zarr store or an empty directory)")
    add_threads(exports)


def _action(actions: Commands, name: str, run: Run, parents: list[argparse.ArgumentParser],
            help: str, description: str) -> argparse.ArgumentParser:
    sub = subparser(actions, name, run, help=help, description=description, parents=parents)
    sub.set_defaults(command=f"h5 {name}")
    return sub


def _add_force(sub: argparse.ArgumentParser, what: str) -> None:
    # --overwrite: this command's first name for it
    sub.add_argument("-f", "--force", "--overwrite", dest="force", action="store_true",
                     help=f"replace {what} if it exists (it is replaced only once the new "
                          "one is complete)")


def _no_action(args: argparse.Namespace) -> None:
    raise UsageError("choose an action: list, import or export (zfpcodec h5 --help)")


def _chunk_shape(text: str) -> tuple[int, ...]:
    """A chunk shape of any rank (sides of 1 do not count toward zfp's 4)."""
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a shape: positive integers "
                                         "separated by commas, e.g. 1,64,64,64")
    return shape


def import_hdf5() -> tuple[ModuleType, ModuleType]:
    """zfpcodec.hdf5 with h5py (CLIError when h5py is missing)."""
    try:
        import h5py

        from .. import hdf5
    except ImportError:
        raise CLIError("this command needs h5py: pip install zfpcodec[hdf5]") from None
    return h5py, hdf5


def _open(h5py: ModuleType, path: str, mode: str = "r") -> Any:
    if mode == "r" and os.path.isdir(path):
        raise CLIError(f"{path}: a directory, not an HDF5 file")
    if mode == "r" and not os.path.exists(path):
        raise CLIError(f"{path}: no such file")
    if mode == "r" and not os.path.isfile(path):
        # HDF5 reads its files in place, jumping about: a pipe will not do
        raise CLIError(f"{path} is not a regular file (a pipe?): HDF5 files are read in "
                       "place; save it to a file first")
    try:
        return h5py.File(path, mode)
    except OSError as error:
        raise CLIError(f"{path}: not a readable HDF5 file ({error})") from None


# --------------------------------------------------------------------------
# list

def run_list(args: argparse.Namespace) -> None:
    """h5 list: the H5Z-ZFP datasets of a file."""
    h5py, hdf5 = import_hdf5()
    with _open(h5py, args.file) as file:
        found = hdf5.zfp_datasets(file)
    rows = [_row(entry) for entry in found]
    if args.json:
        # no chunks stored has an infinite ratio, which strict JSON cannot hold
        print(json.dumps([{**row, "ratio": None if math.isinf(row["ratio"]) else row["ratio"]}
                          for row in rows], indent=2))
        return
    if not rows:
        print(f"{args.file}: no H5Z-ZFP datasets")
        return
    readable = [row for row in rows if row["problem"] is None]
    if readable:
        print(format_table(LIST_COLUMNS, [
            {**row, "shape": shape_text(row["shape"]), "chunks": shape_text(row["chunks"])}
            for row in readable]))
    for row in rows:
        if row["problem"] is not None:
            print(f"{row['path']}: unreadable: {row['problem']}")


def _row(entry: ZFPDataset) -> Row:
    fmt = entry.format
    return dict(path=entry.path, dtype=str(entry.dtype), shape=list(entry.shape),
                chunks=list(entry.chunks),
                mode=fmt.describe() if fmt else None,
                parameters=list(fmt.params) if fmt else None,
                chunks_stored=entry.chunks_stored, stored_bytes=entry.stored_bytes,
                raw_bytes=entry.raw_bytes, ratio=entry.ratio,
                bits_per_value=entry.bits_per_value, problem=entry.problem)


# --------------------------------------------------------------------------
# import

def run_import(args: argparse.Namespace) -> None:
    """h5 import: an array into a new H5Z-ZFP dataset."""
    h5py, hdf5 = import_hdf5()
    kind, value = _single_mode(args)
    zarr = None if os.path.isfile(args.source) else import_zarr()
    # H5Z-ZFP takes arrays of any rank whose chunks have at most 4 axes
    # longer than 1: the writer checks that
    source, _, fill, source_chunks = open_source(args, zarr, zfp_shape=False)
    dtype = np.dtype(source.dtype)
    mode = build_mode(kind, value, dtype)
    chunks = args.chunks or source_chunks
    if chunks is not None and len(chunks) != len(source.shape):
        raise UsageError(f"--chunks {shape_text(chunks)} has {len(chunks)} axes, the source "
                         f"{len(source.shape)}")
    if not args.dataset.strip("/"):
        raise UsageError(f"--dataset {args.dataset!r} names no dataset: give one, such as "
                         "/temperature")
    # the file is added to, not replaced: only its datasets need --force
    check_output(args.file, [args.source], force=True)
    options = {} if fill is None else {"fillvalue": fill}
    start = time.perf_counter()
    nbytes = int(np.prod(source.shape)) * dtype.itemsize
    if os.path.exists(args.file):      # checked before the file is copied
        with _open(h5py, args.file) as file:
            if args.dataset in file and not isinstance(file[args.dataset], h5py.Dataset):
                raise CLIError(f"{args.file}: {args.dataset} is a group, not a dataset, and "
                               "--force replaces only a dataset: choose another --dataset")
            if args.dataset in file and not args.force:
                raise CLIError(f"{args.file} already holds {args.dataset} (give --force to "
                               "replace it)")
    with HeldInterrupts() as interrupts, _hdf5_file(h5py, args.file, interrupts) as file:
        if args.dataset in file:
            del file[args.dataset]
        try:
            writer = hdf5.create_with_mode(file, args.dataset, source.shape, dtype, mode,
                                           chunks=chunks, strict=not args.allow_unbounded,
                                           **options)
        except (TypeError, ValueError) as error:
            raise CLIError(f"cannot store {show(args.source)} with H5Z-ZFP: {error}") from None
        chunks = writer.dataset.chunks
        with Progress(nbytes, f"import {args.dataset}", args.progress, unit="B",
                      quiet=args.quiet) as progress:
            for region in chunk_batches(source.shape, chunks, BATCH_BYTES // dtype.itemsize):
                interrupts.check()
                with reading_source(show(args.source), zarr):
                    block = np.asarray(source[region])
                try:
                    writer.write(block, [r.start for r in region], threads=args.threads)
                except BoundError as error:
                    raise BoundRefusal(f"{show(args.source)} at {shape_text(block.shape)} "
                                       f"values from {tuple(r.start for r in region)}", error,
                                       missing=False) from None
                progress.advance(block.nbytes)
        interrupts.check()             # a Ctrl-C during the last batch still stops it
        stored, name = writer.dataset.id.get_storage_size(), writer.dataset.name
    if not args.quiet:
        note(f"{show(args.source)} -> {args.file}:{name}: {dtype} "
             f"{shape_text(source.shape)} in chunks {shape_text(chunks)}, H5Z-ZFP "
             f"{writer.format.describe()}; {nbytes} -> {stored} bytes (ratio "
             f"{nbytes / max(stored, 1):.3g}) in {time.perf_counter() - start:.2f} s")


@contextmanager
def _hdf5_file(h5py: ModuleType, path: str, interrupts: HeldInterrupts) -> Iterator[Any]:
    """`path` open to add a dataset to, through a file beside it that is
    renamed over `path` when the block ends without error and removed
    otherwise: an existing file is copied there first (stopping at a piece
    after Ctrl-C).  HDF5 changes files in place, and one whose write fails
    midway (a full disk) no longer opens at all; the copy keeps the old
    file whole until the new one is complete."""
    existing = os.path.exists(path)
    target = os.path.realpath(path) if existing else path   # a link stays a link
    try:
        with staged_file(target) as temp:
            if existing:
                _copy(target, temp, interrupts)
            with closed_at_end(h5py.File(temp, "r+" if existing else "w"), _close) as file:
                yield file
    except OSError as error:   # reading errors are CLIErrors by now (`_reading`)
        if error.errno:
            error = OSError(error.errno, os.strerror(error.errno))
        raise write_failure(path, error) from None


def _copy(source: str, dest: str, interrupts: HeldInterrupts) -> None:
    with open(source, "rb") as old, open(dest, "wb") as new:
        while piece := old.read(COPY_PIECE):
            interrupts.check()
            new.write(piece)
    shutil.copymode(source, dest)


def _close(file: Any) -> None:
    """Close an h5py File.  Closing flushes what HDF5 holds back: where that
    fails h5py raises RuntimeError, here an OSError with the errno HDF5
    reports."""
    try:
        file.close()
    except RuntimeError as error:
        code = re.search(r"errno = (\d+)", str(error))
        raise OSError(int(code.group(1)) if code else 0, str(error)) from None


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """An OSError in the block is a failure to read `what`, not to write."""
    try:
        yield
    except OSError as error:
        raise CLIError(f"cannot read {what}: {error}") from None


# --------------------------------------------------------------------------
# export

def run_export(args: argparse.Namespace) -> None:
    """h5 export: an H5Z-ZFP dataset into .npy or Zarr."""
    h5py, hdf5 = import_hdf5()
    to_npy = args.dest.endswith(".npy")
    kind, value = _single_mode(args)
    if to_npy and kind is not None:
        raise UsageError("a .npy file holds the values as they are: mode options are for "
                         "Zarr stores")
    check_output(args.dest, [args.file], args.force, store=not to_npy)
    start = time.perf_counter()
    with HeldInterrupts() as interrupts, _open(h5py, args.file) as file:
        if args.dataset not in file or not isinstance(file[args.dataset], h5py.Dataset):
            raise CLIError(f"{args.file} holds no dataset {args.dataset}")
        dataset = file[args.dataset]
        try:
            _, fmt = hdf5.reader.filter_format(dataset)
        except ValueError as error:
            raise CLIError(str(error)) from None
        dtype = np.dtype(dataset.dtype).newbyteorder("=")
        sink: ContextManager[Writer]
        if to_npy:
            sink = _npy_file(args.dest, dtype, dataset.shape)
            label = ".npy"
        else:
            mode = fmt.mode if kind is None else build_mode(kind, value, dtype)
            sink = _zarr_array(args, dataset, dtype, mode)
            label = (f"Zarr v{args.zarr_format}, zfp " + (
                fmt.describe() if kind is None else setting_label(kind, value)))
        nbytes = int(np.prod(dataset.shape)) * dtype.itemsize
        with sink as write, Progress(nbytes, f"export {args.dataset}", args.progress,
                                     unit="B", quiet=args.quiet) as progress:
            for region in chunk_batches(dataset.shape, dataset.chunks,
                                        BATCH_BYTES // dtype.itemsize):
                interrupts.check()
                with _reading(f"{args.dataset} of {args.file}"):
                    block = hdf5.read(dataset, region, threads=args.threads)
                try:
                    write(region, block)
                except ValueError as error:  # values the Zarr codec cannot store
                    raise CLIError(f"cannot write {args.dataset} to {args.dest}: "
                                   f"{error}") from None
                progress.advance(block.nbytes)
            interrupts.check()
        name, shape = dataset.name, dataset.shape
    if not args.quiet:
        note(f"{args.file}:{name} -> {args.dest}: {dtype} {shape_text(shape)}, {label}, "
             f"in {time.perf_counter() - start:.2f} s")


Writer = Callable[[tuple[slice, ...], NDArray[Any]], None]


@contextmanager
def _npy_file(path: str, dtype: np.dtype[Any], shape: tuple[int, ...]) -> Iterator[Writer]:
    """A writer of regions of a new .npy file at `path` (whole or not at
    all, `atomic_file`).  Written, not memory-mapped: a full disk is then an
    error, where a store to a mapped page would kill the process."""
    with atomic_file(path) as file:
        # NumPy < 2 ships np.lib.format without annotations
        descr = np.lib.format.dtype_to_descr(dtype)  # type: ignore[no-untyped-call,unused-ignore]
        header = {"descr": descr, "fortran_order": False, "shape": tuple(shape)}
        np.lib.format.write_array_header_1_0(  # type: ignore[no-untyped-call,unused-ignore]
            file, header)
        data = file.tell()

        def write(region: tuple[slice, ...], block: NDArray[Any]) -> None:
            block = np.ascontiguousarray(block, dtype)
            # the axes after `split` are whole: each block[index] is one run of the file
            split = max((a for a, (r, n) in enumerate(zip(region, shape))
                         if (r.start, r.stop) != (0, n)), default=0)
            for index in np.ndindex(*block.shape[:split]):
                first = tuple(r.start + i for r, i in zip(region, index)) + \
                    tuple(r.start for r in region[split:])
                file.seek(data + int(np.ravel_multi_index(first, shape)) * dtype.itemsize)
                file.write(block[index].data)

        yield write


def _zarr_array(args: argparse.Namespace, dataset: Any, dtype: np.dtype[Any],
                mode: Mode) -> ContextManager[Writer]:
    """A writer of regions of a new Zarr array at args.dest (`new_array`:
    whole or not at all)."""
    from ..hdf5.kerchunk_refs import json_attributes

    zarr = import_zarr()
    create = dict(shape=dataset.shape, dtype=dtype, chunks=dataset.chunks,
                  zarr_format=args.zarr_format, fill_value=dataset.fillvalue,
                  attributes=json_attributes(dataset),
                  **zarr_codec_args(mode, args.zarr_format, args.threads))

    @contextmanager
    def writer() -> Iterator[Writer]:
        with new_array(zarr, args.dest, args.force, f"{dtype} data with zfp", create) as array:
            def write(region: tuple[slice, ...], block: NDArray[Any]) -> None:
                array[region] = block
            yield write

    return writer()
