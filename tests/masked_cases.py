"""Shared cases of the masked-codec tests: fields, masks, fill values and
modes, and the round-trip property every test checks."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

FILLS = (-1e10, -1e34, "nan")
MODES = {
    "fixed_accuracy": dict(tolerance=1e-2),
    "fixed_rate": dict(rate=16),
    "fixed_precision": dict(precision=24),
    "reversible": dict(mode="reversible"),
    "expert": dict(minbits=8, maxbits=16000, maxprec=30, minexp=-20),
}


def smooth(shape, dtype, seed=0, scale=30.0):
    """A smooth field of magnitude about `scale` (what zfp is for)."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 2.5, n) for n in shape], indexing="ij")
    values = sum(np.sin(g * (k + 1) + k) for k, g in enumerate(grids)) / len(shape)
    return ((values + rng.normal(0, 1e-3, shape)) * scale).astype(dtype)


def land_mask(shape, seed=0):
    """Missing values in smooth blobs (coasts cut blocks in any way)."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, rng.uniform(2, 6), n) for n in shape],
                        indexing="ij")
    return sum(np.cos(g + rng.uniform(0, 6)) for g in grids) > 0.3 * len(shape)


def with_missing(values, mask, fill):
    """`values` with `fill` (or NaN) where `mask` is set."""
    out = values.copy()
    out[mask] = np.nan if fill == "nan" else fill
    return out


def check_masked_round_trip(data, decoded, mask, bound):
    """Missing values bit for bit, valid values within `bound` (None: exact)."""
    assert decoded.dtype == data.dtype and decoded.shape == data.shape
    bits = f"u{data.dtype.itemsize}"
    np.testing.assert_array_equal(decoded.view(bits)[mask], data.view(bits)[mask])
    valid = ~mask
    if bound is None:
        np.testing.assert_array_equal(decoded.view(bits)[valid], data.view(bits)[valid])
    else:
        error = np.abs(decoded[valid].astype(np.float64) - data[valid].astype(np.float64))
        assert error.max(initial=0) <= bound, f"valid values off by {error.max()} > {bound}"


# random shapes of every rank, partial blocks included
shapes = st.integers(1, 4).flatmap(
    lambda rank: st.tuples(*[st.integers(1, 13 if rank < 4 else 6)] * rank))
