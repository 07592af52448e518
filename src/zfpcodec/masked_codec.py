"""`MaskedZFP`: the numcodecs codec for arrays with missing values (Zarr v2,
and anything else that speaks numcodecs).

Data path: chunk (ndarray) -> `codec.zfp_field` (memory order, as `ZFP`)
-> `masked.encode` (mask, exact missing values, zfp stream of the filled
array) -> container; and back with `masked.decode`, into a new array or the
caller's `out`.

Configuration (its own id, so no reader can take a chunk for a plain zfp
stream)::

    {"id": "zfpcodec.masked", "mode": "fixed_accuracy", "tolerance": 0.001,
     "missing": "nan"}

``mode`` and its parameters are those of the Zarr v3 ``zfp`` codec;
``missing`` is ``"nan"`` or the fill value.

numcodecs is optional: without it `MaskedZFP` still works on its own, it
just is not a `numcodecs.abc.Codec` subclass.
"""

from __future__ import annotations

from typing import (TYPE_CHECKING, Any, Callable, Mapping, SupportsIndex, TypeVar, cast,
                    overload)

import numpy as np
from numpy.typing import NDArray

from . import engine, masked
from .buffers import decode_target, stream_view, zfp_field
from .codec_base import FrozenCodec
from .modes import Mode, codec_repr, kind_of, strict_flag

if TYPE_CHECKING:
    from ._typing import BufferLike, NumericArray, Real

_Out = TypeVar("_Out", bound="BufferLike")

__all__ = ["CODEC_ID", "MaskedZFP"]

CODEC_ID = "zfpcodec.masked"


class MaskedZFP(FrozenCodec):
    """zfp compression of arrays with missing values, as a numcodecs codec
    (id ``zfpcodec.masked``).

    Missing values (NaN and +-inf always, and the fill value `missing` when
    one is given) are stored exactly, beside a zfp stream of the other
    values in which each missing value is replaced by a value that
    continues its block's valid values smoothly (docs/masked-format.md,
    "Writing"); decoding restores them bit for bit (NaN payloads
    included) and the valid values within the mode's bound.

    Parameters
    ----------
    mode : str, optional
        ``"reversible"``, ``"fixed_accuracy"``, ``"fixed_rate"``,
        ``"fixed_precision"`` or ``"expert"``, or zfpy's number for one of
        them.  Optional: by default the mode follows from the parameter
        given (none: reversible).  When given, its own parameters must be
        given and no others.
    tolerance, rate, precision, reversible, minbits, maxbits, maxprec, minexp
        The mode's parameters, as for `zfpcodec.ZFP`.
    missing : str or number, optional
        ``"nan"`` (the default): only non-finite values are missing; a
        number: values equal to it are missing too (e.g. ``-1e10``,
        ``-9999``; in an integer array only an integer fill value can
        occur).
    threads : int, optional
        Threads per chunk for the C engine (0: one per core); not part of
        the configuration.
    strict : bool, optional
        True (the default): `encode` raises `ZFPError` when valid values
        themselves span a range too wide for the tolerance
        (`zfpcodec.bound`).  Not part of the configuration.

    Notes
    -----
    Each chunk is a masked container (docs/masked-format.md): an 8-byte
    preamble, the mask and the missing values' bit patterns when any value
    is missing, then a standard zfp stream with its full header, which
    holds type and shape, so `decode` needs no configuration.  A chunk with
    nothing missing is the zfp stream plus 8 bytes.  Arrays are handled as
    by `zfpcodec.ZFP` (memory order for F-contiguous input, any strides,
    int32/int64/float32/float64 of native byte order).

    Instances are immutable, hashable, picklable and thread-safe.
    """

    codec_id = CODEC_ID
    _mode: Mode
    _missing: masked.Missing
    _threads: int
    _strict: bool

    def __init__(self, mode: str | int | None = None, *, tolerance: Real | None = None,
                 rate: Real | None = None, precision: SupportsIndex | None = None,
                 minbits: SupportsIndex | None = None, maxbits: SupportsIndex | None = None,
                 maxprec: SupportsIndex | None = None, minexp: SupportsIndex | None = None,
                 reversible: bool = False, missing: str | float = "nan", threads: int = 1,
                 strict: bool = True) -> None:
        zmode = Mode.from_parameters(
            None if mode is None else kind_of(mode), tolerance=tolerance, rate=rate,
            precision=precision, reversible=bool(reversible), minbits=minbits, maxbits=maxbits,
            maxprec=maxprec, minexp=minexp)
        self._init(zmode, masked.Missing.parse(missing), threads, strict)

    def _init(self, mode: Mode, missing: masked.Missing, threads: int, strict: bool) -> None:
        object.__setattr__(self, "_mode", mode)
        object.__setattr__(self, "_missing", missing)
        object.__setattr__(self, "_threads", engine.thread_count(threads))
        object.__setattr__(self, "_strict", strict_flag(strict))

    @classmethod
    def from_mode(cls, mode: Mode, *, missing: str | float | masked.Missing = "nan", threads: int = 1,
                  strict: bool = True) -> MaskedZFP:
        """The codec for an already validated `zfpcodec.modes.Mode` (e.g.
        ``MaskedZFP.from_mode(ZFP(tolerance=0.1).zfp_mode, missing=-1e10)``)."""
        codec = cls.__new__(cls)
        codec._init(mode, masked.Missing.parse(missing), threads, strict)
        return codec

    @property
    def zfp_mode(self) -> Mode:
        """The compression mode of the valid values (`zfpcodec.modes.Mode`)."""
        return self._mode

    @property
    def mode(self) -> str:
        return self._mode.kind

    @property
    def missing(self) -> str | float | int:
        """``"nan"`` or the fill value."""
        return self._missing.to_config()

    @property
    def threads(self) -> int:
        return self._threads

    @property
    def strict(self) -> bool:
        return self._strict

    def get_config(self) -> dict[str, str | float | int]:
        """``{"id": "zfpcodec.masked", "mode": ..., <its parameters>,
        "missing": ...}``."""
        return {"id": self.codec_id, **self._mode.to_zarr3_config(), "missing": self.missing}

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> MaskedZFP:
        """Inverse of `get_config` (the ``id`` may be present or not)."""
        config = dict(config)
        config.pop("id", None)
        missing = config.pop("missing", "nan")
        # Any: Missing.parse checks the value at run time
        return cls.from_mode(Mode.from_zarr3_config(config), missing=cast(Any, missing))

    # ------------------------------------------------------------------
    # compression

    def encode(self, buf: NumericArray) -> bytes:
        """Compress an ndarray into a masked container.

        Parameters
        ----------
        buf : numpy.ndarray
            int32, int64, float32 or float64 values, native byte order, any
            layout (see `zfpcodec.ZFP` for F-ordered and 0-d arrays).  A
            `numpy.ma.MaskedArray` (netCDF4 hands variables over so) has its
            masked values stored as missing: NaN, or the codec's fill
            value, which is what decoding gives back for them.

        Returns
        -------
        bytes
            The container: preamble, mask and missing values when any, zfp
            stream.
        """
        if isinstance(buf, np.ma.MaskedArray):
            buf = self._filled(buf)
        return masked.encode(zfp_field(buf, type(self).__name__), self._mode, self._missing,
                             strict=self._strict, codec=type(self).__name__,
                             threads=self._threads)

    def _filled(self, values: np.ma.MaskedArray[Any, Any]) -> NDArray[Any]:
        """A masked array's data with its masked values made missing
        (the values under the mask would otherwise be coded as valid)."""
        fill = self._missing.fill_for(values.dtype)
        if fill is None:
            if values.dtype.kind != "f":
                if self._missing.fill is None:
                    raise TypeError(f"{type(self).__name__} cannot store the mask of an "
                                    f"{values.dtype} masked array without a fill value: "
                                    "give missing= one (e.g. missing=-9999)")
                raise TypeError(f"{type(self).__name__} cannot store the mask of an "
                                f"{values.dtype} masked array: missing={self.missing} is "
                                f"no {values.dtype} value, so the masked values cannot "
                                "take it; give missing= an integer of the type's range "
                                "(e.g. missing=-9999)")
            fill = values.dtype.type(np.nan)
        # (NumPy's own where: numpy.ma's functions are untyped in NumPy 1.x)
        return np.where(np.asarray(values.mask, dtype=bool), fill, np.asarray(values.data))

    @overload
    def decode(self, buf: BufferLike, out: None = None) -> NDArray[Any]: ...

    @overload
    def decode(self, buf: BufferLike, out: _Out) -> _Out: ...

    def decode(self, buf: BufferLike, out: BufferLike | None = None) -> BufferLike:
        """Decompress a masked container.

        Parameters
        ----------
        buf : buffer
            bytes, bytearray, memoryview, NumPy array, ... (contiguous).
        out : numpy.ndarray or writable buffer, optional
            Receives the values; it must hold exactly the container's number
            of bytes (the rules of `zfpcodec.ZFP.decode`).

        Returns
        -------
        numpy.ndarray or `out`
            Without `out`, a new C-ordered array of the stream's type and
            shape; with `out`, `out` itself.
        """
        container = masked.read(stream_view(buf))
        if out is None:
            return container.values(self._threads)
        # (out is checked before anything is decoded)
        target = decode_target(out, container.dtype, container.shape)
        target[...] = container.values(self._threads)
        return out

    # ------------------------------------------------------------------
    # representation, pickling

    def __repr__(self) -> str:
        return codec_repr(type(self).__name__, [f"mode={self.mode!r}", *self._mode.arguments,
                                                f"missing={self.missing!r}"],
                          self._threads, self._strict)

    def __reduce__(self) -> tuple[Callable[[Mode, str | float, int, bool], MaskedZFP],
                                  tuple[Mode, str | float, int, bool]]:
        return (_restore, (self._mode, self.missing, self._threads, self._strict))


def _restore(mode: Mode, missing: str | float, threads: int, strict: bool) -> MaskedZFP:
    return MaskedZFP.from_mode(mode, missing=missing, threads=threads, strict=strict)
