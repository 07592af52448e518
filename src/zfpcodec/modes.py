"""Compression modes: the one owner of what a zfp mode is and how it is written.

zfp's block coder is driven by ``(minbits, maxbits, maxprec, minexp)``
alone (docs/format.md §3.1); the named modes are ways of
choosing them.  This module holds every rule about modes, so that the doors
only translate:

* the mode kinds, their parameters and zfpy's mode numbers;
* the strict rules of our own APIs (`Mode.from_args`, `Mode.from_kind`);
* zfpy's looser sentinel arguments (`zfpy_params`) and header dictionary
  (`zfpy_header_config`), and numcodecs' "-1 is not given" (`is_unset`);
* numcodecs configurations (`Mode.to_numcodecs_config`, written the way
  stock numcodecs can write wherever it can: `Mode.stock_equivalent`;
  `Mode.from_numcodecs_config`) and Zarr v3 ones (`Mode.to_zarr3_config`,
  `Mode.from_zarr3_config`, checked against the schema's JSON types);
* stream headers (`Mode.from_params`, `describe_params`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, SupportsIndex, TypedDict, cast

import numpy as np

from . import _zfp
from .errors import ZFPError

if TYPE_CHECKING:
    from ._typing import Real

REVERSIBLE = "reversible"
FIXED_ACCURACY = "fixed_accuracy"
FIXED_RATE = "fixed_rate"
FIXED_PRECISION = "fixed_precision"
EXPERT = "expert"
KINDS = (REVERSIBLE, FIXED_ACCURACY, FIXED_RATE, FIXED_PRECISION, EXPERT)

EXPERT_NAMES = ("minbits", "maxbits", "maxprec", "minexp")
# the parameters each kind takes, in the order they are written
PARAMETERS: dict[str, tuple[str, ...]] = {
    REVERSIBLE: (), FIXED_ACCURACY: ("tolerance",), FIXED_RATE: ("rate",),
    FIXED_PRECISION: ("precision",), EXPERT: EXPERT_NAMES}
ALL_PARAMETERS = ("tolerance", "rate", "precision") + EXPERT_NAMES

# zfp's zfp_mode numbers (also zfpy's mode_* constants and numcodecs' "mode";
# zfpy has no constant for reversible); the C engine classifies parameters
# into the same numbers (csrc/params.c)
ZFPY_MODE_NULL = 0
ZFPY_MODE: dict[str, int] = {EXPERT: 1, FIXED_RATE: 2, FIXED_PRECISION: 3,
                             FIXED_ACCURACY: 4, REVERSIBLE: 5}
KIND_OF_ZFPY_MODE = {number: kind for kind, number in ZFPY_MODE.items()}
UNSET = -1  # zfpy's and numcodecs' "parameter not given"

ZFP_MIN_BITS = 1
ZFP_MAX_BITS = 16658
ZFP_MAX_PREC = 64
ZFP_MIN_EXP = -1074

Params = tuple[int, int, int, int]  # (minbits, maxbits, maxprec, minexp)


# The keys of numcodecs' ZFPY configuration, besides its ``id``
ZFPY_KEYS = frozenset({"mode", "tolerance", "rate", "precision", "compression_kwargs"})


class NumcodecsConfig(TypedDict):
    """A mode as numcodecs' ZFPY configuration holds it (without ``id``)."""

    mode: int
    compression_kwargs: dict[str, float | int]
    tolerance: float
    rate: float
    precision: int


class ZfpyHeaderConfig(TypedDict):
    """The ``"config"`` entry of zfpy's `header()` dictionary."""

    mode: int
    tolerance: float
    rate: float
    precision: int
    expert: dict[str, int]


@dataclass(frozen=True)
class Mode:
    """A validated zfp compression mode.

    Build one with `Mode.from_args` (the parameter given names the mode),
    `Mode.from_kind` (a named mode and its parameters), or from a stored
    form (`from_numcodecs_config`, `from_zarr3_config`, `from_params`).
    `params` turns it into the four coder parameters for an array of a
    given rank and type.
    """

    kind: str
    tolerance: float | None = None
    rate: float | None = None
    precision: int | None = None
    minbits: int | None = None
    maxbits: int | None = None
    maxprec: int | None = None
    minexp: int | None = None

    # ------------------------------------------------------------------
    # construction with our strict rules

    @classmethod
    def from_args(cls, *, tolerance: Real | None = None, rate: Real | None = None,
                  precision: SupportsIndex | None = None, reversible: bool = False,
                  minbits: SupportsIndex | None = None, maxbits: SupportsIndex | None = None,
                  maxprec: SupportsIndex | None = None,
                  minexp: SupportsIndex | None = None) -> Mode:
        """The mode named by exactly one of: `tolerance` (fixed accuracy,
        an absolute error bound > 0), `rate` (fixed rate, bits per value
        > 0), `precision` (fixed precision, 1..64 bit planes),
        `reversible=True` (lossless), or the four expert parameters.  With
        none of them, reversible."""
        expert = (minbits, maxbits, maxprec, minexp)
        chosen = [name for name, given in (("tolerance", tolerance is not None),
                                           ("rate", rate is not None),
                                           ("precision", precision is not None),
                                           ("reversible", bool(reversible)),
                                           ("expert", any(v is not None for v in expert)))
                  if given]
        if len(chosen) > 1:
            raise ValueError(f"give only one of tolerance, rate, precision, reversible "
                             f"or expert parameters, not {' and '.join(chosen)}")
        if tolerance is not None:
            bound = _real("tolerance", tolerance)
            if not bound > 0 or math.isinf(bound):
                raise ValueError(f"tolerance must be a finite number > 0, not {bound} "
                                 "(it is the largest absolute error allowed; for lossless "
                                 "compression ask for reversible)")
            return cls(FIXED_ACCURACY, tolerance=bound)
        if rate is not None:
            bits = _real("rate", rate)
            if not bits > 0 or math.isinf(bits):
                raise ValueError(f"rate must be a finite number of bits per value > 0, "
                                 f"not {bits}")
            if math.floor(256 * bits + 0.5) >= 2**32:
                raise ValueError(f"rate {bits} is too large: zfp's bit budget per "
                                 "block is a 32-bit number")
            return cls(FIXED_RATE, rate=bits)
        if precision is not None:
            planes = _integer("precision", precision)
            if not 1 <= planes <= ZFP_MAX_PREC:
                raise ValueError(f"precision must be 1..64 bit planes, not {planes}")
            return cls(FIXED_PRECISION, precision=planes)
        if chosen == ["expert"]:
            return cls._expert(*expert)
        return cls(REVERSIBLE)

    @classmethod
    def from_parameters(cls, kind: str | None, **parameters: Any) -> Mode:
        """What the codecs' constructors take: the mode `kind` with its
        parameters (`from_kind`), or, with no kind, the mode the one
        parameter given names (`from_args`)."""
        if kind is None:
            return cls.from_args(**parameters)
        return cls.from_kind(kind, **parameters)

    @classmethod
    def from_kind(cls, kind: str, **parameters: Real | None) -> Mode:
        """The mode `kind` (one of `KINDS`) with its parameters: a mode
        takes its own parameters and no other, and needs them (expert mode
        needs at least one of its four; the others take zfp's defaults)."""
        if kind not in KINDS:
            raise ValueError(f"mode must be one of {', '.join(map(repr, KINDS))}, "
                             f"not {kind!r}")
        given = {name: value for name, value in parameters.items()
                 if value is not None and value is not False}
        unknown = sorted(set(given) - set(ALL_PARAMETERS) - {"reversible"})
        if unknown:
            raise TypeError(f"unknown zfp mode parameter {', '.join(unknown)}")
        own = PARAMETERS[kind] + (("reversible",) if kind == REVERSIBLE else ())
        stray = [name for name in given if name not in own]
        if stray:
            raise ValueError(f"mode {kind!r} does not take {', '.join(stray)}; leave the "
                             "mode out to have it follow from the parameter given")
        missing = [name for name in PARAMETERS[kind] if name not in given]
        if kind != EXPERT and missing:
            raise ValueError(f"mode {kind!r} needs {missing[0]}=")
        if kind == EXPERT and not given:
            raise ValueError(f"mode 'expert' needs at least one of {', '.join(EXPERT_NAMES)}")
        given.pop("reversible", None)
        # Any: from_args checks each value's type at run time
        return cls.from_args(**cast("dict[str, Any]", given), reversible=kind == REVERSIBLE)

    @classmethod
    def _expert(cls, minbits: object, maxbits: object, maxprec: object,
                minexp: object) -> Mode:
        return cls._checked_expert(
            ZFP_MIN_BITS if minbits is None else _integer("minbits", minbits),
            ZFP_MAX_BITS if maxbits is None else _integer("maxbits", maxbits),
            ZFP_MAX_PREC if maxprec is None else _integer("maxprec", maxprec),
            ZFP_MIN_EXP if minexp is None else _integer("minexp", minexp))

    @classmethod
    def _checked_expert(cls, minbits: int, maxbits: int, maxprec: int, minexp: int) -> Mode:
        if not 0 <= minbits <= maxbits < 2**32:
            raise ValueError(f"expert parameters need 0 <= minbits <= maxbits < 2**32, "
                             f"not minbits={minbits}, maxbits={maxbits}")
        if not 1 <= maxprec <= ZFP_MAX_PREC:
            raise ValueError(f"maxprec must be 1..64, not {maxprec}")
        if not -2**31 <= minexp < 2**31:
            raise ValueError(f"minexp must be a 32-bit integer, not {minexp}")
        return cls(EXPERT, minbits=minbits, maxbits=maxbits, maxprec=maxprec, minexp=minexp)

    # ------------------------------------------------------------------
    # what the engine needs

    @property
    def parameters(self) -> dict[str, float | int]:
        """The mode's own parameters, by name (empty for reversible)."""
        return {name: getattr(self, name) for name in PARAMETERS[self.kind]}

    @property
    def arguments(self) -> list[str]:
        """The mode's own parameters as keyword arguments (``name=value``),
        as the codecs' reprs show them."""
        return [f"{name}={value!r}" for name, value in self.parameters.items()]

    @property
    def zfpy_mode(self) -> int:
        """zfp's (and zfpy's) number for the mode (5 for reversible)."""
        return ZFPY_MODE[self.kind]

    def params(self, dims: int, ztype: int = 0) -> Params:
        """(minbits, maxbits, maxprec, minexp) for a `dims`-dimensional
        array.  A fixed rate is clamped to the float/double block minimum
        when `ztype` names a floating type (as zfp_stream_set_rate does when
        given the type; zfpy's compress_numpy passes no type)."""
        # each kind's own fields are set (the constructors see to it)
        if self.kind == FIXED_ACCURACY:
            return _zfp.accuracy_params(cast(float, self.tolerance))
        if self.kind == FIXED_RATE:
            return _zfp.rate_params(cast(float, self.rate), ztype, dims)
        if self.kind == FIXED_PRECISION:
            return _zfp.precision_params(cast(int, self.precision))
        if self.kind == EXPERT:
            return _zfp.expert_params(cast(int, self.minbits), cast(int, self.maxbits),
                                      cast(int, self.maxprec), cast(int, self.minexp))
        return _zfp.reversible_params()

    # ------------------------------------------------------------------
    # stream headers

    @classmethod
    def from_params(cls, params: Params, dims: int, ztype: int = 0) -> Mode:
        """The simplest mode whose `params(dims, ztype)` are exactly
        `params` (a stream header's): its named mode where that gives the
        same parameters, else expert.  A fixed rate below the float/double
        block minimum (written by zfpy, which applies no minimum) or an
        accuracy whose tolerance overflows a float comes back as expert."""
        minbits, maxbits, maxprec, minexp = params
        kind = params_kind(params)
        candidates: dict[str, dict[str, float | int]] = {
            FIXED_RATE: {"rate": maxbits / 4**dims},
            FIXED_PRECISION: {"precision": maxprec},
            FIXED_ACCURACY: {"tolerance": _power_of_two(minexp)},
            REVERSIBLE: {}}
        if kind in candidates:
            try:
                mode = cls.from_kind(kind, **candidates[kind])
                if mode.params(dims, ztype) == tuple(params):
                    return mode
            except ValueError:
                pass
        return cls._checked_expert(minbits, maxbits, maxprec, minexp)

    # ------------------------------------------------------------------
    # numcodecs configurations (the keys of numcodecs' ZFPY, in its order)

    def stock_equivalent(self) -> Mode:
        """This mode, or for expert parameters that one of numcodecs' ZFPY
        modes (fixed precision, fixed accuracy, reversible) gives exactly
        for every rank and type, that mode: the same streams, and a
        configuration stock numcodecs can write with."""
        if self.kind != EXPERT:
            return self
        own = self.params(1)
        candidates: tuple[dict[str, Any], ...] = (
            {"precision": self.maxprec}, {"tolerance": _power_of_two(cast(int, self.minexp))},
            {"reversible": True})
        for candidate in candidates:
            try:
                mode = Mode.from_args(**candidate)
            except ValueError:
                continue
            if mode.params(1) == own:
                return mode
        return self

    def to_numcodecs_config(self) -> NumcodecsConfig:
        """``{"mode", "compression_kwargs", "tolerance", "rate",
        "precision"}`` as numcodecs' ZFPY writes them: zfpy's mode number,
        -1 for the parameters not given.  Everything stock numcodecs can
        write is written its way, so that it can append to our arrays:
        reversible as ZFPY writes it (mode 4, tolerance -1), expert
        parameters as their `stock_equivalent`.  Other expert parameters
        (mode 1) travel in ``compression_kwargs``: stock numcodecs reads
        those arrays (the stream header has everything) but has no
        configuration to write them with."""
        kwargs: dict[str, float | int]
        mode = self.stock_equivalent()
        if mode.kind == REVERSIBLE:
            number, kwargs = ZFPY_MODE[FIXED_ACCURACY], {"tolerance": UNSET}
        else:
            number, kwargs = mode.zfpy_mode, mode.parameters
        own = mode.parameters
        return {"mode": number, "compression_kwargs": kwargs,
                "tolerance": own.get("tolerance", UNSET), "rate": own.get("rate", UNSET),
                "precision": UNSET if mode.precision is None else mode.precision}

    @classmethod
    def from_numcodecs_config(cls, config: Mapping[str, object]) -> Mode:
        """The mode of a configuration written by us or by numcodecs' ZFPY.

        A stored configuration with a `mode` means what it meant to the
        codec that wrote it, so ZFPY's rules apply: `mode` decides, the
        mode's own parameter is used if >= 0 and the others are ignored,
        and a mode without its parameter is reversible.  Without `mode`
        (zarr's v3 wrapper stores only the keywords given) the one parameter
        given decides; none means reversible.  Values ZFPY accepts but
        `from_args` refuses (tolerance 0, rate 0, precision 0 or > 64)
        become the equivalent expert parameters; a mode number stored as a
        float (4.0) is that number.
        """
        if not isinstance(config, Mapping):
            raise TypeError(f"a zfpy configuration is a mapping such as "
                            f"{{'id': 'zfpy', 'mode': 4, 'tolerance': 0.001}}, not {config!r}")
        config = dict(config)
        config.pop("id", None)
        unknown = sorted(set(config) - ZFPY_KEYS)
        if unknown:
            raise TypeError(f"unexpected zfpy configuration keys: {', '.join(unknown)}")
        if "mode" not in config:
            given = [name for name in ("tolerance", "rate", "precision")
                     if zfpy_given(name, config.get(name))]
            if len(given) == 1:
                return _stored_mode(given[0], config[given[0]])
        number = config.get("mode", ZFPY_MODE[FIXED_ACCURACY])
        if isinstance(number, float) and number.is_integer():
            number = int(number)  # 4.0, as JSON writers may store it: ZFPY compares with ==
        kind = kind_of(number)
        extra = config.get("compression_kwargs") or {}
        if kind == EXPERT:
            return cls.from_args(**{
                name: extra[name] for name in EXPERT_NAMES
                if isinstance(extra, dict) and extra.get(name) is not None})
        own = PARAMETERS[kind]
        value = config.get(own[0], UNSET) if own else UNSET
        if not own or not zfpy_given(own[0], value):
            return cls(REVERSIBLE)
        return _stored_mode(own[0], value)

    # ------------------------------------------------------------------
    # Zarr v3 configurations (the zarr-extensions ``zfp`` codec)

    def to_zarr3_config(self) -> dict[str, str | float | int]:
        """``{"mode": <kind>, <its parameters>}``."""
        return {"mode": self.kind, **self.parameters}

    @classmethod
    def from_zarr3_config(cls, configuration: Mapping[str, object]) -> Mode:
        """Inverse of `to_zarr3_config`; the configuration must match the
        schema (its mode's parameters, all of them, and nothing else)."""
        if not isinstance(configuration, Mapping):
            raise ValueError(f"zfp codec configuration must be an object, not "
                             f"{configuration!r}")
        configuration = dict(configuration)
        kind = configuration.pop("mode", None)
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValueError(f"zfp codec configuration needs mode = one of "
                             f"{', '.join(map(repr, KINDS))}, not {kind!r}")
        missing = [name for name in PARAMETERS[kind] if name not in configuration]
        if missing:
            raise ValueError(f"zfp codec configuration in mode {kind!r} lacks "
                             f"{', '.join(missing)}")
        extra = sorted(set(configuration) - set(PARAMETERS[kind]))
        if extra:
            raise ValueError(f"zfp codec configuration in mode {kind!r} does not take "
                             f"{', '.join(extra)}")
        for name, value in configuration.items():
            _check_schema_type(name, value)
        # Any: from_kind checks each value's range at run time
        return cls.from_kind(kind, **cast("dict[str, Any]", configuration))

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={value!r}" for name, value in self.parameters.items())
        return f"Mode.from_args({args or 'reversible=True'})"


# --------------------------------------------------------------------------
# zfpy's conventions

def kind_of(mode: object) -> str:
    """Our mode kind for zfpy's mode number or one of our kind names."""
    if isinstance(mode, str):
        if mode in KINDS:
            return mode
    elif not isinstance(mode, bool) and hasattr(type(mode), "__index__"):
        kind = KIND_OF_ZFPY_MODE.get(int(cast(SupportsIndex, mode)))
        if kind is not None:
            return kind
    raise ValueError(f"mode must be one of 1 (expert), 2 (fixed rate), 3 (fixed precision), "
                     f"4 (fixed accuracy), 5 (reversible) or their names "
                     f"{', '.join(repr(k) for k in KIND_OF_ZFPY_MODE.values())}; not {mode!r}")


def is_unset(value: object) -> bool:
    """Our rule for numcodecs-style arguments: None or exactly -1 (ZFPY's
    default) means "not given"; every other value is given, and checked."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        return False
    return bool(value == UNSET)


def zfpy_given(name: str, value: object) -> bool:
    """zfpy's rule: a parameter counts as given when it is >= 0 (NaN counts
    as given, so that validation refuses it)."""
    if value is None:
        return False
    number = cast(float, value)  # if it is not a number, the TypeError below
    try:
        return bool(number >= 0) or math.isnan(number)
    except TypeError:
        raise TypeError(f"{name} must be a number, not {value!r}") from None


def zfpy_params(tolerance: float, rate: float, precision: int, dims: int,
                clamp_type: int) -> Params:
    """The coder parameters of zfpy's arguments: the first of `tolerance`,
    `rate`, `precision` that is >= 0 decides, with zfpy's edge values
    (tolerance 0, rate 0, precision 0); reversible when none is.  Raises
    ValueError for a rate whose bits per block overflow 32 bits."""
    if tolerance >= 0:
        return _zfp.accuracy_params(tolerance)
    if rate >= 0:
        try:
            return _zfp.rate_params(rate, clamp_type, dims)
        except ZFPError:
            raise ValueError(
                f"rate={rate} is too large: {4**dims} values at that rate need "
                "more bits per block than zfp's 32-bit budget") from None
    if precision >= 0:
        return _zfp.precision_params(precision)
    return _zfp.reversible_params()


def zfpy_header_config(params: Params, dims: int) -> ZfpyHeaderConfig:
    """The ``"mode"`` number and ``"config"`` dictionary of zfpy's
    `header()` for a stream's coder parameters."""
    minbits, maxbits, maxprec, minexp = params
    number = _zfp.params_mode(params)
    kind = KIND_OF_ZFPY_MODE.get(number)
    return {
        "mode": number,
        "tolerance": _power_of_two(minexp) if kind == FIXED_ACCURACY else 0.0,
        "rate": maxbits / 4**dims if kind == FIXED_RATE else 0.0,
        "precision": maxprec if kind == FIXED_PRECISION else 0,
        # zfpy 1.0.1 reports minbits under "maxbits"; kept for drop-in use
        "expert": {"minbits": minbits, "maxbits": minbits, "maxprec": maxprec,
                   "minexp": minexp},
    }


def check_zarr3_accuracy(kind: str, zfp_dtype: np.dtype[Any], dtype: object) -> None:
    """The Zarr v3 zfp codecs' rule: fixed accuracy only for floating-point
    data (`zfp_dtype` is what zfp codes; `dtype` the array's, named in the
    message)."""
    if kind == FIXED_ACCURACY and zfp_dtype.kind != "f":
        raise ValueError(f"zfp's fixed_accuracy mode applies to floating-point data, "
                         f"not {dtype}; use fixed_precision, fixed_rate or reversible")


def strict_flag(strict: object) -> bool:
    """The one rule for the codecs' `strict=`: True or False (NumPy's bool
    too).  Anything else is a TypeError: ``bool("false")`` is True, so a
    string from a configuration file would silently mean the opposite."""
    if not isinstance(strict, (bool, np.bool_)):
        raise TypeError(f"strict must be True or False, not {strict!r}")
    return bool(strict)


def codec_repr(name: str, arguments: list[str], threads: int, strict: bool) -> str:
    """How every codec of this package shows itself: ``name(arguments)``,
    then ``threads`` and ``strict`` where they differ from their defaults."""
    shown = [*arguments, *([f"threads={threads}"] if threads != 1 else []),
             *([] if strict else ["strict=False"])]
    return f"{name}({', '.join(shown)})"


def params_kind(params: Params) -> str | None:
    """The kind zfp classifies coder parameters as (docs/format.md §3.7),
    None for parameters no stream can hold."""
    return KIND_OF_ZFPY_MODE.get(_zfp.params_mode(params))


def describe_params(params: Params, dims: int) -> str:
    """The mode a stream's coder parameters stand for, in words (as
    `zfpcodec info` prints it), by zfp's classification."""
    minbits, maxbits, maxprec, minexp = params
    kind = params_kind(params)
    if kind == FIXED_RATE:
        return f"fixed rate {maxbits / 4**dims:g} bits/value ({maxbits} bits per block)"
    if kind == FIXED_PRECISION:
        return f"fixed precision {maxprec} bit planes"
    if kind == FIXED_ACCURACY and minexp >= _FLOAT_EXPONENT_LIMIT:
        return f"fixed accuracy, tolerance 2^{minexp} (more than the largest float64)"
    if kind == FIXED_ACCURACY:
        return f"fixed accuracy, tolerance 2^{minexp} = {_power_of_two(minexp):g}"
    if kind == REVERSIBLE:
        return "reversible (lossless)"
    return f"expert, minbits={minbits} maxbits={maxbits} maxprec={maxprec} minexp={minexp}"


# The JSON types of the zarr-extensions ``zfp`` schema: "number" for these,
# "integer" (unsigned but for minexp) for the others.  A JSON number with a
# fraction part or a boolean is not an integer here, and a string is never
# a number, whatever it spells.
_SCHEMA_NUMBERS = ("tolerance", "rate")
_SCHEMA_UNSIGNED = ("precision", "minbits", "maxbits", "maxprec")


def _check_schema_type(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        wanted = "a number" if name in _SCHEMA_NUMBERS else "an integer"
        raise ValueError(f"zfp codec configuration field {name!r} must be {wanted}, "
                         f"not {type(value).__name__} {value!r}")
    if name not in _SCHEMA_NUMBERS and not isinstance(value, int):
        raise ValueError(f"zfp codec configuration field {name!r} must be an integer "
                         f"(no decimal point), not {value!r}")
    if name in _SCHEMA_UNSIGNED and value < 0:
        raise ValueError(f"zfp codec configuration field {name!r} must be an unsigned "
                         f"integer, not {value!r}")


def _stored_mode(name: str, value: object) -> Mode:
    """The mode of a stored `name` = `value` (>= 0), zfpy's edge values
    included."""
    try:
        # Any: from_args checks the value's type at run time
        return Mode.from_args(**cast("dict[str, Any]", {name: value}))
    except ValueError:
        params = _zfpy_edge_params(name, value)
        if params is None:
            raise
        return Mode._checked_expert(*params)


def _zfpy_edge_params(name: str, value: object) -> Params | None:
    """zfp's coder parameters for the values zfpy accepts and `Mode` refuses,
    where they do not depend on the rank: tolerance 0 (minexp -1074),
    rate 0 (0 bits per block), precision 0 or > 64 (64 bit planes)."""
    try:
        number = float(cast("Real", value))  # anything else raises TypeError
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


_FLOAT_EXPONENT_LIMIT = 1024  # 2.0**1024 overflows a float64


def _power_of_two(exponent: int) -> float:
    return 2.0**exponent if exponent < _FLOAT_EXPONENT_LIMIT else math.inf


def _real(name: str, value: object) -> float:
    if isinstance(value, (str, bytes, bool)):  # float() would read "8" and True
        raise TypeError(f"{name} must be a real number, not {type(value).__name__} "
                        f"{value!r}")
    try:
        number = float(cast("Real", value))  # anything else raises TypeError
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, not {type(value).__name__}") from None
    if math.isnan(number):
        raise ValueError(f"{name} must not be NaN")
    return number


def _integer(name: str, value: object) -> int:
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise TypeError(f"{name} must be an integer, not {value!r}")
    return int(cast(SupportsIndex, value))
