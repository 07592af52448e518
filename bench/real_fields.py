"""Real arrays for the speed measurements, read from data packages.

Synthetic fields (`data.py`) are smooth where the generator made them so;
measured fields have their own texture: coastlines and trenches in
topography, fronts in winds.  These come from Debian's ferret-datasets
(``apt-get install ferret-datasets``), netCDF-3 files read with scipy, and
have no missing values (zfp would code fill values like data, which
bench/masked.py measures on its own).  A field whose package or reader is
missing is skipped with a message saying what to install.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

FERRET = Path("/usr/share/ferret-vis/data")  # Debian package ferret-datasets


@dataclass(frozen=True)
class RealField:
    """One real array: the file and variable it comes from, and its values
    as stored (native byte order)."""

    name: str
    source: str
    description: str
    values: np.ndarray


# name -> (file in ferret-datasets, variable, description)
FIELDS = {
    "topography2d": ("etopo5.cdf", "ROSE",
                     "ETOPO5 relief, 5' grid, metres (2161 x 4320)"),
    "winds3d": ("monthly_navy_winds.cdf", "UWND",
                "monthly zonal wind, m/s (132 months x 73 x 144)"),
}


def _read_netcdf3(path: Path, variable: str) -> np.ndarray:
    from scipy.io import netcdf_file

    with netcdf_file(path, "r", mmap=False) as f:
        values = f.variables[variable].data
        return values.astype(values.dtype.newbyteorder("="))


def load(name: str) -> RealField:
    """The field `name` (a key of FIELDS) whole.  Raises LookupError, with
    what to install, when its package or scipy is missing."""
    file, variable, description = FIELDS[name]
    path = FERRET / file
    if not path.exists():
        raise LookupError(f"{name}: {path} is missing (apt-get install ferret-datasets)")
    try:
        values = _read_netcdf3(path, variable)
    except ImportError as error:
        raise LookupError(f"{name}: scipy reads {file} ({error}; pip install scipy)") from None
    return RealField(name, f"ferret-datasets: {file} {variable}", description, values)


def window(values: np.ndarray, count: int) -> np.ndarray:
    """A contiguous central window of `values` holding at most about `count`
    elements, every axis cut by the same factor (the whole array when it
    is small enough), so that a size option scales real fields as it
    scales synthetic ones without changing their texture."""
    if values.size <= count:
        return values
    factor = (count / values.size) ** (1 / values.ndim)
    shape = [max(4, int(n * factor)) for n in values.shape]
    starts = [(n - m) // 2 for n, m in zip(values.shape, shape)]
    return np.ascontiguousarray(values[tuple(slice(s, s + m) for s, m in zip(starts, shape))])


def available(names: list[str] | None = None) -> tuple[list[RealField], list[str]]:
    """The loadable fields among `names` (default: all), and one message per
    field skipped."""
    fields, skipped = [], []
    for name in names or list(FIELDS):
        try:
            fields.append(load(name))
        except LookupError as error:
            skipped.append(str(error))
    return fields, skipped
