"""The bound holds, or the user is told: the C engine's count of blocks
that break zfp's promise (NaN or +-inf in a lossy mode; in fixed accuracy,
a block whose range needs more bit planes than block floating point has),
checked against a plain NumPy statement of the rule and against the errors
the blocks really get (no block that breaks the bound goes uncounted); the
codecs' refusal (ZFP, ZFPCodec, the masked codecs) and its opt-out; and
`accuracy_holds`, the question the zfpy drop-in can ask without any change
to its own behaviour."""

from __future__ import annotations

import pickle
from contextlib import nullcontext

import numpy as np
import pytest
from hypothesis import given, strategies as st

import zfpy
from zfpcodec import MaskedZFP, ZFP, ZFPError, accuracy_holds, engine
from zfpcodec.modes import Mode

P = {np.float32: 32, np.float64: 64}
EBIAS = {np.float32: 127, np.float64: 1023}


def blocks_as_array(blocks: np.ndarray) -> np.ndarray:
    """(n, 4, ..., 4) blocks as one array whose 4^d tiles are those blocks."""
    return blocks.reshape((blocks.shape[0] * 4,) + blocks.shape[2:])


def reference_flags(blocks: np.ndarray,
                    minexp: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rule (zfpcodec.bound), block by block: (non-finite, too wide, out
    of scale) for the frexp exponent emax of the block's largest finite
    magnitude: too wide means emax - minexp + 2(d + 1) > P; out of scale,
    that block floating point cannot carry the block (its scale 2^(P-2-emax)
    overflows, for a block it codes, or emax is the top binade's); the two
    are exclusive, as are non-finite values and either."""
    d = blocks.ndim - 1
    p, ebias = P[blocks.dtype.type], EBIAS[blocks.dtype.type]
    flat = blocks.reshape(blocks.shape[0], -1).astype(np.float64)
    nonfinite = ~np.isfinite(flat).all(axis=1)
    largest = np.abs(np.where(np.isfinite(flat), flat, 0)).max(axis=1)
    emax = np.frexp(largest)[1].astype(np.int64)
    planes = emax - minexp + 2 * d + 2
    coded = ~nonfinite & (largest > 0) & (planes > 0)
    scale = coded & ((p - 2 - emax > ebias) | (emax > ebias))
    wide = coded & ~scale & (planes > p)
    return nonfinite, wide, scale


def random_blocks(rng, dtype, d, n, kind):
    size = 4 ** d
    if kind == "binades":        # magnitudes spread over dozens of binades
        v = np.ldexp(rng.uniform(0.5, 1, (n, size)), rng.integers(-60, 1, (n, size)))
    elif kind == "one huge":     # a fill value among ordinary values
        v = rng.uniform(-1, 1, (n, size))
        v[np.arange(n), rng.integers(0, size, n)] *= 2.0 ** rng.integers(0, 70, n)
    elif kind == "zeros and NaN":  # blocks of +-0 where some hold NaN: empty to zfp
        v = np.zeros((n, size))
        hit = np.nonzero(rng.random(n) < 0.5)[0]
        v[hit, rng.integers(0, size, len(hit))] = np.nan
    else:                        # smooth
        v = np.cumsum(rng.standard_normal((n, size)), axis=1)
    v *= rng.choice([-1, 1], (n, size))
    v = np.ldexp(v, rng.integers(-30, 30, (n, 1))).astype(dtype)
    if kind == "non-finite":
        hit = rng.random((n, size)) < 0.01
        v[hit] = rng.choice([np.nan, np.inf, -np.inf], int(hit.sum()))
    return v.reshape((n,) + (4,) * d)


@given(dtype=st.sampled_from([np.float32, np.float64]), d=st.integers(1, 4),
       kind=st.sampled_from(["binades", "one huge", "smooth", "non-finite",
                             "zeros and NaN"]),
       minexp=st.integers(-40, 10), seed=st.integers(0, 2**32 - 1),
       threads=st.sampled_from([1, 3]))
def test_engine_counts_follow_the_rule_and_miss_no_block_that_breaks_the_bound(
        dtype, d, kind, minexp, seed, threads):
    rng = np.random.default_rng(seed)
    blocks = random_blocks(rng, dtype, d, 2048 // 4 ** (d - 1), kind)
    mode = Mode.from_args(tolerance=2.0 ** minexp)  # the tightest tolerance for minexp
    arr = blocks_as_array(blocks)
    stream, counts = engine.compress_report(arr, mode, header=False, threads=threads)
    nonfinite, wide, scale = reference_flags(blocks, minexp)
    assert counts == (nonfinite.sum(), wide.sum(), scale.sum())
    assert stream == engine.compress(arr, mode, header=False)  # the report changes no bit
    back = engine.decompress(stream, dtype=arr.dtype, shape=arr.shape, mode=mode)
    error = np.abs(back.astype(np.float64) - arr.astype(np.float64)).reshape(len(blocks), -1)
    with np.errstate(invalid="ignore"):
        broken = ~(error <= 2.0 ** minexp).all(axis=1)  # NaN errors break it too
    missed = broken & ~(nonfinite | wide | scale)
    assert not missed.any(), f"blocks {np.nonzero(missed)[0][:5]} broke the bound unflagged"


def test_the_rule_flags_from_where_the_planes_run_out():
    """float32, 1-D, tolerance 2^-10: up to emax 18 the 18 + 10 + 4 planes
    fit 32 bits, and the bound holds; from emax 19 the block is flagged;
    by emax 24 the integers' step 2^(emax - 30) is 16 times the tolerance
    and small values beside the large one are lost."""
    tolerance = 2.0 ** -10
    for emax in range(14, 26):
        block = np.array([2.0 ** emax * 0.75, 0.003, -0.0027, 0.0019], dtype=np.float32)
        report = accuracy_holds(block, tolerance)
        assert report.range_blocks == (emax >= 19), emax
        codec = ZFP(tolerance=tolerance, strict=False)
        error = np.abs(codec.decode(codec.encode(block)) - block).max()
        if emax < 19:
            assert error <= tolerance, (emax, error)
        if emax >= 24:
            assert error > tolerance, (emax, error)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_empty_blocks_are_flagged_exactly_when_they_hold_nan(dtype, d):
    """Blocks of +0 and -0 are empty to zfp (one 0 bit); a NaN among them
    leaves the block empty (NaN never enters the maximum) but decodes as 0,
    so it must be counted, and -0.0's sign bit alone must not be."""
    size = 4 ** d
    blocks = np.zeros((size + 2, size), dtype=dtype)
    blocks[:size, :][np.arange(size), np.arange(size)] = np.nan  # NaN at each place
    blocks[size] = -0.0                                           # signed zeros only
    blocks[:, 1::2] *= -1
    arr = blocks_as_array(blocks.reshape((size + 2,) + (4,) * d))
    for mode in (Mode.from_args(tolerance=1e-3), Mode.from_args(rate=8),
                 Mode.from_args(precision=20)):
        _, counts = engine.compress_report(arr, mode, header=False)
        assert counts == (size, 0, 0), (mode, counts)


def test_integer_blocks_are_flagged_beyond_zfps_range_or_spanning_it_never_reversible():
    # the range's ends, each in a block of its own, and spans 17 short of it
    inside = np.array([0, 2**30 - 1, 5, 7, -2**30, 1, 2, 3, -2**30, 2**30 - 18, 0, 0,
                       -2**30 + 17, 2**30 - 1, 0, 0], dtype=np.int32)
    assert engine.compress_report(inside, Mode.from_args(rate=4))[1] == (0, 0, 0)
    for low, high in ((-2**30, 2**30 - 1), (-2**30 + 15, 2**30 - 16)):
        spanning = np.array([low, 0, 0, 0] * 3 + [high, 1, 1, 1], dtype=np.int32)
        spanning[2] = high  # one of the four blocks holds both
        assert engine.compress_report(spanning, Mode.from_args(rate=4))[1] == (0, 1, 0)
    for dtype, bits in ((np.int32, 30), (np.int64, 62)):
        beyond = np.zeros((3, 4, 4), dtype)    # 4 2-D blocks of 4x4 ... 3 blocks in 3-D
        beyond[0, 0, 0], beyond[2, 3, 3] = 2**bits, -(2**bits) - 1
        assert engine.compress_report(beyond, Mode.from_args(precision=20))[1] == (0, 1, 0)
        assert engine.compress_report(beyond.reshape(12, 4), Mode.from_args(rate=8))[1] == \
            (0, 2, 0)
        assert engine.compress_report(beyond, Mode.from_args())[1] == (0, 0, 0)
    floats = np.array([np.nan, np.inf, 1e30, 1.0] * 4)
    assert engine.compress_report(floats, Mode.from_args())[1] == (0, 0, 0)
    assert engine.compress_report(floats, Mode.from_args(rate=8))[1] == (4, 0, 0)
    # huge but below the top binade: no scale flag (range counts in every
    # lossy mode, and matters in fixed accuracy only)
    counts = engine.compress_report(np.array([1e300, 1.0] * 8), Mode.from_args(rate=8))[1]
    assert counts[0] == counts[2] == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", [Mode.from_args(rate=16), Mode.from_args(precision=24),
                                  Mode.from_args(tolerance=2.0 ** -1074)],
                         ids=["rate", "precision", "accuracy"])
def test_magnitudes_out_of_block_floating_points_scale_are_flagged(dtype, mode):
    """Blocks whose values are all below 2^(P-2-EBIAS-1) (where zfp's scale
    factor overflows and it codes garbage) and blocks that reach the top
    binade (whose values can decode as +-inf) are counted in every lossy
    mode, and the codecs refuse them with their own words; the binades
    next to them are not (a tiny value coded beside a normal one is fine)."""
    p, ebias = P[dtype], EBIAS[dtype]
    rng = np.random.default_rng(1)
    shape = (64, 8)
    tiny_top = np.ldexp(rng.uniform(0.5, 1, shape), p - 2 - ebias - 1)   # below 2^(P-2-EBIAS-1)
    tiny_ok = np.ldexp(rng.uniform(0.5, 1, shape), p - 2 - ebias)
    top = np.ldexp(rng.uniform(0.99, 1, shape), ebias + 1)                # [2^EBIAS, 2^(EBIAS+1))
    below_top = np.ldexp(rng.uniform(0.5, 1, shape), ebias)
    below_top *= rng.choice([-1, 1], shape)
    for values, flagged in [(tiny_top, True), (top * rng.choice([-1, 1], shape), True),
                            (tiny_ok, False), (below_top, False)]:
        arr = values.astype(dtype)
        assert np.isfinite(arr).all()
        stream, counts = engine.compress_report(arr, mode)
        assert counts[:2] == (0, 0) or not flagged
        assert counts[2] == (32 if flagged else 0), (arr.flat[0], counts)
        if flagged:
            with pytest.raises(ZFPError, match="block floating point cannot scale"):
                ZFP.from_mode(mode).encode(arr)
        elif counts == (0, 0, 0):
            ZFP.from_mode(mode).encode(arr)
    # what the flags are for: garbage, and infinities
    back = engine.decompress(engine.compress(tiny_top.astype(dtype), mode))
    assert (np.abs(back - tiny_top.astype(dtype)) > np.abs(tiny_top.astype(dtype))).any()
    largest = np.finfo(dtype).max
    block = np.array([largest, -largest, largest, largest], dtype)
    loose = Mode.from_args(tolerance=float(largest) / 2 ** 16)
    assert engine.compress_report(block, loose)[1] == (0, 0, 1)
    assert np.isinf(engine.decompress(engine.compress(block, loose))).all()


# --------------------------------------------------------------------------
# the codecs refuse, and say why and what to do

def issue_cases():
    """The issue's table (fixed accuracy, tolerance 0.1)."""
    fill32 = np.full((4, 4), 20.0, dtype=np.float32)
    fill32[0, 0] = -1e10
    huge64 = np.full((4, 4), 20.0)
    huge64[1, 1] = 1e30
    nan64 = np.full((4, 4), 20.0)
    nan64[2, 2] = np.nan
    inf64 = np.full((4, 4), 20.0)
    inf64[3, 3] = np.inf
    return [(fill32, "dynamic range"), (huge64, "dynamic range"), (nan64, "NaN or \\+-inf"),
            (inf64, "NaN or \\+-inf")]


@pytest.mark.parametrize("data,found", issue_cases())
def test_zfp_refuses_the_issues_cases_naming_the_problem_and_the_fix(data, found):
    with pytest.raises(ZFPError, match=found) as caught:
        ZFP(tolerance=0.1).encode(data)
    assert "MaskedZFP" in str(caught.value) and "reversible" in str(caught.value)
    assert caught.value.status == "bound"
    stored = ZFP(tolerance=0.1, strict=False).encode(data)
    assert stored == zfpy.compress_numpy(data, tolerance=0.1)  # zfpy's bytes, unchanged
    assert not zfpy.accuracy_holds(data, 0.1).holds


@pytest.mark.parametrize("kwargs", [dict(rate=16), dict(precision=20),
                                    dict(minbits=8, maxbits=2000, maxprec=40, minexp=-30)])
def test_non_finite_values_are_refused_in_every_lossy_mode(kwargs):
    data = np.linspace(0, 1, 64).reshape(8, 8)
    data[5, 5] = np.nan
    with pytest.raises(ZFPError, match="NaN or \\+-inf"):
        ZFP(**kwargs).encode(data)
    ZFP(**kwargs, strict=False).encode(data)
    wide = np.linspace(0, 1, 64).reshape(8, 8)
    wide[0, 0] = 1e30  # range only matters to fixed accuracy
    ZFP(**kwargs).encode(wide)


def test_reversible_mode_and_integers_store_anything():
    data = np.array([np.nan, np.inf, -np.inf, 1e300, 1e-300, -0.0, 3.0, 5.0])
    codec = ZFP(reversible=True)
    np.testing.assert_array_equal(codec.decode(codec.encode(data)).view("u8"), data.view("u8"))
    ints = np.arange(-50, 50, dtype=np.int64) * 10**12
    ZFP(reversible=True).encode(ints)
    report = accuracy_holds(ints, 1e-3)
    assert not report.holds and "does not bound errors of int64" in report.problems[0]


@pytest.mark.parametrize("kwargs", [dict(precision=32), dict(rate=16),
                                    dict(minbits=1, maxbits=512, maxprec=32, minexp=-1074)])
def test_integers_beyond_zfps_range_are_refused_in_lossy_modes(kwargs):
    """zfp takes integers in [-2^(P-2), 2^(P-2)): its transform can wrap the
    others, and -2^31 beside small int32 values came back as 2^31 - 1
    (zfpy the same).  The codecs refuse; a fill value named as missing
    keeps them out of zfp; the zfpy drop-in stores it, as zfpy does, and
    accuracy_holds says why not."""
    data = np.array([0, 1, 2, 3, -2**31, 5, 6, 7], dtype=np.int32)
    with pytest.raises(ZFPError, match=r"1 of 2 blocks hold int32 values outside zfp's "
                                       r"integer range \[-2\^30, 2\^30\).*sign flipped.*"
                                       r"missing= naming it"):
        ZFP(**kwargs).encode(data)
    masked = MaskedZFP(**kwargs, missing=-2**31)
    back = masked.decode(masked.encode(data))
    assert back[4] == -2**31 and np.abs(back - data).max() <= 2
    assert zfpy.decompress_numpy(zfpy.compress_numpy(data, precision=32))[4] > 0
    assert "outside zfp's integer range" in accuracy_holds(data, 1.0).problems[0]
    edges = np.array([-2**62, 0, 0, 5, 2**62 - 1, 0, 0, 5], dtype=np.int64)
    ZFP(**kwargs).encode(edges)           # the range's ends are in it, in blocks of their own
    ZFP(reversible=True).encode(np.array([-2**63, 2**63 - 1]))   # lossless takes anything


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_a_block_spanning_zfps_whole_integer_range_is_refused(dtype):
    """-2^(P-2) beside 2^(P-2) - 1, both inside the range zfp documents,
    wrap in its lossy transform: zfpy (and our drop-in, byte for byte)
    decodes this 2-D block with a value 2^(P-1) off, at every precision.
    The codecs refuse it."""
    bits = 8 * np.dtype(dtype).itemsize - 2
    high = np.array([[0, 1, 1, 1], [0, 0, 1, 1], [0, 1, 0, 1], [0, 1, 1, 0]], dtype=bool)
    block = np.where(high, dtype(2**bits - 1), dtype(-2**bits))
    for kwargs in (dict(precision=bits + 2), dict(rate=bits + 2), dict(tolerance=1.0)):
        back = zfpy.decompress_numpy(zfpy.compress_numpy(block, **kwargs))
        assert np.abs(back.astype(object) - block.astype(object)).max() == 2**(bits + 1)
        with pytest.raises(ZFPError, match=f"1 of 1 blocks hold {np.dtype(dtype).name} values "
                                           "outside zfp's integer range .* or within 16 of "
                                           "both its ends: .*sign flipped"):
            ZFP(**kwargs).encode(block)
    assert "within 16 of both its ends" in accuracy_holds(block, 1.0).problems[0]


def test_every_codec_refuses_integers_in_fixed_accuracy():
    """zfp's fixed accuracy does not bound integers' errors: it codes all
    their bit planes, and its lossy transform leaves errors of a few units
    whatever the tolerance (zfpy: 1 on these values at tolerance 1e-3).
    The codecs refuse, as the Zarr v3 codecs do; strict=False stores them
    as zfpy and numcodecs do."""
    data = np.r_[np.arange(20) * 7 + 2**20, -9999].astype(np.int32)
    back = zfpy.decompress_numpy(zfpy.compress_numpy(data, tolerance=1e-3))
    assert np.abs(back[:20].astype(np.int64) - data[:20]).max() > 1e-3
    fix = "fixed accuracy does not bound errors of int32.*Fix: use fixed precision or fixed rate"
    with pytest.raises(ZFPError, match=fix):
        ZFP(tolerance=1e-3).encode(data)
    with pytest.raises(ZFPError, match=fix):
        MaskedZFP(tolerance=1e-3, missing=-9999).encode(data)
    assert ZFP(tolerance=1e-3, strict=False).encode(data) == \
        zfpy.compress_numpy(data, tolerance=1e-3)
    MaskedZFP(tolerance=1e-3, missing=-9999, strict=False).encode(data)
    MaskedZFP(precision=32, missing=-9999).encode(data)


def test_strict_is_neither_config_nor_equality_but_survives_pickle_and_repr():
    loose = ZFP(tolerance=0.1, strict=False)
    assert loose == ZFP(tolerance=0.1) and loose.get_config() == ZFP(tolerance=0.1).get_config()
    assert repr(loose) == "ZFP(tolerance=0.1, strict=False)"
    assert pickle.loads(pickle.dumps(loose)).strict is False
    assert pickle.loads(pickle.dumps(MaskedZFP(strict=False))).strict is False


def test_zarr_v3_codec_refuses_a_chunk_with_nan(tmp_path):
    zarr = pytest.importorskip("zarr")
    from zfpcodec.zarr3 import MaskedZFPCodec, ZFPCodec

    data = np.linspace(0, 1, 256).reshape(16, 16)
    data[3, 4] = np.nan
    strict = zarr.create_array(tmp_path / "a.zarr", shape=data.shape, chunks=(8, 8),
                               dtype=data.dtype, serializer=ZFPCodec(rate=16),
                               compressors=None)
    with pytest.raises(ZFPError, match="ZFPCodec refuses"):
        strict[...] = data
    masked = zarr.create_array(tmp_path / "b.zarr", shape=data.shape, chunks=(8, 8),
                               dtype=data.dtype, serializer=MaskedZFPCodec(rate=16),
                               compressors=None)
    masked[...] = data
    assert np.isnan(masked[3, 4]) and np.isfinite(np.delete(masked[...].ravel(), 3 * 16 + 4)).all()


def test_the_masked_codec_refuses_valid_values_too_wide_for_the_tolerance():
    data = np.array([1e10, 1.0, 2.0, np.nan], dtype=np.float32)
    with pytest.raises(ZFPError, match="larger tolerance") as caught:
        MaskedZFP(tolerance=1e-3).encode(data)
    assert "MaskedZFP refuses" in str(caught.value) and "NaN" not in str(caught.value)
    MaskedZFP(tolerance=1e-3, strict=False).encode(data)
    MaskedZFP(tolerance=1e-3, missing=1e10).encode(data)  # a fill value, once named


def test_accuracy_holds_on_ordinary_data():
    data = np.sin(np.linspace(0, 20, 4096)).reshape(16, 16, 16).astype(np.float32)
    report = zfpy.accuracy_holds(data, 1e-4)
    assert report.holds and report.blocks == 64 and report.problems == []
    assert report.nonfinite_blocks == report.range_blocks == 0
