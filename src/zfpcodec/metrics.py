"""How far decoded values are from the originals: maximum error, RMSE, NRMSE
and PSNR, with the definitions the ``zfp`` program prints for ``-s``.

The command line (``zfpcodec stats``, ``zfpcodec demo``) and the benchmark
(``bench/``) both score round trips with these functions.  The module needs
NumPy only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

SLAB_VALUES = 1 << 20     # values compared at a time, bounding the float64 copies


def value_range(arr: NDArray[Any]) -> tuple[float, float]:
    """(min, max) of the values as floats (NaN when any value is NaN)."""
    return float(np.min(arr)), float(np.max(arr))


def psnr(rmse: float, limits: tuple[float, float]) -> float:
    """Peak signal-to-noise ratio in dB: ``20 log10((max - min) / (2 RMSE))``.

    Parameters
    ----------
    rmse : float
        Root mean square error of the decoded values.
    limits : tuple of float
        (min, max) of the original values (see `value_range`).

    Returns
    -------
    float
        The PSNR; ``inf`` for an exact round trip (RMSE 0) of varying values,
        NaN for constant values decoded exactly or a NaN in the range.

    Notes
    -----
    The peak signal is half the value range, so this is the figure the
    ``zfp`` program prints as ``psnr=`` with ``-s`` (6.02 dB below
    ``20 log10(range / RMSE)``, which some other tools report).
    """
    span = limits[1] - limits[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(20 * np.log10(np.float64(span) / (2 * rmse)))


def error_stats(original: NDArray[Any], decoded: NDArray[Any],
                limits: tuple[float, float] | None = None,
                slab: int = SLAB_VALUES) -> dict[str, float]:
    """Errors of `decoded` against `original`, as ``zfp -s`` defines them.

    Parameters
    ----------
    original, decoded : numpy.ndarray
        Arrays of the same shape (any dtypes, any memory layouts); values are
        compared index by index in float64, about `slab` values at a time, so
        a memory-mapped original is never loaded whole.
    limits : tuple of float, optional
        (min, max) of `original`, when the caller already knows it (default:
        `value_range` computes it).
    slab : int
        About how many values to compare at a time.

    Returns
    -------
    dict
        ``max_error`` (largest absolute difference), ``rmse`` (root mean
        square difference), ``nrmse`` (RMSE / (max - min)) and ``psnr``
        (see `psnr`); each is NaN where a value of either array is NaN,
        and when there is no value to compare (every value of a masked
        array missing).
    """
    if original.shape != decoded.shape:
        raise ValueError(f"cannot compare arrays of shapes {original.shape} and "
                         f"{decoded.shape}: give the decoded array of the original")
    if original.size == 0:
        return dict(max_error=math.nan, rmse=math.nan, nrmse=math.nan, psnr=math.nan)
    if limits is None:
        limits = value_range(original)
    a = original.reshape((1,) + original.shape) if original.ndim == 0 else original
    b = decoded.reshape(a.shape)
    rows = max(1, slab // max(1, math.prod(a.shape[1:])))   # slabs along the first axis
    max_error = 0.0
    square_sum = 0.0
    for start in range(0, a.shape[0], rows):
        diff = (a[start:start + rows].astype(np.float64)
                - b[start:start + rows].astype(np.float64)).ravel()
        if diff.size:
            largest = float(np.max(np.abs(diff)))
            # a NaN stays, as in the RMSE: max() would drop it silently
            if not (largest <= max_error or math.isnan(max_error)):
                max_error = largest
            square_sum += float(np.dot(diff, diff))
    rmse = math.sqrt(square_sum / a.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        nrmse = float(np.float64(rmse) / (limits[1] - limits[0]))
    return dict(max_error=max_error, rmse=rmse, nrmse=nrmse, psnr=psnr(rmse, limits))
