"""The zfpy 1.0.1 API over the zfpcodec engine.

Every name, default, exception type and message follows zfpy 1.0.1 (see
docs/zfpy-api.md) wherever zfpy is well defined.  Where zfpy crashes,
corrupts memory or returns garbage we raise a clear exception or do the
right thing instead; docs/differences-from-zfpy.md lists each case.
Extra keyword-only arguments (``threads``) are ours.
"""

from __future__ import annotations

from itertools import zip_longest as zip_longest  # zfpy exports it
from math import prod
from typing import TYPE_CHECKING, Any, Sequence, TypedDict, TypeVar, cast

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import _zfp
from .engine import (HEADER_MAX_1D_SIZE, allocate, as_stream, check_fits, decode_into,
                     header_size_problem, numpy_shape, thread_count, unreadable)
from .errors import ZFPError
from .modes import (EXPERT, FIXED_ACCURACY, FIXED_PRECISION, FIXED_RATE, REVERSIBLE,
                    ZFPY_MODE, ZFPY_MODE_NULL, Params, ZfpyHeaderConfig, zfpy_header_config,
                    zfpy_params)

if TYPE_CHECKING:
    from ._typing import BufferLike, Integer, NumericArray, Real

# the NumPy scalar types of zfp's four types
ScalarType = type[np.int32] | type[np.int64] | type[np.float32] | type[np.float64]
_Entry = TypeVar("_Entry")

HEADER_MAGIC = 1
HEADER_META = 2
HEADER_MODE = 4
HEADER_FULL = 7

type_none = 0
type_int32 = 1
type_int64 = 2
type_float = 3
type_double = 4

mode_null = ZFPY_MODE_NULL
mode_expert = ZFPY_MODE[EXPERT]
mode_fixed_rate = ZFPY_MODE[FIXED_RATE]
mode_fixed_precision = ZFPY_MODE[FIXED_PRECISION]
mode_fixed_accuracy = ZFPY_MODE[FIXED_ACCURACY]

zfp_to_dtype_map: dict[int, ScalarType] = {
    type_int32: np.int32,
    type_int64: np.int64,
    type_float: np.float32,
    type_double: np.float64,
}
zfp_mode_map: dict[int, str] = {
    mode_null: "null",
    mode_expert: "expert",
    ZFPY_MODE[REVERSIBLE]: "reversible",  # zfpy has no constant for it
    mode_fixed_accuracy: "tolerance",
    mode_fixed_precision: "precision",
    mode_fixed_rate: "rate",
}
_formats: dict[int, str] = {type_int32: "i", type_int64: "q", type_float: "f", type_double: "d"}


# --------------------------------------------------------------------------
# Argument conversion with the rules (and messages) of zfpy's C signature

# The conversions look the methods up on the type, as C does (a class such
# as np.float64 has __float__, but is not a number).

def _as_double(value: object) -> float:
    """C `double` conversion: anything with __float__ or __index__."""
    kind = type(value)
    if hasattr(kind, "__float__") or hasattr(kind, "__index__"):
        return float(cast("Real", value))
    raise TypeError(f"must be real number, not {kind.__name__}")


def _as_c_integer(value: object, ctype: str, lo: int, hi: int) -> int:
    """C integer conversion: floats are truncated, strings refused, and so is
    an object with only __index__ (zfpy's conversion asks for __int__)."""
    if not hasattr(type(value), "__int__"):
        raise TypeError("an integer is required")
    number = int(cast("Integer", value))
    if number < lo:
        raise OverflowError(
            f"can't convert negative value to {ctype}" if lo == 0
            else f"value too large to convert to {ctype}")
    if number > hi:
        raise OverflowError(f"value too large to convert to {ctype}")
    return number


def _as_int(value: object) -> int:
    return _as_c_integer(value, "int", -2**31, 2**31 - 1)


def _as_enum(value: object, ctype: str) -> int:
    return _as_c_integer(value, ctype, 0, 2**32 - 1)


def _qualified_name(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _as_stream(data: BufferLike) -> memoryview:
    """A flat byte view of compressed input: any C-contiguous buffer."""
    if data is None:
        raise TypeError("compressed_data cannot be None")
    try:
        return as_stream(data)
    except ValueError as error:
        if "C-contiguous" not in str(error):
            raise
        if isinstance(data, memoryview):  # zfpy's words, for each kind of input
            raise BufferError("memoryview: underlying buffer is not C-contiguous") from None
        raise ValueError("ndarray is not C-contiguous") from None


def _converted_stream(data: BufferLike) -> memoryview | None:
    """`_as_stream` at the point where zfpy converts its argument: the errors
    of what is no contiguous buffer, and None for an empty one (refused
    later, where zfpy refuses it)."""
    try:
        return _as_stream(data)
    except ZFPError:
        return None


# --------------------------------------------------------------------------
# Type and mode helpers

def dtype_to_ztype(dtype: DTypeLike) -> int:
    """zfp type code of a NumPy dtype or scalar type (native byte order)."""
    for ztype, scalar in zfp_to_dtype_map.items():
        if dtype == scalar:
            return ztype
    raise TypeError(f"Unknown dtype: {dtype}")


def dtype_to_format(dtype: DTypeLike) -> str:
    """struct/array format character ('i', 'q', 'f', 'd') of a dtype."""
    return _formats[dtype_to_ztype(dtype)]


def ztype_to_dtype(ztype: Integer) -> ScalarType:
    """NumPy scalar type of a zfp type code."""
    return _lookup(zfp_to_dtype_map, ztype, "zfp_type")


def zmode_to_str(zmode: Integer) -> str:
    """Name of a zfp mode code ('rate', 'precision', ...)."""
    return _lookup(zfp_mode_map, zmode, "zfp_mode")


def _lookup(table: dict[int, _Entry], value: object, ctype: str) -> _Entry:
    """`table`'s entry for a C enum `value`, with zfpy's errors."""
    code = _as_enum(value, ctype)
    try:
        return table[code]
    except KeyError:
        raise ValueError(f"Unsupported {ctype} {code}") from None


def _array_ztype(dtype: np.dtype[Any]) -> tuple[int, bool]:
    """(type code, byte-swapped) of an array's dtype, either byte order."""
    try:
        native = dtype.newbyteorder("=")
    except (TypeError, ValueError):
        native = dtype
    try:
        return dtype_to_ztype(native), not dtype.isnative
    except TypeError:
        raise TypeError(f"Unknown dtype: {dtype}") from None


# --------------------------------------------------------------------------
# Compression

def _check_headerless_rate(params: Params, clamped: Params, dtype: np.dtype[Any], dims: int,
                           rate: object) -> None:
    """Refuse a header-less float stream at a rate below the block header
    (format.md §14.1): zfpy writes its blocks at the rate as given, its
    `_decompress` (and ours, as zfpy's) reads them at the raised rate, so
    every value comes back wrong (zfpy's compress_numpy writes past its
    buffer there)."""
    if params == clamped:
        return
    need = clamped[1] / 4**dims
    raise ValueError(f"rate={rate}: a header-less {dtype} stream at {params[1]} bits per "
                     f"block cannot be read back: readers told the rate raise it to "
                     f"{clamped[1]} bits, the float block header's; write a header, or "
                     f"use rate >= {need:g} in {dims}-D")


def compress_numpy(arr: NumericArray, tolerance: Real = -1.0, rate: Real = -1.0,
                   precision: Integer = -1, write_header: bool = True, *,
                   threads: int = 1) -> bytes:
    """Compress a NumPy array into a zfp stream.

    Parameters
    ----------
    arr : numpy.ndarray
        int32, int64, float32 or float64 values in 1 to 4 dimensions, any
        memory layout and byte order.
    tolerance : float
        Fixed accuracy: the absolute error bound, if >= 0.
    rate : float
        Fixed rate: compressed bits per value, if >= 0.
    precision : int
        Fixed precision: bit planes kept, if >= 0.  At most one of
        `tolerance`, `rate` and `precision` may be given; with none, the
        compression is reversible (lossless).
    write_header : bool
        Prepend the zfp header (magic, type, shape, mode), as
        `decompress_numpy` requires.
    threads : int
        Threads coding blocks in parallel (0: all cores).  The bytes do not
        depend on it.

    Returns
    -------
    bytes
        The stream, a multiple of 8 bytes long; the last NumPy axis is
        zfp's x (fastest) axis, so `decompress_numpy` restores the shape.
    """
    # zfpy converts the mode's numbers before it tests the array's type
    tol, bits, planes = _as_double(tolerance), _as_double(rate), _as_int(precision)
    if arr is not None and not isinstance(arr, np.ndarray):
        raise TypeError("Argument 'arr' has incorrect type (expected numpy.ndarray, "
                        f"got {_qualified_name(type(arr))})")
    if arr is None:
        raise TypeError("Input array cannot be None")
    if (tol >= 0) + (bits >= 0) + (planes >= 0) > 1:
        raise ValueError("Only one of tolerance, rate, or precision can be set")
    ztype, byteswap = _array_ztype(arr.dtype)
    if not 1 <= arr.ndim <= 4:
        raise RuntimeError("Greater than 4 dimensions not supported")
    if arr.size == 0:
        raise ValueError(f"cannot compress an empty array (shape {arr.shape}): "
                         "zfp cannot store a zero-length axis")
    params = zfpy_params(tol, bits, planes, arr.ndim, type_none)
    if not write_header and params[1] == 0 and ztype in (type_int32, type_int64):
        # integer blocks of 0 bits (format.md §14.1): the stream would be empty
        raise RuntimeError("Failed to write to stream")
    if not write_header:
        _check_headerless_rate(params, zfpy_params(tol, bits, planes, arr.ndim, ztype),
                               arr.dtype, arr.ndim, rate)
    # where zfpy writes a stream no reader decodes back, refuse it instead
    problem = unreadable(ztype, arr.ndim, params, bool(write_header))
    if problem:
        raise ValueError(f"tolerance={tolerance}, rate={rate}, precision={precision}: "
                         f"{problem}")
    try:
        stream = _zfp.compress(arr, ztype, params, bool(write_header), byteswap,
                               thread_count(threads))
    except ZFPError as error:
        if error.status == "header_size":
            if arr.ndim == 1 and arr.shape[0] > HEADER_MAX_1D_SIZE:  # zfpy writes it
                raise RuntimeError("Failed to write header to stream: "
                                   f"{header_size_problem(arr.shape)}") from None
            raise RuntimeError("Failed to write header to stream") from None
        raise
    if not stream:
        raise RuntimeError("Failed to write to stream")
    return stream


# --------------------------------------------------------------------------
# Decompression

def _read_header(data: BufferLike) -> tuple[memoryview, int, tuple[int, int, int, int],
                                            Params, int]:
    view = _as_stream(data)
    try:
        ztype, sizes, params, bits = _zfp.read_header(view)
    except ZFPError:
        raise ZFPError("Failed to read required zfp header", "header") from None
    return view, ztype, sizes, params, bits


def decompress_numpy(compressed_data: BufferLike, *, threads: int = 1) -> NDArray[Any]:
    """Decompress a zfp stream that starts with a full header.

    Returns a new C-contiguous array of the type and shape the header
    declares.  Raises ZFPError (a ValueError) for empty input, a missing or
    corrupt header, and a stream that ends before its last block (checked
    before the array is allocated wherever the length alone proves it).
    `threads` (ours; 0: all cores) decode in parallel, to the same values;
    on variable-rate streams two threads may take up to 64 MiB more
    (zfpcodec.engine.decompress says when).
    """
    count = thread_count(threads)
    view, ztype, sizes, params, bits = _read_header(compressed_data)
    shape = numpy_shape(sizes)
    check_fits(view.nbytes, bits, ztype, sizes, params, shape)
    out = allocate(shape, zfp_to_dtype_map[ztype])
    decode_into(view, bits, out, ztype, params, count)
    return out


def _decompress(compressed_data: BufferLike, ztype: Integer, shape: Sequence[Integer],
                out: BufferLike | None = None, tolerance: Real = -1.0, rate: Real = -1.0,
                precision: Integer = -1, *, threads: int = 1) -> NDArray[Any]:
    """Decompress a stream written without a header.

    The caller supplies the type code, the NumPy shape and the mode
    parameters used to compress.  `out`, if given, is an ndarray of that
    dtype and shape (any layout; written through its strides) or a writable
    buffer of exactly the right size; it is returned (as an array).
    """
    # zfpy's order: converting the buffer, the type and the mode's numbers,
    # then checking None, the shape and an empty buffer
    view = None if compressed_data is None else _converted_stream(compressed_data)
    code = _as_enum(ztype, "zfp_type")
    tol, bits, planes = _as_double(tolerance), _as_double(rate), _as_int(precision)
    count = thread_count(threads)
    if compressed_data is None:
        raise TypeError("compressed_data cannot be None")
    try:
        rank = len(shape)
    except TypeError:
        raise TypeError("User-provided {} is not an iterable") from None
    if rank > 4:
        raise ValueError("User-provided {} has too many dimensions (up to 4 supported)")
    if rank == 0:
        raise ValueError("User-provided {} needs at least one dimension")
    if view is None:
        view = _as_stream(compressed_data)  # empty
    sizes = [_as_c_integer(int(n), "size_t", 0, 2**64 - 1) for n in reversed(shape)]
    dims = next((i for i, n in enumerate(sizes) if n == 0), len(sizes))
    if dims == 0 or any(sizes[dims:]):
        raise ValueError(f"shape {list(shape)} has a zero-length axis: zfp streams "
                         "cannot hold one (leading zeros are ignored, as in zfpy)")
    # zfpy sets the field's type only for codes 1..4 and, without `out`,
    # names the unset type 0 in its error (zfpy-api.md §7.3)
    dtype = ztype_to_dtype(code if out is not None or 1 <= code <= 4 else type_none)
    array_shape = numpy_shape(sizes)
    params = zfpy_params(tol, bits, planes, dims, code)
    field = tuple(sizes) + (0,) * (4 - len(sizes))
    if out is None:
        if max(sizes) > 2**63 - 1:  # zfpy's array shape is C ssize_t
            raise OverflowError("Python int too large to convert to C ssize_t")
        check_fits(view.nbytes, 0, code, field, params, array_shape)
        target = allocate(array_shape, dtype)
    else:
        target = _output_array(out, dtype, array_shape, tuple(reversed(sizes)))
        if np.may_share_memory(target, np.frombuffer(view, dtype=np.uint8)):
            raise ValueError("Cannot decompress in-place")
        check_fits(view.nbytes, 0, code, field, params, array_shape)
    decode_into(view, 0, target, code, params, count)
    if params[1] == 0 and code in (type_int32, type_int64):
        # integer blocks of 0 bits: zfp reports a stream it read nothing of
        # as a failure (zfp_decompress returns 0), after decoding zeros
        raise RuntimeError("error during zfp decompression")
    return target


def _output_array(out: BufferLike, dtype: ScalarType, shape: tuple[int, ...],
                  given: tuple[int, ...]) -> NDArray[Any]:
    """The writable array `_decompress` decodes into, from a caller's `out`:
    `shape` is the stream's, `given` the caller's (leading zeros kept: zfpy
    reshapes a buffer to it)."""
    if isinstance(out, np.ndarray):
        if out.dtype != dtype:
            raise ValueError(f"Out ndarray has dtype {out.dtype} but decompression is "
                             f"using {dtype}. Use out=ndarray.data to avoid this check.")
        if out.shape != shape:
            raise ValueError(f"Out ndarray has shape {out.shape} but decompression is "
                             f"using {list(shape)}.  Use out=ndarray.data to avoid "
                             "this check.")
        target: NDArray[Any] = out
    else:
        try:
            # any buffer (NumPy's stubs list only a few kinds)
            flat = np.frombuffer(cast(memoryview, out), dtype=dtype)
        except BufferError:
            raise ValueError("out must be a C-contiguous buffer or an ndarray") from None
        if flat.size != prod(given):  # NumPy's words, as zfpy's reshape raises them
            shown = ",".join(map(str, given)) + ("," if len(given) == 1 else "")
            raise ValueError(f"cannot reshape array of size {flat.size} into shape ({shown})")
        if flat.size != prod(shape):  # empty, for a shape with a leading zero
            raise ValueError(f"out holds {flat.size} values; the stream's shape "
                             f"{list(shape)} has {prod(shape)}")
        target = flat.reshape(shape)
    if not target.flags.writeable:
        raise ValueError(f"out is read-only: cannot decompress into a read-only "
                         f"{type(out).__name__}")
    return target


class ZfpyHeader(TypedDict):
    """What zfpy's `header()` returns: the zfp sizes (x fastest; 0 for the
    axes the array lacks), NumPy scalar type, mode name and parameters."""

    nx: int
    ny: int
    nz: int
    nw: int
    type: ScalarType
    mode: str
    config: ZfpyHeaderConfig


def header(compressed_data: BufferLike) -> ZfpyHeader:
    """Return stream header information in a python dict."""
    _, ztype, sizes, params, _ = _read_header(compressed_data)
    config = zfpy_header_config(params, sum(1 for n in sizes if n))
    nx, ny, nz, nw = sizes
    return {
        "nx": nx, "ny": ny, "nz": nz, "nw": nw,
        "type": zfp_to_dtype_map[ztype],
        "mode": zfp_mode_map[config["mode"]],
        "config": config,
    }


class Memory:
    """Stand-in for zfpy's accidental `Memory(size)` helper: it checks the
    size as zfpy does and allocates nothing."""

    def __init__(self, size: Integer) -> None:
        count = _as_c_integer(size, "size_t", 0, 2**64 - 1)
        if count >= 2**62:  # where zfpy's allocation fails
            raise MemoryError(f"cannot allocate {count} bytes for a zfpy Memory buffer")
        self.size = count
