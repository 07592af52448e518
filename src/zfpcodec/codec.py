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

import json
import math
from typing import Any

import numpy as np

from . import _zfp, engine
from .modes import EXPERT, FIXED_ACCURACY, FIXED_PRECISION, FIXED_RATE, REVERSIBLE, Mode

try:
    from numcodecs.abc import Codec as _CodecBase
except ImportError:  # numcodecs is an optional dependency
    _CodecBase = object

__all__ = ["ZFP"]

# zfpy's mode numbers (zfpy.mode_*; zfpy has no constant for reversible)
ZFPY_EXPERT = 1
ZFPY_FIXED_RATE = 2
ZFPY_FIXED_PRECISION = 3
ZFPY_FIXED_ACCURACY = 4
ZFPY_REVERSIBLE = 5
_KIND_OF_NUMBER = {ZFPY_EXPERT: EXPERT, ZFPY_FIXED_RATE: FIXED_RATE,
                   ZFPY_FIXED_PRECISION: FIXED_PRECISION,
                   ZFPY_FIXED_ACCURACY: FIXED_ACCURACY, ZFPY_REVERSIBLE: REVERSIBLE}
# the one parameter each lossy mode takes (zfpy's keyword names)
_PARAMETER_OF_KIND = {FIXED_ACCURACY: "tolerance", FIXED_RATE: "rate",
                      FIXED_PRECISION: "precision"}
_EXPERT_NAMES = ("minbits", "maxbits", "maxprec", "minexp")
_UNSET = -1  # zfpy's and numcodecs' "parameter not given"
_MAX_RANK = 4  # zfp fields have 1 to 4 dimensions


def _kind_of(mode: Any) -> str:
    """Our mode name for zfpy's mode number or one of our names."""
    if isinstance(mode, str):
        if mode in _PARAMETER_OF_KIND or mode in (REVERSIBLE, EXPERT):
            return mode
    elif not isinstance(mode, bool) and hasattr(type(mode), "__index__"):
        kind = _KIND_OF_NUMBER.get(int(mode))
        if kind is not None:
            return kind
    raise ValueError(f"mode must be one of 1 (expert), 2 (fixed rate), 3 (fixed precision), "
                     f"4 (fixed accuracy), 5 (reversible) or their names "
                     f"{', '.join(repr(k) for k in _KIND_OF_NUMBER.values())}; not {mode!r}")


def _given(name: str, value: Any) -> bool:
    """zfpy's rule: a parameter counts as given when it is >= 0 (NaN counts
    as given, so that validation refuses it)."""
    if value is None:
        return False
    try:
        return value >= 0 or math.isnan(value)
    except TypeError:
        raise TypeError(f"{name} must be a number, not {value!r}") from None


class ZFP(_CodecBase):
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

    def __init__(self, mode: Any = None, tolerance: Any = _UNSET, rate: Any = _UNSET,
                 precision: Any = _UNSET, compression_kwargs: Any = None, *,
                 reversible: bool = False, minbits: Any = None, maxbits: Any = None,
                 maxprec: Any = None, minexp: Any = None, threads: int = 1):
        lossy = {name: value for name, value in (("tolerance", tolerance), ("rate", rate),
                                                  ("precision", precision))
                 if _given(name, value)}
        expert = {name: value for name, value in zip(_EXPERT_NAMES,
                                                     (minbits, maxbits, maxprec, minexp))
                  if value is not None}
        if mode is not None:
            kind = _kind_of(mode)
            if kind == EXPERT and not expert and isinstance(compression_kwargs, dict):
                expert = {name: compression_kwargs[name] for name in _EXPERT_NAMES
                          if compression_kwargs.get(name) is not None}
            own = _PARAMETER_OF_KIND.get(kind)
            stray = [name for name in lossy if name != own]
            stray += list(expert) if kind != EXPERT else []
            stray += ["reversible"] if reversible and kind != REVERSIBLE else []
            if stray:
                raise ValueError(f"mode {mode!r} ({kind}) does not take "
                                 f"{', '.join(stray)}; leave mode out to have it "
                                 "follow from the parameter given")
            if own is not None and own not in lossy:
                raise ValueError(f"mode {mode!r} ({kind}) needs {own}=")
            reversible = reversible or kind == REVERSIBLE
            if kind == EXPERT and not expert:
                raise ValueError(f"mode {mode!r} (expert) needs at least one of "
                                 f"{', '.join(_EXPERT_NAMES)}")
        self._init(Mode.from_args(**lossy, **expert, reversible=bool(reversible)), threads)

    def _init(self, mode: Mode, threads: int) -> None:
        object.__setattr__(self, "_mode", mode)
        object.__setattr__(self, "_threads", engine.thread_count(threads))

    @classmethod
    def from_mode(cls, mode: Mode, *, threads: int = 1) -> ZFP:
        """The codec for an already validated `zfpcodec.modes.Mode`."""
        codec = cls.__new__(cls)
        codec._init(mode, threads)
        return codec

    # ------------------------------------------------------------------
    # configuration (numcodecs' ZFPY keys, see the module docstring)

    @property
    def mode(self) -> int:
        """zfpy's mode number as written to the configuration (reversible
        compression is written as ZFPY writes it: 4 with tolerance -1)."""
        kind = self._mode.kind
        if kind == REVERSIBLE:
            return ZFPY_FIXED_ACCURACY
        return next(n for n, k in _KIND_OF_NUMBER.items() if k == kind)

    @property
    def tolerance(self) -> float:
        return self._mode.tolerance if self._mode.kind == FIXED_ACCURACY else _UNSET

    @property
    def rate(self) -> float:
        return self._mode.rate if self._mode.kind == FIXED_RATE else _UNSET

    @property
    def precision(self) -> int:
        return self._mode.precision if self._mode.kind == FIXED_PRECISION else _UNSET

    @property
    def compression_kwargs(self) -> dict:
        kind = self._mode.kind
        if kind == EXPERT:
            return {name: getattr(self._mode, name) for name in _EXPERT_NAMES}
        if kind == REVERSIBLE:
            return {"tolerance": _UNSET}
        name = _PARAMETER_OF_KIND[kind]
        return {name: getattr(self._mode, name)}

    @property
    def zfp_mode(self) -> Mode:
        """The compression mode (`zfpcodec.modes.Mode`)."""
        return self._mode

    @property
    def threads(self) -> int:
        return self._threads

    def get_config(self) -> dict:
        """The numcodecs configuration: exactly numcodecs' ZFPY keys."""
        return {"id": self.codec_id, "mode": self.mode,
                "compression_kwargs": self.compression_kwargs,
                "tolerance": self.tolerance, "rate": self.rate,
                "precision": self.precision}

    @classmethod
    def from_config(cls, config: dict) -> ZFP:
        """The codec of a configuration written by us or by numcodecs' ZFPY.

        A stored configuration with a `mode` means what it meant to the
        codec that wrote it, so ZFPY's rules apply: `mode` decides, the
        mode's own parameter is used if >= 0 and the others are ignored, and
        a mode without its parameter is reversible.  Without `mode` (zarr's
        v3 wrapper stores only the keywords given) the one parameter given
        decides, as in the constructor; none means reversible.  Values ZFPY
        accepts but our constructor refuses (tolerance 0, rate 0, precision
        0 or > 64) become the equivalent expert parameters.
        """
        config = dict(config)
        config.pop("id", None)
        unknown = sorted(set(config) - {"mode", "tolerance", "rate", "precision",
                                        "compression_kwargs"})
        if unknown:
            raise TypeError(f"unexpected zfpy configuration keys: {', '.join(unknown)}")
        if "mode" not in config:
            # zarr's v3 wrapper (zarr.codecs.numcodecs.ZFPY) stores only the
            # keywords the user gave: let the one parameter given decide, as
            # our constructor does (ZFPY would silently go reversible)
            given = [name for name in _PARAMETER_OF_KIND.values()
                     if _given(name, config.get(name))]
            if len(given) == 1:
                return cls.from_mode(_stored_mode(given[0], config[given[0]]))
        kind = _kind_of(config.get("mode", ZFPY_FIXED_ACCURACY))
        extra = config.get("compression_kwargs") or {}
        if kind == EXPERT:
            return cls.from_mode(Mode.from_args(**{
                name: extra[name] for name in _EXPERT_NAMES
                if isinstance(extra, dict) and extra.get(name) is not None}))
        name = _PARAMETER_OF_KIND.get(kind)
        value = config.get(name, _UNSET) if name else _UNSET
        if not _given(name, value):
            return cls.from_mode(Mode.from_args(reversible=True))
        return cls.from_mode(_stored_mode(name, value))

    # ------------------------------------------------------------------
    # compression

    def encode(self, buf: Any) -> bytes:
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
        """
        if not isinstance(buf, np.ndarray):
            raise TypeError("ZFP compresses NumPy arrays (it needs their shape and "
                            f"dtype), not {type(buf).__name__}")
        engine.ztype_of(buf.dtype)
        if not buf.dtype.isnative:
            raise TypeError(f"ZFP cannot store byte-swapped {buf.dtype} values: numcodecs "
                            "decodes into native byte order; convert the array (or use "
                            "zfpcodec.zarr3.ZFPCodec, which records the byte order)")
        arr = buf
        if arr.flags.f_contiguous and not arr.flags.c_contiguous:
            arr = arr.T  # memory order (see the class notes)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        elif arr.ndim > _MAX_RANK:
            arr = arr.reshape([n for n in arr.shape if n != 1] or [1])
            if arr.ndim > _MAX_RANK:
                raise ValueError(f"zfp compresses arrays of 1 to 4 dimensions; shape "
                                 f"{buf.shape} has {arr.ndim} axes longer than 1")
        return engine.compress(arr, self._mode, header=True, threads=self._threads)

    def decode(self, buf: Any, out: Any = None) -> Any:
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
        data = _stream_view(buf)
        if out is None:
            return engine.decompress(data, threads=self._threads)
        dtype, shape, _, _ = engine.read_header(data)
        engine.decompress(data, out=_target(out, dtype, shape), threads=self._threads)
        return out

    # ------------------------------------------------------------------
    # conversion, identity, immutability

    def to_zarr3(self):
        """The equivalent Zarr v3 codec, `zfpcodec.zarr3.ZFPCodec` (same mode
        and threads; its chunks carry no header)."""
        from .zarr3 import ZFPCodec
        return ZFPCodec.from_mode(self._mode, threads=self._threads)

    def __repr__(self) -> str:
        mode = self._mode
        if mode.kind == REVERSIBLE:
            args = ["reversible=True"]
        elif mode.kind == EXPERT:
            args = [f"{name}={getattr(mode, name)!r}" for name in _EXPERT_NAMES]
        else:
            name = _PARAMETER_OF_KIND[mode.kind]
            args = [f"{name}={getattr(mode, name)!r}"]
        if self._threads != 1:
            args.append(f"threads={self._threads}")
        return f"{type(self).__name__}({', '.join(args)})"

    def __eq__(self, other: object) -> bool:
        # numcodecs' rule: codecs with equal configurations are equal
        try:
            return self.get_config() == other.get_config()
        except AttributeError:
            return False

    def __hash__(self) -> int:
        return hash(json.dumps(self.get_config(), sort_keys=True))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; make a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self):
        return (_restore, (self._mode, self._threads))


def _restore(mode: Mode, threads: int) -> ZFP:
    return ZFP.from_mode(mode, threads=threads)


def _stored_mode(name: str, value: Any) -> Mode:
    """The mode of a stored `name` = `value` (>= 0), zfpy's edge values
    included."""
    try:
        return Mode.from_args(**{name: value})
    except ValueError:
        params = _zfpy_edge_params(name, value)
        if params is None:
            raise
        return Mode.from_args(**dict(zip(_EXPERT_NAMES, params)))


def _zfpy_edge_params(name: str, value: Any) -> tuple[int, int, int, int] | None:
    """zfp's coder parameters for the values zfpy accepts and `Mode` refuses,
    where they do not depend on the rank: tolerance 0 (minexp -1074),
    rate 0 (0 bits per block), precision 0 or > 64 (64 bit planes)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    if name == "tolerance" and number == 0:
        return _zfp.accuracy_params(0.0)
    if name == "rate" and number == 0:
        return _zfp.rate_params(0.0, 0, 1)
    if name == "precision" and number.is_integer() and (number == 0 or 64 < number < 2**32):
        return _zfp.precision_params(int(number))
    return None


def _stream_view(buf: Any) -> memoryview:
    """The compressed bytes of `buf` as a flat, contiguous memoryview."""
    if isinstance(buf, np.ndarray):
        if buf.dtype.hasobject:
            raise TypeError("cannot decode an object array")
        buf = np.ascontiguousarray(buf).reshape(-1).view(np.uint8)
    view = memoryview(buf)
    if not view.contiguous:
        view = memoryview(view.tobytes())
    if view.ndim != 1 or view.format != "B":
        view = view.cast("B")
    return view


def _target(out: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """The array view of `out` that the stream's values go into."""
    if isinstance(out, np.ndarray):
        if out.dtype.hasobject:
            raise TypeError("cannot decode into an object array")
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
            view = memoryview(out)
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
