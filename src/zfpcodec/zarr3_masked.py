"""`MaskedZFPCodec`: the Zarr v3 array-to-bytes codec ``zfpcodec.masked``,
for arrays with missing values.

Its name is not ``zfp``: its chunks are masked containers
(docs/masked-format.md), not bare zfp streams, so no reader of the
zarr-extensions ``zfp`` codec can take them for its own.  Configuration::

    {"name": "zfpcodec.masked",
     "configuration": {"mode": "fixed_accuracy", "tolerance": 0.001,
                       "missing": "nan"}}

``mode`` and its parameters follow the ``zfp`` codec's schema; ``missing``
is ``"nan"`` or the fill value.  A chunk is the same container that
`zfpcodec.MaskedZFP` writes (the zfp stream inside keeps its header), so
chunks move between Zarr v2 and v3 arrays unchanged.

Data path: chunk (NDBuffer) -> native byte order -> `masked.encode` ->
bytes; bytes -> `masked.read` (checked against the chunk's dtype and shape)
-> its zfp stream decoded (ending where the chunk does) -> missing values restored
-> the array's byte order.

zarr is optional: without it `MaskedZFPCodec` can still be built, compared,
serialised and converted, it just is not a `zarr.abc.codec.ArrayBytesCodec`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import engine, masked
from .modes import Mode, check_zarr3_accuracy, codec_repr, strict_flag
from .buffers import native_dtype

if TYPE_CHECKING:
    from zarr.abc.codec import ArrayBytesCodec as _CodecBase
else:
    try:
        from zarr.abc.codec import ArrayBytesCodec as _CodecBase
    except ImportError:  # zarr is an optional dependency
        _CodecBase = object

__all__ = ["CODEC_NAME", "MaskedZFPCodec"]

CODEC_NAME = "zfpcodec.masked"
_MAX_RANK = 4
SUPPORTED_DTYPES = ("int32", "int64", "float32", "float64")


@dataclass(frozen=True)
class MaskedZFPCodec(_CodecBase):
    """Zarr v3 array-to-bytes codec ``zfpcodec.masked``: missing values
    stored exactly, the others through zfp.

    Parameters
    ----------
    mode : str, optional
        ``"reversible"``, ``"fixed_accuracy"``, ``"fixed_rate"``,
        ``"fixed_precision"`` or ``"expert"``; by default the mode follows
        from the parameter given (none: reversible).
    tolerance, rate, precision, reversible, minbits, maxbits, maxprec, minexp
        The mode's parameters, as for `zfpcodec.zarr3.ZFPCodec`.
    missing : str or number
        ``"nan"`` (the default): NaN and +-inf are missing; a number: that
        fill value is missing too (NaN and +-inf still are).
    threads : int
        Threads per chunk for the C engine (0: one per core); not part of
        the metadata.
    strict : bool
        True (the default): writing a chunk raises `ZFPError` when valid
        values themselves span a range too wide for the tolerance
        (`zfpcodec.bound`).  Not part of the metadata.

    Notes
    -----
    Use it as the serializer: ``zarr.create_array(..., serializer=
    MaskedZFPCodec(tolerance=1e-3), compressors=None)``.  Zarr pads edge
    chunks with the array's fill value (NaN for xarray floats), which this
    codec stores exactly, as it does every missing value.  Arrays of
    int32, int64, float32 and float64 (either byte order), chunks of 0 to 4
    dimensions.  Instances are immutable, hashable and picklable.
    """

    is_fixed_size = False

    zfp_mode: Mode
    missing_values: masked.Missing
    threads: int = field(default=1, compare=False, repr=False)
    strict: bool = field(default=True, compare=False, repr=False)

    def __init__(self, mode: str | None = None, *, tolerance: Any = None, rate: Any = None,
                 precision: Any = None, minbits: Any = None, maxbits: Any = None,
                 maxprec: Any = None, minexp: Any = None, reversible: bool = False,
                 missing: Any = "nan", threads: int = 1, strict: bool = True) -> None:
        self._set(Mode.from_parameters(mode, tolerance=tolerance, rate=rate,
                                       precision=precision, reversible=bool(reversible),
                                       minbits=minbits, maxbits=maxbits, maxprec=maxprec,
                                       minexp=minexp), masked.Missing.parse(missing),
                  threads, strict)

    def _set(self, zmode: Mode, missing: masked.Missing, threads: int, strict: bool) -> None:
        object.__setattr__(self, "zfp_mode", zmode)
        object.__setattr__(self, "missing_values", missing)
        object.__setattr__(self, "threads", engine.thread_count(threads))
        object.__setattr__(self, "strict", strict_flag(strict))

    @classmethod
    def from_mode(cls, zmode: Mode, *, missing: Any = "nan", threads: int = 1,
                  strict: bool = True) -> MaskedZFPCodec:
        """The codec for an already validated `zfpcodec.modes.Mode`."""
        codec = cls.__new__(cls)
        codec._set(zmode, masked.Missing.parse(missing), threads, strict)
        return codec

    @property
    def mode(self) -> str:
        return self.zfp_mode.kind

    @property
    def missing(self) -> str | float | int:
        """``"nan"`` or the fill value."""
        return self.missing_values.to_config()

    # ------------------------------------------------------------------
    # metadata

    def to_dict(self) -> dict[str, Any]:
        """``{"name": "zfpcodec.masked", "configuration": {"mode": ...,
        <parameters>, "missing": ...}}``."""
        return {"name": CODEC_NAME,
                "configuration": {**self.zfp_mode.to_zarr3_config(), "missing": self.missing}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaskedZFPCodec:
        """Inverse of `to_dict`."""
        if not isinstance(data, dict) or data.get("name") != CODEC_NAME:
            raise ValueError(f"expected a {{'name': {CODEC_NAME!r}, 'configuration': ...}} "
                             f"codec, not {data!r}")
        configuration = data.get("configuration")
        if set(data) - {"name", "configuration"} or not isinstance(configuration, dict):
            raise ValueError(f"malformed {CODEC_NAME} codec metadata {data!r}")
        configuration = dict(configuration)
        missing = configuration.pop("missing", "nan")
        return cls.from_mode(Mode.from_zarr3_config(configuration), missing=missing)

    def __repr__(self) -> str:
        return codec_repr(type(self).__name__, [f"mode={self.mode!r}", *self.zfp_mode.arguments,
                                                f"missing={self.missing!r}"],
                          self.threads, self.strict)

    # ------------------------------------------------------------------
    # zarr's codec interface

    def validate(self, *, shape: tuple[int, ...], dtype: Any, chunk_grid: Any) -> None:
        """Refuse, when the array is created, what the codec cannot store."""
        self._check(native_dtype(dtype), getattr(chunk_grid, "chunk_shape", shape))

    def _check(self, dtype: np.dtype[Any], chunk_shape: tuple[int, ...]) -> np.dtype[Any]:
        """The native dtype zfp codes for an array `dtype`."""
        native = dtype.newbyteorder("=")
        if native.name not in SUPPORTED_DTYPES:
            fix = ("use ZFPCodec, which codes their int64 counts (mode='reversible' where NaT "
                   "is among them)" if dtype.kind in "mM" else
                   "store the values as float32 (or int32 with a fill value), or with "
                   "ZFPCodec where none is missing")
            raise ValueError(f"the {CODEC_NAME} codec stores {', '.join(SUPPORTED_DTYPES)} "
                             f"arrays, not {dtype}: {fix}")
        if len(chunk_shape) > _MAX_RANK:
            raise ValueError(f"the {CODEC_NAME} codec compresses chunks of at most 4 "
                             f"dimensions, not {len(chunk_shape)} (shape {tuple(chunk_shape)})")
        check_zarr3_accuracy(self.mode, native, dtype)
        return native

    def compute_encoded_size(self, input_byte_length: int, chunk_spec: Any) -> int:
        raise NotImplementedError("masked zfp containers vary in size")

    def resolve_metadata(self, chunk_spec: Any) -> Any:
        return chunk_spec

    def evolve_from_array_spec(self, array_spec: Any) -> MaskedZFPCodec:
        return self

    def _encode_sync(self, chunk_array: Any, chunk_spec: Any) -> Any:
        chunk = chunk_array.as_numpy_array()
        native = self._check(chunk.dtype, chunk_spec.shape)
        values = chunk.astype(native, copy=False).reshape(tuple(chunk.shape) or (1,))
        container = masked.encode(values, self.zfp_mode, self.missing_values,
                                  strict=self.strict, codec=type(self).__name__,
                                  threads=self.threads)
        return chunk_spec.prototype.buffer.from_bytes(container)

    def _decode_sync(self, chunk_bytes: Any, chunk_spec: Any) -> Any:
        dtype = native_dtype(chunk_spec.dtype)
        native = self._check(dtype, chunk_spec.shape)
        container = masked.read(chunk_bytes.as_numpy_array(),
                                expect=(native, tuple(chunk_spec.shape) or (1,)))
        values = container.values(self.threads)
        return chunk_spec.prototype.nd_buffer.from_numpy_array(
            values.astype(dtype, copy=False).reshape(chunk_spec.shape))

    async def _encode_single(self, chunk_array: Any, chunk_spec: Any) -> Any:
        return await asyncio.to_thread(self._encode_sync, chunk_array, chunk_spec)

    async def _decode_single(self, chunk_bytes: Any, chunk_spec: Any) -> Any:
        return await asyncio.to_thread(self._decode_sync, chunk_bytes, chunk_spec)

