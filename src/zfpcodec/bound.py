"""When zfp's error bound holds, and what the engine reports when it cannot.

zfp codes each block of 4^d values in block floating point: every value
becomes a P-bit integer (P = 32 for float32, 64 for float64) relative to
the block's largest magnitude 2^emax.  Fixed accuracy with tolerance t
(minexp = floor(log2 t)) keeps ``emax - minexp + 2(d + 1)`` bit planes of
those integers; the bound |error| <= t holds while that many fit in P bits.
Two things break it, and the C engine counts the blocks where it finds them
while compressing (csrc/zfpc.h, ``zfpc_report``):

* **non-finite values**: NaN and +-inf cannot be converted; they decode as
  finite numbers, and an infinity also ruins its block's other values.
  This breaks every lossy mode, not only fixed accuracy.
* **range**: a block whose largest magnitude is at least
  ``2^(minexp + P - 2d - 2)``, i.e. above about ``t * 2^(P - 2d - 2)``
  (t x 2^24 for float32 in 3-D, t x 2^56 for float64): the integers' step
  exceeds the tolerance, so small values beside a huge one (a -1e10 fill
  value among temperatures) come back wrong.
* **scale**: finite magnitudes block floating point cannot carry, in every
  lossy mode: a block whose values are all below 2^-98 (float32; 2^-962
  for float64), where the block's scale factor overflows and zfp codes
  garbage, or one with a value in the type's top binade (2^127 and up for
  float32, 2^1023 for float64), which can decode as +-inf.

Integer arrays are coded as they are, without block floating point: zfp
documents their range as ``|v| < 2^(P-2)`` (2^30 for int32, 2^62 for
int64; its promotions of int8 and int16 reach -2^(P-2), and so may we),
two bits of headroom for the decorrelating transform.  Larger
magnitudes can wrap inside it in every lossy mode, and come back with their
sign flipped (an int32 fill value of -2147483647 beside valid data); so
can a block spanning the whole range, values within 16 of both its ends
(-2^30 beside 2^30 - 1).  The engine counts those blocks too, as
**integer overflow**.  And zfp's fixed accuracy has no tolerance for
integers: it codes all their bit planes, and its lossy transform leaves
errors of a few units, whatever the tolerance; the codecs refuse that
mode for them.

`check` turns a report into the `ZFPError` the codecs raise (naming what
was found and the fix: `zfpcodec.MaskedZFP` for missing values, or a
lossless mode); `accuracy_holds` answers the question for any array, and is
what the ``zfpy`` drop-in offers (it raises nothing, as zfpy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import engine
from .errors import ZFPError
from .modes import FIXED_ACCURACY, REVERSIBLE, Mode


class BoundError(ZFPError):
    """The `ZFPError` (status ``"bound"``) of a refused chunk: `problems`
    are what was found, in words; `report` the engine's counts; `masked`
    whether missing values were already kept out of zfp.  Callers with
    other words for the fix (the command line) build their message from
    these."""

    def __init__(self, message: str, report: BoundReport, problems: list[str],
                 masked: bool):
        super().__init__(message, "bound")
        self.report = report
        self.problems = problems
        self.masked = masked


@dataclass(frozen=True)
class BoundReport:
    """What compressing an array found about the mode's bound.

    Attributes
    ----------
    blocks : int
        Blocks in the array.
    nonfinite_blocks : int
        Blocks holding NaN or +-inf, coded lossily.
    range_blocks : int
        Finite blocks too wide for the fixed-accuracy bound (counted in
        every lossy mode; they matter in fixed accuracy).
    scale_blocks : int
        Finite blocks whose magnitudes block floating point cannot scale
        (all tiny, or some in the type's top binade), in any lossy mode.
    overflow_blocks : int
        Integer blocks with values outside [-2^(P-2), 2^(P-2)), or within
        16 of both its ends, which lossy modes' transform can wrap.
    kind : str
        The mode (`zfpcodec.modes.KINDS`).
    dtype : str
        The array's type.
    """

    blocks: int
    nonfinite_blocks: int
    range_blocks: int
    kind: str
    dtype: str
    scale_blocks: int = 0
    overflow_blocks: int = 0

    @property
    def integers(self) -> bool:
        """Whether the array holds integers (coded without block floating
        point: no tolerance, and a range of their own)."""
        return np.dtype(self.dtype).kind in "iu"

    @property
    def integer_accuracy(self) -> bool:
        """Whether integers are asked for fixed accuracy, which zfp does not
        bound: it codes all their bit planes, a few units off whatever the
        tolerance (fixed precision or rate are their lossy modes)."""
        return self.kind == FIXED_ACCURACY and self.integers

    @property
    def lossy_integer_modes_fit(self) -> bool:
        """Whether fixed precision or fixed rate would store the array: its
        one problem is integers asked for fixed accuracy (none beyond
        zfp's integer range).  The fix each refusal names first."""
        return self.integer_accuracy and not self.overflow_blocks

    @property
    def too_wide(self) -> bool:
        """Whether some block's range is too wide for the tolerance: in
        fixed accuracy only, where the range counts break the bound."""
        return self.kind == FIXED_ACCURACY and self.range_blocks > 0

    @property
    def problems(self) -> list[str]:
        """What breaks the mode's promise, in words (empty when it holds)."""
        found: list[str] = []
        if self.kind == REVERSIBLE:
            return found
        if self.nonfinite_blocks:
            found.append(f"{self.nonfinite_blocks} of {self.blocks} blocks hold NaN or "
                         "+-inf, which zfp's lossy modes decode as finite numbers (an "
                         "infinity also corrupts its block's other values)")
        if self.scale_blocks:
            low, high = ("2^-98", "2^127") if self.dtype == "float32" else ("2^-962", "2^1023")
            found.append(f"{self.scale_blocks} of {self.blocks} blocks hold finite values "
                         "that zfp's block floating point cannot scale (every value of a "
                         f"block below {low} in magnitude: they come back as garbage; or a "
                         f"value of {high} or more: it can come back as +-inf)")
        if self.too_wide:
            found.append(f"{self.range_blocks} of {self.blocks} blocks span a dynamic range "
                         f"too wide for the tolerance in {self.dtype} (a magnitude of "
                         "about tolerance x 2^(P-2d-2) or more beside small values: "
                         "those come back off by more than the tolerance)")
        if self.overflow_blocks:
            bits = 8 * np.dtype(self.dtype).itemsize - 2
            found.append(f"{self.overflow_blocks} of {self.blocks} blocks hold {self.dtype} "
                         f"values outside zfp's integer range [-2^{bits}, 2^{bits}) or "
                         "within 16 of both its ends: its transform can wrap them, and "
                         "they can come back with their sign flipped")
        if self.integer_accuracy:
            found.append(f"zfp's fixed accuracy does not bound errors of {self.dtype} "
                         "values (integers are coded without a tolerance)")
        return found

    @property
    def holds(self) -> bool:
        """Whether the decoded values keep the mode's promise (the
        tolerance, for fixed accuracy; finite values coded, for the other
        lossy modes)."""
        return not self.problems


def report_of(counts: tuple[int, int, int], values: NDArray[Any], mode: Mode) -> BoundReport:
    """The report of `engine.compress_report`'s counts for `values` (for
    integer arrays the engine counts overflow blocks where floats' range
    blocks go)."""
    blocks = 1
    for n in values.shape:
        blocks *= -(-n // 4)
    # the scalar type's name ('float64' in either byte order): dtype.name
    # costs microseconds, which small chunks notice
    name = values.dtype.type.__name__
    if values.dtype.kind != "f":
        return BoundReport(blocks, 0, 0, mode.kind, name, 0, counts[1])
    return BoundReport(blocks, counts[0], counts[1], mode.kind, name, counts[2])


def check(report: BoundReport, codec: str, *, masked: bool = False) -> None:
    """Raise BoundError naming what `report` found and the fix, unless the
    bound holds.  Integer arrays in fixed accuracy are refused: zfp takes
    that mode for them (as zfpy and numcodecs do) but bounds nothing, its
    errors are a few units whatever the tolerance.  `masked`: the codec
    already keeps missing values out of zfp, so only a problem of the valid
    values themselves can remain."""
    problems = report.problems
    if not problems:
        return
    if report.integers:
        fix = "fixed precision or fixed rate, or " if report.lossy_integer_modes_fit else ""
        fix += "mode='reversible' (lossless)"
        if report.overflow_blocks and not masked:
            fix += ("; or, where they are a fill value (netCDF's int32 default is "
                    "-2147483647), zfpcodec.MaskedZFP (Zarr v3: "
                    "zfpcodec.zarr3.MaskedZFPCodec) with missing= naming it")
    elif masked or not (report.nonfinite_blocks or report.too_wide):
        # the valid values themselves, unless a fill value is among them
        fix = ("missing= naming a fill value left among the valid values (such as -1e10), "
               "a larger tolerance, or " if masked and report.too_wide else
               "a larger tolerance, or " if report.too_wide else "")
        fix += "mode='reversible' (lossless)"
    else:
        fix = ("zfpcodec.MaskedZFP (Zarr v3: zfpcodec.zarr3.MaskedZFPCodec), which stores "
               "missing values (NaN, +-inf, a fill value such as -1e10 with missing=-1e10) "
               "exactly and the other values within the tolerance; or mode='reversible' "
               "(lossless)")
        if report.nonfinite_blocks:
            fix += ("; or, where the NaN are only zarr's padding of ragged edge chunks (an "
                    "array whose fill value is NaN, as xarray gives float variables), a "
                    "finite fill value: xarray encoding {'fill_value': 0.0} with Zarr v3, "
                    "{'_FillValue': None} with Zarr v2")
        else:
            fix += "; or a larger tolerance"
    if report.scale_blocks:
        fix += "; or values scaled into range (times a power of two) before compressing"
    raise BoundError(f"{codec} refuses to store this chunk: {'; '.join(problems)}. Fix: use "
                     f"{fix}. (strict=False stores it anyway.)", report, problems, masked)


def compress_checked(values: NDArray[Any], mode: Mode, *, strict: bool, codec: str,
                     rate_clamp: bool, masked: bool = False, header: bool = True,
                     threads: int = 1) -> bytes:
    """`engine.compress`, which with `strict` raises (`check_counts`)
    instead of returning a stream that breaks the mode's promise.  The
    engine counts while it codes: the check costs nothing measurable.
    `rate_clamp` has no default: the doors differ (zfpy's bytes leave low
    rates unclamped, zfp's program and the readers of headerless streams
    clamp them), and a headerless stream must be read with its writer's."""
    if not strict or mode.kind == REVERSIBLE:
        return engine.compress(values, mode, header=header, rate_clamp=rate_clamp,
                               threads=threads)
    stream, counts = engine.compress_report(values, mode, header=header,
                                            rate_clamp=rate_clamp, threads=threads)
    check_counts(counts, values, mode, strict=strict, codec=codec, masked=masked)
    return stream


def check_counts(counts: tuple[int, int, int], values: NDArray[Any], mode: Mode, *,
                 strict: bool, codec: str, masked: bool = False) -> None:
    """With `strict`, `check` the report of the engine's `counts` (those of
    `engine.compress_report` or `engine.compress_filled`) for `values` in
    `mode`, where zfp makes a promise it can break: lossy modes.  Counts of
    0 pass without a report, nothing was flagged (a report's type name
    costs more than a small chunk's missing values take to find), except
    integers in fixed accuracy, which are refused."""
    if not strict or mode.kind == REVERSIBLE:
        return
    if any(counts) or (mode.kind == FIXED_ACCURACY and values.dtype.kind != "f"):
        check(report_of(counts, values, mode), codec, masked=masked)


def accuracy_holds(arr: NDArray[Any], tolerance: float) -> BoundReport:
    """Whether zfp's fixed-accuracy mode with `tolerance` keeps every value
    of `arr` within it: the engine's report for that compression.

    Parameters
    ----------
    arr : numpy.ndarray
        int32, int64, float32 or float64 values, 1 to 4 dimensions.
    tolerance : float
        The absolute error bound (> 0).

    Returns
    -------
    BoundReport
        ``.holds`` is the answer; ``.problems`` says why not.

    Notes
    -----
    The answer is exact for the blocks zfp codes: it comes from the C
    engine, which compresses `arr` (the stream is discarded).  zfpy 1.0.1
    (and our drop-in, byte for byte) stores such arrays without a word.
    """
    arr = np.asarray(arr)
    mode = Mode.from_args(tolerance=tolerance)
    _, counts = engine.compress_report(arr, mode, rate_clamp=False)
    return report_of(counts, arr, mode)

