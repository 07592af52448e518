"""`H5ZZFP`: a numcodecs codec for the chunks H5Z-ZFP stores in HDF5 files.

Zarr reads an HDF5 file's chunks in place through kerchunk references
(references.py); this codec turns each H5Z-ZFP chunk (a headerless zfp
stream) back into the bytes HDF5 would hand the reader.  It is configured
by the filter's stored ``cd_values``, which hold the whole zfp header::

    {"id": "h5z_zfp", "cd_values": [269504785, 91252346, 4026531959, 2281701376]}

Data path: chunk bytes -> `FilterFormat.decode` (the engine, with the
type, shape and mode of the header) -> values of the zfp field (the chunk
without its axes of size 1), which Zarr views as the array's dtype and
reshapes to the chunk.  `encode` is the inverse: H5Z-ZFP's chunks, apart
from their final zero bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence, TypeVar, cast, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..buffers import stream_view
from ..codec_base import FrozenCodec
from .h5z_zfp import FilterFormat

if TYPE_CHECKING:
    from .._typing import BufferLike

__all__ = ["CODEC_ID", "H5ZZFP"]

CODEC_ID = "h5z_zfp"
_Out = TypeVar("_Out", bound="BufferLike")


class H5ZZFP(FrozenCodec):
    """The chunks of an H5Z-ZFP filter (HDF5 filter 32013), as a numcodecs codec.

    Parameters
    ----------
    cd_values : sequence of int
        The filter's ``cd_values`` as stored in the HDF5 file (the version
        word, then zfp's full header in 32-bit words), e.g. from
        ``dataset.id.get_create_plist().get_filter(0)[2]``.

    Notes
    -----
    `decode` returns an array of the zfp field's shape (the chunk shape
    without its axes of size 1) holding the chunk's stored bytes: the zfp
    type (int32, int64, float32 or float64) where the dataset is unsigned
    or big-endian, as H5Z-ZFP hands them to HDF5; Zarr views them as the
    array's dtype.  With `out` (an array or writable buffer of exactly that
    many bytes) the values are decoded straight into it.

    Raises ZFPError for corrupt ``cd_values`` (at construction) and corrupt
    or truncated chunks.
    """

    codec_id = CODEC_ID
    _format: FilterFormat
    _cd_values: tuple[int, ...]

    def __init__(self, cd_values: Sequence[int]) -> None:
        fmt = FilterFormat.from_cd_values(cd_values)
        object.__setattr__(self, "_format", fmt)
        object.__setattr__(self, "_cd_values", tuple(int(v) for v in cd_values))

    @property
    def cd_values(self) -> list[int]:
        return list(self._cd_values)

    @property
    def format(self) -> FilterFormat:
        """The stored format the cd_values describe."""
        return self._format

    def get_config(self) -> dict[str, str | list[int]]:
        return {"id": self.codec_id, "cd_values": self.cd_values}

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> H5ZZFP:
        arguments = dict(config)
        arguments.pop("id", None)
        # Any: the constructor checks the values at run time
        return cls(**cast("dict[str, Any]", arguments))

    def encode(self, buf: ArrayLike) -> bytes:
        """Compress one whole chunk (an array of the chunk's size whose
        items have the zfp type's size) as H5Z-ZFP does."""
        return self._format.encode(np.asarray(buf))

    @overload
    def decode(self, buf: BufferLike, out: None = None) -> NDArray[Any]: ...

    @overload
    def decode(self, buf: BufferLike, out: _Out) -> _Out: ...

    def decode(self, buf: BufferLike, out: BufferLike | None = None) -> BufferLike:
        """Decompress one chunk; see the class notes."""
        data = stream_view(buf)
        if out is None:
            return self._format.decode(data)
        self._format.decode(data, out=_target(out, self._format))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cd_values={self.cd_values!r})"


def _target(out: BufferLike, fmt: FilterFormat) -> NDArray[Any]:
    """`out` as a contiguous array of the field's shape and stored type."""
    # any buffer (NumPy's stubs list only a few kinds)
    array = out if isinstance(out, np.ndarray) else np.frombuffer(cast(memoryview, out),
                                                                    dtype=np.uint8)
    if not (array.flags.c_contiguous or array.flags.f_contiguous):
        raise ValueError("out must be a contiguous array or buffer")
    if not array.flags.writeable:
        raise ValueError("out is read-only")
    flat = array.reshape(-1, order="A").view(np.uint8)
    needed = int(np.prod(fmt.shape)) * fmt.dtype.itemsize
    if flat.nbytes != needed:
        raise ValueError(f"out holds {flat.nbytes} bytes; the chunk decodes to {needed} "
                         f"({fmt.dtype} values of shape {fmt.shape})")
    return flat.view(fmt.stored_dtype).reshape(fmt.shape)
