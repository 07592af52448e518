"""Arrays to zfp streams and back, with our own (strict) API.

`compress` and `decompress` are what the codecs and the command line build
on: a `Mode` instead of zfpy's sentinel arguments, optional headers,
decompression straight into a caller's array, and threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _zfp
from .errors import ZFPError
from .modes import Mode

_ZTYPES = {np.dtype(np.int32): 1, np.dtype(np.int64): 2,
           np.dtype(np.float32): 3, np.dtype(np.float64): 4}
DTYPES = {code: dtype for dtype, code in _ZTYPES.items()}


def ztype_of(dtype: Any) -> int:
    """zfp type code of a dtype of either byte order; TypeError otherwise."""
    dtype = np.dtype(dtype)
    code = _ZTYPES.get(dtype.newbyteorder("=")) if dtype.byteorder != "|" else None
    if code is None:
        raise TypeError(f"zfp compresses int32, int64, float32 and float64 arrays, "
                        f"not {dtype}")
    return code


def thread_count(threads: Any) -> int:
    """Validated thread count: 0 means one per core."""
    try:
        count = int(threads) if not isinstance(threads, bool) else None
    except (TypeError, ValueError):
        count = None
    if count is None or count < 0 or count != threads:
        raise ValueError(f"threads must be an integer >= 0, not {threads!r}")
    return count


def check_shape(shape: tuple[int, ...]) -> None:
    if not 1 <= len(shape) <= 4:
        raise ValueError(f"zfp compresses arrays of 1 to 4 dimensions, not {len(shape)}")
    if 0 in shape:
        raise ValueError(f"cannot compress an empty array (shape {shape}): zfp cannot "
                         "store a zero-length axis")


def compress(arr: np.ndarray, mode: Mode, *, header: bool = True,
             rate_clamp: bool = False, threads: int = 1) -> bytes:
    """The zfp stream of `arr` (1 to 4 dimensions, any layout and byte
    order) in `mode`, with the full header unless `header` is False.
    `rate_clamp` applies the float/double minimum block size to fixed rates
    (what zfp does when told the type; zfpy's compress_numpy does not)."""
    arr = np.asanyarray(arr)
    ztype = ztype_of(arr.dtype)
    check_shape(arr.shape)
    params = mode.params(arr.ndim, ztype if rate_clamp else 0)
    try:
        return _zfp.compress(arr, ztype, params, header, not arr.dtype.isnative,
                             thread_count(threads))
    except ZFPError as error:
        if error.status == "header_size":
            raise ValueError(f"shape {arr.shape} does not fit the zfp header "
                             "(per-axis limits: 1-D 2**48, 2-D 2**24, 3-D 2**16, "
                             "4-D 2**12); compress without a header") from None
        raise


def read_header(data: Any) -> tuple[np.dtype, tuple[int, ...], tuple[int, int, int, int], int]:
    """(dtype, NumPy shape, coder parameters, header length in bits)."""
    ztype, sizes, params, bits = _zfp.read_header(data)
    return DTYPES[ztype], tuple(n for n in reversed(sizes) if n), params, bits


def decompress(data: Any, *, out: np.ndarray | None = None, dtype: Any = None,
               shape: tuple[int, ...] | None = None, mode: Mode | None = None,
               rate_clamp: bool = True, threads: int = 1) -> np.ndarray:
    """Decode a zfp stream.

    With a header (the default), its type, shape and mode are used; pass
    `dtype`, `shape` and `mode` instead for a headerless stream.  The values
    go into `out` when given (any layout, byte order matching `dtype`, shape
    as the stream's), else into a new C-ordered array, which is returned.
    """
    if (dtype is None) != (shape is None) or (dtype is None) != (mode is None):
        raise TypeError("give dtype, shape and mode together (headerless stream), "
                        "or none of them")
    if dtype is None:
        dtype, shape, params, offset = read_header(data)
    else:
        shape = tuple(int(n) for n in shape)
        check_shape(shape)
        params = mode.params(len(shape), ztype_of(dtype) if rate_clamp else 0)
        offset = 0
    dtype = np.dtype(dtype)
    if out is None:
        out = np.empty(shape, dtype=dtype)
    elif out.shape != tuple(shape) or out.dtype.newbyteorder("=") != dtype.newbyteorder("="):
        raise ValueError(f"out has dtype {out.dtype} and shape {out.shape}, the stream "
                         f"holds {dtype} values of shape {tuple(shape)}")
    elif not out.flags.writeable:
        raise ValueError("out is read-only")
    _zfp.decompress_into(data, offset, out, ztype_of(dtype), params,
                         not out.dtype.isnative, thread_count(threads))
    return out
