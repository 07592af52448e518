"""zfpcodec.metrics: the error measures of the command line and the benchmark
(the zfp program's own figures are compared in test_cli_zfp_interop.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zfpcodec.metrics import error_stats, psnr, value_range


def test_psnr_is_half_the_range_over_rmse_in_decibels():
    assert psnr(0.5, (-3.0, 7.0)) == pytest.approx(20 * math.log10(10.0 / (2 * 0.5)))
    assert psnr(0.5, (-3.0, 7.0)) == pytest.approx(20.0)
    assert psnr(0.0, (0.0, 1.0)) == math.inf
    assert math.isnan(psnr(0.0, (2.0, 2.0)))


@pytest.mark.parametrize("slab", [1, 7, 1 << 20])
def test_error_stats_compare_index_by_index_across_layouts_and_slabs(slab):
    rng = np.random.default_rng(5)
    original = rng.normal(size=(9, 6, 5)).astype(np.float32)
    decoded = np.asfortranarray(original + rng.normal(scale=1e-3, size=original.shape))
    reversed_view = decoded[::-1].copy()[::-1]        # same values, negative strides
    diff = decoded.astype(np.float64) - original
    rmse = float(np.sqrt(np.mean(diff ** 2)))
    span = float(original.max()) - float(original.min())
    for other in (decoded, reversed_view):
        stats = error_stats(original, other, slab=slab)
        assert stats["max_error"] == pytest.approx(np.abs(diff).max(), rel=1e-12)
        assert stats["rmse"] == pytest.approx(rmse, rel=1e-12)
        assert stats["nrmse"] == pytest.approx(rmse / span, rel=1e-12)
        assert stats["psnr"] == pytest.approx(20 * math.log10(span / (2 * rmse)), rel=1e-12)


@pytest.mark.parametrize("slab", [1, 7, 1 << 20])
def test_a_nan_makes_every_error_nan_in_any_slab(slab):
    """A NaN among the values is no error of 0: the maximum error, as the
    RMSE, is NaN wherever it falls (max() dropped it when it came after a
    larger error, or in a slab of its own)."""
    rng = np.random.default_rng(2)
    original = rng.normal(size=(6, 5, 4))
    for where in ((0, 0, 0), (3, 2, 1), (5, 4, 3)):
        decoded = original + 1e-3
        decoded[where] = np.nan
        stats = error_stats(original, decoded, slab=slab)
        assert math.isnan(stats["max_error"]) and math.isnan(stats["rmse"]), where


def test_error_stats_of_an_exact_round_trip_and_of_a_0d_array():
    arr = np.arange(24, dtype=np.int64).reshape(2, 3, 4)
    assert error_stats(arr, arr.copy()) == dict(max_error=0.0, rmse=0.0, nrmse=0.0,
                                                psnr=math.inf)
    stats = error_stats(np.array(1.5), np.array(1.0))
    assert stats["max_error"] == 0.5 and stats["rmse"] == 0.5


def test_error_stats_use_the_given_range():
    arr = np.linspace(0.0, 1.0, 50)
    stats = error_stats(arr, arr + 0.01, limits=(0.0, 10.0))
    assert stats["nrmse"] == pytest.approx(0.001)
    assert value_range(arr) == (0.0, 1.0)


def test_error_stats_refuse_arrays_of_different_shapes():
    with pytest.raises(ValueError, match=r"shapes \(4,\) and \(2, 2\)"):
        error_stats(np.zeros(4), np.zeros((2, 2)))
