"""Reading and writing the command line's files: arrays from .npy or raw
binary files (memory-mapped where possible) and streams, to and from files
or stdin/stdout ('-').  Files are written through `outputs.atomic_file`."""

from __future__ import annotations

import errno
import io
import math
import os
import stat
import sys
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, NoReturn, cast

import numpy as np
from numpy.typing import NDArray

from .. import engine
from ..errors import ZFPError
from ..masked import MAGIC as MASKED_MAGIC
from ..masked import PREAMBLE, SECTION_LENGTH
from ..region import HEADER_MAX_BYTES, StreamLayout
from .errors import CLIError, UsageError
from .options import STDIO
from .outputs import atomic_file
from .report import shape_text, show

if TYPE_CHECKING:
    from typing_extensions import Buffer

ZFP_MAGIC = b"zfp\x05"          # format.md §2.1: 'z' 'f' 'p', codec version 5
NPY_MAGIC = b"\x93NUMPY"


class ClosedStandardStream:
    """sys.stdin or sys.stdout of a command started with it closed (<&-,
    >&-), where Python leaves None: print() would drop the output without
    a word and `.buffer` be an AttributeError.  Here every read or write
    is an OSError (EBADF) naming the stream, which the command reports."""

    def __init__(self, name: str, what: str) -> None:
        self._name, self._what = name, what

    @property
    def buffer(self) -> ClosedStandardStream:
        return self

    def _closed(self, *args: object) -> NoReturn:
        raise OSError(errno.EBADF, f"{os.strerror(errno.EBADF)} ({self._what} is closed)",
                      self._name)

    read = peek = write = fileno = _closed

    def flush(self) -> None:
        """Nothing to flush (the interpreter flushes stdout as it exits)."""

    def isatty(self) -> bool:
        return False


def read_array(path: str, dtype: np.dtype[Any] | None, shape: tuple[int, ...] | None,
               zfp_types: bool = True, zfp_shape: bool = True) -> NDArray[Any]:
    """The array in a .npy file (no --dtype/--shape) or a raw file (both),
    memory-mapped where possible; '-' reads stdin.  With `zfp_types` its
    type must be one zfp compresses (not so for a Zarr v3 destination,
    whose codec converts smaller types); with `zfp_shape` its shape one zfp
    stores whole (not so for HDF5, whose chunks may have more axes of
    length 1)."""
    # raw values of a known size: a pipe is read no further than one byte
    # past it (enough to tell that it holds more), not to its end
    limit = None if dtype is None or shape is None else _raw_size(dtype, shape) + 1
    source = _source(path, limit)
    if isinstance(source, bytes):
        head = source[:len(NPY_MAGIC)]
    else:
        with open(source, "rb") as file:
            head = file.read(len(NPY_MAGIC))
    is_npy = head == NPY_MAGIC
    if dtype is None and shape is None:
        if not is_npy:
            raise UsageError(f"{show(path)} is not a .npy file; for raw binary input give "
                             "--dtype and --shape")
        arr = _load_npy(path, source)
    else:
        if dtype is None or shape is None:
            raise UsageError("raw binary input needs both --dtype and --shape")
        if is_npy:
            raise UsageError(f"{show(path)} is a .npy file, which records its own dtype and "
                             "shape: drop --dtype and --shape")
        arr = _load_raw(path, source, dtype, shape)
    try:
        if zfp_types:
            engine.ztype_of(arr.dtype)
        if zfp_shape:
            engine.check_shape(arr.shape)
    except (TypeError, ValueError) as error:
        raise CLIError(f"{show(path)}: {error}") from None
    return arr


def _source(path: str, limit: int | None = None) -> str | bytes:
    """`path` when it names a regular file; else the bytes of an input that
    can be read only once, front to back, which can be neither memory-mapped
    nor reopened: '-' (stdin), or a pipe given by name (a FIFO, a shell's
    `<(command)`, /dev/stdin on a pipe, a device): all of them, or the
    first `limit` bytes when it holds more."""
    if path == STDIO:
        return _read_input(sys.stdin.buffer, limit)
    _check_readable_file(path)
    if stat.S_ISREG(os.stat(path).st_mode):
        return path
    with open(path, "rb") as file:
        return _read_input(file, limit)


def _read_input(file: BinaryIO, limit: int | None) -> bytes:
    """An array's bytes from a pipe: `limit` bytes, or without one a .npy
    file no further than its header says it reaches, plus a byte (and no
    further than its first bytes when they begin none): a pipe that never
    ends costs no more memory than the array would."""
    if limit is not None:
        return _read_upto(file, limit)
    head = _read_upto(file, len(NPY_MAGIC) + 2)  # magic, version
    if not head.startswith(NPY_MAGIC) or len(head) < len(NPY_MAGIC) + 2:
        return head
    lengths = {1: 2, 2: 4, 3: 4}.get(head[len(NPY_MAGIC)], 0)  # the header length's size
    size = _read_upto(file, lengths)
    if len(size) < lengths or not lengths:
        return head + size
    header = _read_upto(file, int.from_bytes(size, "little"))
    # (version 3 differs from 2 only in the header's encoding; NumPy 1.x
    # leaves these untyped)
    read_header = cast(Callable[[BinaryIO], tuple[tuple[int, ...], bool, np.dtype[Any]]],
                       np.lib.format.read_array_header_1_0 if lengths == 2 else
                       np.lib.format.read_array_header_2_0)
    try:
        shape, _, dtype = read_header(io.BytesIO(size + header))
    except (ValueError, TypeError, SyntaxError):
        return head + size + header  # not readable: np.load says why
    most = math.prod(shape) * dtype.itemsize + 1
    return head + size + header + _read_upto(file, most)


def _read_upto(file: BinaryIO, limit: int | None) -> bytes:
    """The rest of `file`, or its next `limit` bytes when it holds more."""
    if limit is None:
        return file.read()
    parts, left = [], limit
    while left:  # a pipe hands over what its writer has written so far
        part = file.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _raw_size(dtype: np.dtype[Any], shape: tuple[int, ...]) -> int:
    return math.prod(shape) * dtype.itemsize


def _check_readable_file(path: str) -> None:
    if os.path.isdir(path):
        raise CLIError(f"{path} is a directory, not a file")
    if not os.path.exists(path):
        raise CLIError(f"{path}: no such file")


def _load_npy(path: str, source: str | bytes) -> NDArray[Any]:
    arr: NDArray[Any]
    try:
        if isinstance(source, bytes):
            arr = np.load(io.BytesIO(source), allow_pickle=False)
        else:
            arr = np.load(source, mmap_mode="r", allow_pickle=False)
        return arr
    except (ValueError, EOFError) as error:
        raise CLIError(f"{show(path)}: not a readable .npy file ({error})") from None


def _load_raw(path: str, source: str | bytes, dtype: np.dtype[Any],
              shape: tuple[int, ...]) -> NDArray[Any]:
    need = _raw_size(dtype, shape)
    size = len(source) if isinstance(source, bytes) else os.path.getsize(source)
    if size != need:
        # (a stream read only up to one byte past `need`: "more than")
        held = f"more than {need}" if isinstance(source, bytes) and size > need else size
        raise CLIError(f"{show(path)} holds {held} bytes, but {dtype} values of shape "
                       f"{shape_text(shape)} take {need} bytes")
    if isinstance(source, bytes):
        return np.frombuffer(source, dtype=dtype).reshape(shape)
    return np.memmap(source, dtype=dtype, mode="r", shape=shape)


def read_stream(path: str) -> bytes:
    """The zfp stream or masked container in a file, in a pipe given by
    name, or on stdin for '-' (a pipe is read as `open_stream` reads it)."""
    with open_stream(path) as file:
        return file.read()


def open_stream(path: str, headerless: StreamLayout | None = None) -> BinaryIO:
    """A zfp stream or masked container in a file, or the bytes of stdin
    for '-' or of a pipe given by name, as a seekable binary file: a reader
    can take the parts it needs.  A pipe is read no further than the
    stream can reach, plus a byte, so that one that never ends (a device,
    a stuck writer) costs no more memory than the stream would: as its
    header says (`headerless`: the layout a stream without one has), and
    no further than its first bytes when they begin no zfp stream."""
    if path == STDIO:
        return io.BytesIO(_read_stream(sys.stdin.buffer, headerless))
    _check_readable_file(path)
    if stat.S_ISREG(os.stat(path).st_mode):
        return open(path, "rb")
    with open(path, "rb") as file:
        return io.BytesIO(_read_stream(file, headerless))


def _read_stream(file: BinaryIO, headerless: StreamLayout | None) -> bytes:
    """A zfp stream or masked container from a pipe, and one byte more
    where the pipe holds more (see `open_stream`).  The masked
    container's sections are read as long as they say they are."""
    data = _read_upto(file, max(len(ZFP_MAGIC), PREAMBLE.size))
    if data.startswith(MASKED_MAGIC):  # then the sections, then a zfp stream
        if len(data) == PREAMBLE.size and PREAMBLE.unpack(data)[2] != 0:
            for _ in range(2):
                length = _read_upto(file, SECTION_LENGTH.size)
                data += length
                if len(length) < SECTION_LENGTH.size:
                    return data
                data += _read_upto(file, SECTION_LENGTH.unpack(length)[0])
        stream, headerless = _read_upto(file, HEADER_MAX_BYTES), None
    else:
        stream, data = data + _read_upto(file, HEADER_MAX_BYTES - len(data)), b""
    if headerless is not None:
        layout = headerless
    elif not stream.startswith(ZFP_MAGIC):
        return data + stream  # no stream: the caller says what it is not
    else:
        try:
            layout = StreamLayout.from_header(stream)
        except ZFPError:
            return data + stream
    most = engine.padded_bytes(layout.header_bits
                               + math.prod(layout.grid) * layout.max_block_bits)
    return data + stream + _read_upto(file, max(most + 1 - len(stream), 0))


def write_bytes(path: str, data: bytes) -> None:
    """Write `data` to a file (whole or not at all, see `outputs.atomic_file`),
    or to stdout for '-'."""
    if path == STDIO:
        _write_all(sys.stdout.buffer, data)
        sys.stdout.buffer.flush()
        return
    with atomic_file(path) as file:
        _write_all(file, data)


def _write_all(file: BinaryIO | _WholeWrites, data: Buffer) -> None:
    """Write every byte of `data`: a pipe may take fewer bytes per write
    (and raises BrokenPipeError on the next write once its reader left)."""
    view = memoryview(data).cast("B")
    while view:
        view = view[file.write(view):]


def write_array(path: str, arr: NDArray[Any], fmt: str) -> None:
    """Write `arr` as .npy or raw C-order values, to a file (whole or not at
    all, see `outputs.atomic_file`) or to stdout for '-'."""
    if path == STDIO:
        _write_array_to(_WholeWrites(sys.stdout.buffer), arr, fmt)
        sys.stdout.buffer.flush()
        return
    with atomic_file(path) as file:
        _write_array_to(file, arr, fmt)


class _WholeWrites:
    """stdout for np.save: each write() writes every byte (`_write_all`).
    Given the stream itself, NumPy writes through the C library, which
    needs a file position: on a pipe that fails after the header (unless
    Python runs unbuffered).  Given this, it calls write()."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file

    def write(self, data: Buffer) -> int:
        _write_all(self._file, data)
        return memoryview(data).nbytes


def _write_array_to(file: BinaryIO | _WholeWrites, arr: NDArray[Any], fmt: str) -> None:
    if fmt == "npy":
        np.save(file, arr, allow_pickle=False)
    else:
        # (as bytes: a memoryview of an empty array cannot be cast)
        _write_all(file, np.ascontiguousarray(arr).reshape(-1).view(np.uint8).data)
