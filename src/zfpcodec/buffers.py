"""What the codecs make of the buffers they are handed.

numcodecs' conventions (`zfp_field`, `stream_view`, `decode_target`), shared
by `zfpcodec.ZFP` and `zfpcodec.MaskedZFP`, and zarr's data types
(`native_dtype`), shared by the Zarr v3 codecs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import engine

if TYPE_CHECKING:
    from ._typing import BufferLike, NumericArray

_MAX_RANK = 4  # zfp fields have 1 to 4 dimensions


def zfp_field(buf: NumericArray, codec: str) -> NDArray[Any]:
    """The array a numcodecs codec named `codec` hands zfp for `buf`: an
    F-contiguous array as its transpose (memory order), 0-d as shape (1,),
    more than 4 axes without their length-1 axes (see `ZFP`'s notes)."""
    if not isinstance(buf, np.ndarray):
        raise TypeError(f"{codec} compresses NumPy arrays (it needs their shape and "
                        f"dtype), not {type(buf).__name__}")
    engine.ztype_of(buf.dtype)
    if not buf.dtype.isnative:
        raise TypeError(f"{codec} cannot store byte-swapped {buf.dtype} values: numcodecs "
                        "decodes into native byte order; convert the array (or use "
                        "the Zarr v3 codec, which records the byte order)")
    arr: NDArray[Any] = buf
    if arr.flags.f_contiguous and not arr.flags.c_contiguous:
        arr = arr.T  # memory order (see the class notes)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    elif arr.ndim > _MAX_RANK:
        arr = arr.reshape([n for n in arr.shape if n != 1] or [1])
        if arr.ndim > _MAX_RANK:
            raise ValueError(f"zfp compresses arrays of 1 to 4 dimensions; shape "
                             f"{buf.shape} has {arr.ndim} axes longer than 1")
    return arr


def stream_view(buf: BufferLike) -> memoryview:
    """The compressed bytes of `buf` as a flat, contiguous memoryview."""
    if isinstance(buf, np.ndarray):
        if buf.dtype.hasobject:
            raise TypeError("cannot decode an object array")
        view = np.ascontiguousarray(buf).reshape(-1).view(np.uint8).data
    else:
        view = memoryview(buf)
    if not view.contiguous:
        view = memoryview(view.tobytes())
    if view.ndim != 1 or view.format != "B":
        view = view.cast("B")
    return view


def decode_target(out: BufferLike, dtype: np.dtype[Any],
                  shape: tuple[int, ...]) -> NDArray[Any]:
    """The array view of `out` that the stream's values go into."""
    if isinstance(out, np.ndarray):
        if out.dtype.hasobject:
            raise TypeError("cannot decode into an object array")
        if not out.flags.writeable:
            raise ValueError("out is read-only")
        same_type = out.dtype.kind == dtype.kind and out.dtype.itemsize == dtype.itemsize
        if out.flags.c_contiguous or out.flags.f_contiguous:
            flat = out.reshape(-1, order="A")  # memory order, no copy
            if not same_type:
                flat = flat.view(np.uint8)
        elif out.shape == shape and same_type:
            return out  # written through its strides
        else:
            raise ValueError(f"out (shape {out.shape}, strides {out.strides}) is neither "
                             f"contiguous nor of the stream's shape {shape}")
    else:
        try:
            view = memoryview(out)  # not an array: a Buffer
        except TypeError:
            raise TypeError(f"out must be an array or a writable buffer, not "
                            f"{type(out).__name__}") from None
        if view.readonly or not view.contiguous:
            raise ValueError("out must be a writable, contiguous buffer")
        flat = np.frombuffer(view.cast("B") if view.format != "B" or view.ndim != 1
                             else view, dtype=np.uint8)
    if flat.nbytes != dtype.itemsize * math.prod(shape):
        raise ValueError(f"out holds {flat.nbytes} bytes; the stream decodes to "
                         f"{math.prod(shape)} {dtype} values of shape {shape} "
                         f"({dtype.itemsize * math.prod(shape)} bytes)")
    if flat.dtype == np.uint8 and dtype.itemsize != 1:
        flat = flat.view(dtype)
    return flat.reshape(shape)


def native_dtype(dtype: object) -> np.dtype[Any]:
    """The NumPy dtype of a zarr data type (ZDType) or of anything NumPy reads."""
    to_native = getattr(dtype, "to_native_dtype", None)
    if to_native is not None:
        native: np.dtype[Any] = np.dtype(to_native())
        return native
    return np.dtype(cast("DTypeLike", dtype))  # anything else: np.dtype's TypeError
