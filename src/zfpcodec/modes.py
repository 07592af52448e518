"""Compression modes: from what a user asks for to zfp's four parameters.

zfp's block coder is driven by ``(minbits, maxbits, maxprec, minexp)``
alone (spec 3.1); the named modes are ways of choosing them.  `Mode` is the
strict, validated form our own APIs (codecs, command line) use; the zfpy
drop-in keeps zfpy's looser conventions in `zfpcodec.api`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import _zfp

REVERSIBLE = "reversible"
FIXED_ACCURACY = "fixed_accuracy"
FIXED_RATE = "fixed_rate"
FIXED_PRECISION = "fixed_precision"
EXPERT = "expert"
KINDS = (REVERSIBLE, FIXED_ACCURACY, FIXED_RATE, FIXED_PRECISION, EXPERT)

ZFP_MAX_BITS = 16658
ZFP_MAX_PREC = 64
ZFP_MIN_EXP = -1074


@dataclass(frozen=True)
class Mode:
    """A validated zfp compression mode.

    Build one with `Mode.from_args`; `params` turns it into the four coder
    parameters for an array of a given rank and type.
    """

    kind: str
    tolerance: float | None = None
    rate: float | None = None
    precision: int | None = None
    minbits: int | None = None
    maxbits: int | None = None
    maxprec: int | None = None
    minexp: int | None = None

    @classmethod
    def from_args(cls, *, tolerance: float | None = None, rate: float | None = None,
                  precision: int | None = None, reversible: bool = False,
                  minbits: int | None = None, maxbits: int | None = None,
                  maxprec: int | None = None, minexp: int | None = None) -> "Mode":
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
            tolerance = _real("tolerance", tolerance)
            if not tolerance > 0 or math.isinf(tolerance):
                raise ValueError(f"tolerance must be a finite number > 0, not {tolerance}")
            return cls(FIXED_ACCURACY, tolerance=tolerance)
        if rate is not None:
            rate = _real("rate", rate)
            if not rate > 0 or math.isinf(rate):
                raise ValueError(f"rate must be a finite number of bits per value > 0, "
                                 f"not {rate}")
            if math.floor(256 * rate + 0.5) >= 2**32:
                raise ValueError(f"rate {rate} is too large: zfp's bit budget per "
                                 "block is a 32-bit number")
            return cls(FIXED_RATE, rate=rate)
        if precision is not None:
            precision = _integer("precision", precision)
            if not 1 <= precision <= ZFP_MAX_PREC:
                raise ValueError(f"precision must be 1..64 bit planes, not {precision}")
            return cls(FIXED_PRECISION, precision=precision)
        if chosen == ["expert"]:
            return cls._expert(*expert)
        return cls(REVERSIBLE)

    @classmethod
    def _expert(cls, minbits, maxbits, maxprec, minexp) -> "Mode":
        minbits = 1 if minbits is None else _integer("minbits", minbits)
        maxbits = ZFP_MAX_BITS if maxbits is None else _integer("maxbits", maxbits)
        maxprec = ZFP_MAX_PREC if maxprec is None else _integer("maxprec", maxprec)
        minexp = ZFP_MIN_EXP if minexp is None else _integer("minexp", minexp)
        if not 0 <= minbits <= maxbits < 2**32:
            raise ValueError(f"expert parameters need 0 <= minbits <= maxbits < 2**32, "
                             f"not minbits={minbits}, maxbits={maxbits}")
        if not 1 <= maxprec <= ZFP_MAX_PREC:
            raise ValueError(f"maxprec must be 1..64, not {maxprec}")
        if not -2**31 <= minexp < 2**31:
            raise ValueError(f"minexp must be a 32-bit integer, not {minexp}")
        return cls(EXPERT, minbits=minbits, maxbits=maxbits, maxprec=maxprec, minexp=minexp)

    def params(self, dims: int, ztype: int = 0) -> tuple[int, int, int, int]:
        """(minbits, maxbits, maxprec, minexp) for a `dims`-dimensional
        array.  A fixed rate is clamped to the float/double block minimum
        when `ztype` names a floating type (as zfp_stream_set_rate does when
        given the type; zfpy's compress_numpy passes no type)."""
        if self.kind == FIXED_ACCURACY:
            return _zfp.accuracy_params(self.tolerance)
        if self.kind == FIXED_RATE:
            return _zfp.rate_params(self.rate, ztype, dims)
        if self.kind == FIXED_PRECISION:
            return _zfp.precision_params(self.precision)
        if self.kind == EXPERT:
            return _zfp.expert_params(self.minbits, self.maxbits, self.maxprec, self.minexp)
        return _zfp.reversible_params()

    def __repr__(self) -> str:
        fields = {FIXED_ACCURACY: ("tolerance",), FIXED_RATE: ("rate",),
                  FIXED_PRECISION: ("precision",),
                  EXPERT: ("minbits", "maxbits", "maxprec", "minexp")}.get(self.kind, ())
        args = ", ".join(f"{name}={getattr(self, name)!r}" for name in fields)
        return f"Mode.from_args({args or 'reversible=True'})"


def _real(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, not {type(value).__name__}") from None
    if math.isnan(number):
        raise ValueError(f"{name} must not be NaN")
    return number


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise TypeError(f"{name} must be an integer, not {value!r}")
    return int(value)
