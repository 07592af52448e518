"""`ZFP`: the numcodecs codec (Zarr v2, and anything else that speaks numcodecs).

Data path: chunk (ndarray) -> `Mode` -> `engine.compress` -> zfp stream with
the full header; and back with `engine.decompress`, into a new array or
straight into the caller's `out`.

The codec shares the id ``zfpy`` with `numcodecs.zfpy.ZFPY`, so the two must
stay interchangeable (numcodecs.abc: same configuration keys, and each
decodes what the other writes).  Our configuration therefore holds exactly
the keys ZFPY writes, in its order::

    {"id": "zfpy", "mode": 4, "compression_kwargs": {"tolerance": 0.001},
     "tolerance": 0.001, "rate": -1, "precision": -1}

with ``mode`` zfpy's integer (1 expert, 2 fixed rate, 3 fixed precision,
4 fixed accuracy) and -1 for "not given".  Reversible compression is written
as ZFPY writes it (mode 4, every parameter -1), so a stock reader can also
append to our arrays.  Expert parameters travel in ``compression_kwargs``,
which ZFPY accepts and ignores: a stock reader decodes those chunks (the
stream header holds everything) but cannot write new ones.

numcodecs is optional: without it `ZFP` still works on its own, it just is
not a `numcodecs.abc.Codec` subclass.
"""

from __future__ import annotations

from typing import (TYPE_CHECKING, Any, Callable, Mapping, SupportsIndex, TypeVar, cast,
                    overload)

from numpy.typing import NDArray

from . import bound, engine
from .buffers import decode_target, stream_view, zfp_field
from .codec_base import FrozenCodec
from .errors import ZFPError
from .modes import (EXPERT, EXPERT_NAMES, UNSET, ZFPY_KEYS, Mode, NumcodecsConfig, codec_repr,
                    is_unset, kind_of, strict_flag)

if TYPE_CHECKING:
    from ._typing import BufferLike, NumericArray, Real

__all__ = ["ZFP"]

_MAX_RANK = 4  # zfp fields have 1 to 4 dimensions
_Out = TypeVar("_Out", bound="BufferLike")


class ZFPConfig(NumcodecsConfig):
    """`ZFP.get_config()`: numcodecs' ZFPY configuration, ``id`` first."""

    id: str


class ZFP(FrozenCodec):
    """zfp compression of NumPy arrays, as a numcodecs codec (id ``zfpy``).

    Parameters
    ----------
    mode : int or str, optional
        zfpy's mode number (1 expert, 2 fixed rate, 3 fixed precision,
        4 fixed accuracy, 5 reversible) or its name (``"expert"``,
        ``"fixed_rate"``, ``"fixed_precision"``, ``"fixed_accuracy"``,
        ``"reversible"``).  Optional: by default the mode follows from the
        parameter given, so ``ZFP(rate=8)`` is fixed rate.  When given, the
        mode's own parameter must be given too and no other.
    tolerance : float, optional
        Fixed accuracy: the absolute error bound (> 0).
    rate : float, optional
        Fixed rate: compressed bits per value (> 0).
    precision : int, optional
        Fixed precision: uncompressed bit planes kept (1..64).
        For each of these, -1 (numcodecs' default) means "not given"; any
        other value out of range is a ValueError (numcodecs' ZFPY takes
        every negative value as "not given").
    compression_kwargs : dict, optional
        Ignored, as by numcodecs' ZFPY, except that an expert-mode
        configuration carries its four parameters here.
    reversible : bool, optional
        Lossless compression; also what you get with no parameter at all.
    minbits, maxbits, maxprec, minexp : int, optional
        Expert mode (zfp's four coder parameters); missing ones take zfp's
        defaults (1, 16658, 64, -1074).
    threads : int, optional
        Threads per chunk for the C engine (0: one per core).  The bytes do
        not depend on it; it is not part of the configuration.
    strict : bool, optional
        True (the default): `encode` raises `ZFPError` rather than store a
        chunk whose values the mode cannot keep: NaN or +-inf in a lossy
        mode, or, in fixed accuracy, a block whose dynamic range is too wide
        for the tolerance (`zfpcodec.bound`; `zfpcodec.MaskedZFP` stores
        such chunks); integers in fixed accuracy, which zfp codes with
        errors of a few units whatever the tolerance; integers its lossy
        transform can wrap.  Not part of the configuration.

    Notes
    -----
    Every chunk starts with the full zfp header (type, shape, mode), so
    `decode` needs no configuration.  Chunks are byte-identical to those of
    numcodecs' ZFPY (over LLNL's zfpy) for the modes ZFPY supports.

    `encode` takes an int32, int64, float32 or float64 array of native byte
    order in any memory layout.  C-ordered and strided arrays are stored
    with their NumPy shape.  An F-contiguous array is stored as its
    transpose, i.e. in memory order, which is what numcodecs and Zarr v2
    expect of a codec: `decode` returns the same bytes (as a C-ordered array
    of the reversed shape), and `decode(buf, out=f_ordered_array)` restores
    the values in place.  0-d arrays are stored as shape (1,), and arrays
    of more than 4 dimensions with their length-1 axes dropped.

    `decode` accepts any contiguous buffer.  With `out` (an array or any
    writable buffer of exactly the decoded size) the values are decoded
    straight into it: a contiguous `out` receives the stream's values in
    its memory order (the numcodecs contract); a non-contiguous array must
    have the stream's shape and is written through its strides.

    Instances are immutable, hashable, picklable and thread-safe.
    """

    codec_id = "zfpy"
    _mode: Mode
    _threads: int
    _strict: bool

    def __init__(self, mode: int | str | None = None, tolerance: Real | None = UNSET,
                 rate: Real | None = UNSET, precision: SupportsIndex | None = UNSET,
                 compression_kwargs: Mapping[str, Real | None] | None = None, *,
                 reversible: bool = False, minbits: SupportsIndex | None = None,
                 maxbits: SupportsIndex | None = None, maxprec: SupportsIndex | None = None,
                 minexp: SupportsIndex | None = None, threads: int = 1,
                 strict: bool = True) -> None:
        given: dict[str, Real | None] = {
            name: value for name, value in (("tolerance", tolerance), ("rate", rate),
                                            ("precision", precision))
            if not is_unset(value)}
        given.update({name: value for name, value in zip(EXPERT_NAMES,
                                                         (minbits, maxbits, maxprec, minexp))
                      if value is not None})
        if mode is None:
            # Any: from_args checks each value's type at run time
            zmode = Mode.from_args(**cast("dict[str, Any]", given),
                                   reversible=bool(reversible))
        else:
            kind = kind_of(mode)
            if kind == EXPERT and isinstance(compression_kwargs, dict) and not any(
                    name in given for name in EXPERT_NAMES):
                given.update({name: compression_kwargs[name] for name in EXPERT_NAMES
                              if compression_kwargs.get(name) is not None})
            zmode = Mode.from_kind(kind, **given, reversible=bool(reversible))
        self._init(zmode, threads, strict)

    def _init(self, mode: Mode, threads: int, strict: bool) -> None:
        object.__setattr__(self, "_mode", mode)
        object.__setattr__(self, "_threads", engine.thread_count(threads))
        object.__setattr__(self, "_strict", strict_flag(strict))

    @classmethod
    def from_mode(cls, mode: Mode, *, threads: int = 1, strict: bool = True) -> ZFP:
        """The codec for an already validated `zfpcodec.modes.Mode`."""
        codec = cls.__new__(cls)
        codec._init(mode, threads, strict)
        return codec

    # ------------------------------------------------------------------
    # configuration (numcodecs' ZFPY keys, see the module docstring)

    @property
    def mode(self) -> int:
        """zfpy's mode number as written to the configuration (reversible
        compression is written as ZFPY writes it: 4 with tolerance -1)."""
        return self._config["mode"]

    @property
    def tolerance(self) -> float:
        return self._config["tolerance"]

    @property
    def rate(self) -> float:
        return self._config["rate"]

    @property
    def precision(self) -> int:
        return self._config["precision"]

    @property
    def compression_kwargs(self) -> dict[str, float | int]:
        return dict(self._config["compression_kwargs"])

    @property
    def _config(self) -> NumcodecsConfig:
        return self._mode.to_numcodecs_config()

    @property
    def zfp_mode(self) -> Mode:
        """The compression mode (`zfpcodec.modes.Mode`)."""
        return self._mode

    @property
    def threads(self) -> int:
        return self._threads

    @property
    def strict(self) -> bool:
        return self._strict

    def get_config(self) -> ZFPConfig:
        """The numcodecs configuration: exactly numcodecs' ZFPY keys."""
        return {"id": self.codec_id, **self._mode.to_numcodecs_config()}

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> ZFP:
        """The codec of a configuration written by us or by numcodecs' ZFPY
        (`zfpcodec.modes.Mode.from_numcodecs_config` gives the rules).

        A configuration with only ZFPY's keys whose values no mode of ours
        takes (ZFPY stores and compresses with ``tolerance=inf``,
        ``rate=1e30``, ``precision=12.5``, ...) gives a codec that decodes
        its array's chunks, which need only their own headers, and refuses
        to encode: the array stays readable and nothing is written that its
        configuration does not describe.
        """
        try:
            return cls.from_mode(Mode.from_numcodecs_config(config))
        except (TypeError, ValueError) as error:
            if not isinstance(config, Mapping) or not set(config) - {"id"} <= ZFPY_KEYS:
                raise
            return _StoredZFP(config, error)

    # ------------------------------------------------------------------
    # compression

    def encode(self, buf: NumericArray) -> bytes:
        """Compress an ndarray into a zfp stream with the full header.

        Parameters
        ----------
        buf : numpy.ndarray
            int32, int64, float32 or float64 values, native byte order, any
            layout (see the class notes for F-ordered and 0-d arrays).

        Returns
        -------
        bytes
            The zfp stream, a multiple of 8 bytes long.

        Raises
        ------
        ZFPError
            With `strict` (the default), when the mode cannot keep the
            values: NaN or +-inf in a lossy mode, a range too wide for the
            tolerance in fixed accuracy, integers in fixed accuracy (zfp
            bounds no integer error), integers its lossy transform can wrap
            (the message names the fix).
        """
        return bound.compress_checked(zfp_field(buf, type(self).__name__), self._mode,
                                      strict=self._strict, codec=type(self).__name__,
                                      rate_clamp=False,  # zfpy's bytes
                                      threads=self._threads)

    @overload
    def decode(self, buf: BufferLike, out: None = None) -> NDArray[Any]: ...

    @overload
    def decode(self, buf: BufferLike, out: _Out) -> _Out: ...

    def decode(self, buf: BufferLike, out: BufferLike | None = None) -> BufferLike:
        """Decompress a zfp stream that starts with the full header.

        Parameters
        ----------
        buf : buffer
            bytes, bytearray, memoryview, NumPy array, ... (contiguous).
        out : numpy.ndarray or writable buffer, optional
            Receives the values, decoded straight into it; it must hold
            exactly the stream's number of bytes (see the class notes).

        Returns
        -------
        numpy.ndarray or `out`
            Without `out`, a new C-ordered array of the stream's type and
            shape; with `out`, `out` itself.
        """
        data = stream_view(buf)
        if out is None:
            return engine.decompress(data, threads=self._threads)
        dtype, shape, _, _ = engine.read_header(data)
        engine.decompress(data, out=decode_target(out, dtype, shape), threads=self._threads)
        return out

    # ------------------------------------------------------------------
    # representation, pickling

    def __repr__(self) -> str:
        return codec_repr(type(self).__name__, self._mode.arguments or ["reversible=True"],
                          self._threads, self._strict)

    def __reduce__(self) -> tuple[Callable[[Mode, int, bool], ZFP], tuple[Mode, int, bool]]:
        return (_restore, (self._mode, self._threads, self._strict))


def _restore(mode: Mode, threads: int, strict: bool = True) -> ZFP:
    return ZFP.from_mode(mode, threads=threads, strict=strict)


class _StoredZFP(ZFP):
    """`ZFP.from_config` of a stored configuration no mode of ours takes:
    decodes, keeps the configuration as stored, refuses to encode."""

    _stored: dict[str, object]  # the configuration as stored, without its id
    _reason: str

    def __init__(self, config: Mapping[str, object], reason: Exception) -> None:
        object.__setattr__(self, "_stored", {k: v for k, v in config.items() if k != "id"})
        object.__setattr__(self, "_reason", str(reason).rstrip("."))
        object.__setattr__(self, "_threads", 1)
        object.__setattr__(self, "_strict", True)

    @property
    def _config(self) -> NumcodecsConfig:
        return cast(NumcodecsConfig, {"mode": 4, "compression_kwargs": {}, "tolerance": -1,
                                      "rate": -1, "precision": -1, **self._stored})

    @property
    def zfp_mode(self) -> Mode:
        raise ZFPError(self._refusal("has no zfp mode"))

    def get_config(self) -> ZFPConfig:
        return cast(ZFPConfig, {"id": self.codec_id, **self._stored})

    def encode(self, buf: NumericArray) -> bytes:
        raise ZFPError(self._refusal("reads the chunks stored with it but cannot write new ones"))

    def _refusal(self, what: str) -> str:
        return (f"the stored zfpy configuration {self._stored!r} {what}: "
                f"{self._reason}.  Write the data to a new array with a valid "
                f"configuration (e.g. ZFP(tolerance=...) or ZFP(reversible=True))")

    def __repr__(self) -> str:
        return f"ZFP.from_config({self._stored!r})"

    def __reduce__(self) -> tuple[Callable[..., ZFP], tuple[Any, ...]]:
        return (_StoredZFP, (self._stored, ValueError(self._reason)))
