"""Synthetic fields that look like real science, made deterministically.

Every generator takes a shape and returns float64 values of unit-ish scale
(standard deviation about 1), always the same for the same shape: the
orchestrator writes them once to .npy files that both sides of the
benchmark read.  `as_dtype` makes the other types (integers:
the field quantised to 1e-4, like a sensor's counts).
"""

from __future__ import annotations

import math

import numpy as np

SEED = 20240601
INT_SCALE = 1e4     # integer variants = round(field * INT_SCALE)
NOISE = 1e-3        # white noise added to the smooth fields (instrument noise)


def _rng(tag: str) -> np.random.Generator:
    return np.random.default_rng([SEED, sum(map(ord, tag))])


def _spectral_field(shape: tuple[int, ...], exponent: float, tag: str) -> np.ndarray:
    """Gaussian random field whose amplitude spectrum falls as |k|**-exponent
    (white noise shaped in Fourier space), scaled to unit variance."""
    noise = _rng(tag).standard_normal(shape)
    spec = np.fft.rfftn(noise)
    k2 = np.zeros(spec.shape)
    for axis, n in enumerate(shape):
        freqs = np.fft.rfftfreq(n) if axis == len(shape) - 1 else np.fft.fftfreq(n)
        view = [1] * len(shape)
        view[axis] = len(freqs)
        k2 = k2 + (freqs.reshape(view) * n) ** 2   # integer wavenumbers
    k2.flat[0] = 1.0
    spec *= k2 ** (-exponent / 2)
    spec.flat[0] = 0.0
    field = np.fft.irfftn(spec, s=shape)
    return field / field.std()


def smooth3d(shape: tuple[int, int, int]) -> np.ndarray:
    """A temperature-like field: large smooth structures (a vertical
    gradient, a few warm and cold blobs, a wave) plus instrument noise."""
    nz, ny, nx = shape
    z = np.linspace(0, 1, nz).reshape(-1, 1, 1)
    y = np.linspace(0, 1, ny).reshape(1, -1, 1)
    x = np.linspace(0, 1, nx).reshape(1, 1, -1)
    f = 1.5 * (0.5 - z) + 0.3 * np.sin(2 * math.pi * (2 * x + y)) * np.cos(math.pi * z)
    rng = _rng("smooth3d-blobs")
    for _ in range(6):
        cz, cy, cx = rng.random(3)
        w = 0.05 + 0.15 * rng.random()
        f = f + rng.uniform(-1, 1) * np.exp(-((z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2)
                                            / (2 * w * w))
    f = f + NOISE * _rng("smooth3d-noise").standard_normal(shape)
    return f / f.std()


def turbulence3d(shape: tuple[int, int, int]) -> np.ndarray:
    """One velocity component of isotropic turbulence: a random field with
    the Kolmogorov energy spectrum E(k) ~ k**(-5/3), i.e. amplitudes
    ~ k**(-11/6) in three dimensions."""
    return _spectral_field(shape, 11 / 6, "turbulence3d")


def image2d(shape: tuple[int, int]) -> np.ndarray:
    """A terrain-like image: a fractal surface (amplitude ~ k**-1.5, like
    natural elevation) cut by a fault (a step) and a river valley."""
    ny, nx = shape
    f = _spectral_field(shape, 1.5, "image2d")
    y = np.linspace(0, 1, ny).reshape(-1, 1)
    x = np.linspace(0, 1, nx).reshape(1, -1)
    f = f + 0.8 * (x + 0.3 * y > 0.6)                          # fault scarp
    f = f - 1.2 * np.exp(-((y - 0.4 - 0.1 * np.sin(6 * x)) / 0.02) ** 2)  # valley
    f = f + NOISE * _rng("image2d-noise").standard_normal(shape)
    return (f - f.mean()) / f.std()


def series1d(shape: tuple[int]) -> np.ndarray:
    """A sensor time series: a slow random walk, daily and yearly cycles
    (one sample a minute) and measurement noise."""
    (n,) = shape
    rng = _rng("series1d")
    t = np.arange(n, dtype=np.float64)
    walk = np.cumsum(rng.standard_normal(n)) * 0.01
    cycles = np.sin(2 * math.pi * t / 1440) + 0.5 * np.sin(2 * math.pi * t / 525600)
    f = walk + cycles + 0.02 * rng.standard_normal(n)
    return (f - f.mean()) / f.std()


def smooth(shape: tuple[int, ...]) -> np.ndarray:
    """Any rank: a smooth random field (amplitudes ~ k**-2.5) plus
    instrument noise."""
    tag = f"smooth-{len(shape)}d"
    f = _spectral_field(shape, 2.5, tag) + NOISE * _rng(tag + "-noise").standard_normal(shape)
    return f / f.std()


def noisy(shape: tuple[int, ...]) -> np.ndarray:
    """Any rank: white noise, the hardest case for zfp's transform (every
    coefficient significant down to the last planes)."""
    return _rng(f"noisy-{len(shape)}d").standard_normal(shape)


def sparse(shape: tuple[int, ...]) -> np.ndarray:
    """Any rank: zeros but for a noisy box a quarter of each axis wide (at
    least one block) in the middle, like a simulation's active region or an
    object in a scan's background: most blocks are all zero."""
    f = np.zeros(shape)
    box = tuple(slice((n - max(n // 4, 4)) // 2, (n - max(n // 4, 4)) // 2 + max(n // 4, 4))
                for n in shape)
    f[box] = _rng(f"sparse-{len(shape)}d").standard_normal(f[box].shape)
    return f


# the fields of the benchmark's grid (every type, rank and mode): one kind
# per way zfp's work differs (few planes, every plane, mostly empty blocks)
GRID_KINDS = {"smooth": smooth, "noisy": noisy, "sparse": sparse}
GRID_DESCRIPTION = {"smooth": "smooth random field (k^-2.5) + 1e-3 noise",
                    "noisy": "white noise", "sparse": "zeros but a noisy central box"}

GENERATORS = {"smooth3d": smooth3d, "turbulence3d": turbulence3d,
              "image2d": image2d, "series1d": series1d}
RANK = {"smooth3d": 3, "turbulence3d": 3, "image2d": 2, "series1d": 1}
DESCRIPTION = {
    "smooth3d": "smooth 3-D temperature-like field + 1e-3 noise",
    "turbulence3d": "3-D turbulence velocity, Kolmogorov k^-5/3 spectrum",
    "image2d": "2-D terrain image: fractal surface, fault, valley, noise",
    "series1d": "1-D sensor series: random walk + daily/yearly cycles + noise",
}
for _kind, _make in GRID_KINDS.items():
    for _rank in (1, 2, 3, 4):
        GENERATORS[f"{_kind}-{_rank}d"] = _make
        RANK[f"{_kind}-{_rank}d"] = _rank
        DESCRIPTION[f"{_kind}-{_rank}d"] = f"{_rank}-D {GRID_DESCRIPTION[_kind]}"


def grid_name(kind: str, rank: int) -> str:
    """The generator name of a grid field: `kind` ("smooth", "noisy",
    "sparse") in `rank` dimensions."""
    return f"{kind}-{rank}d"


def shape_for(rank: int, nbytes: float, itemsize: int) -> tuple[int, ...]:
    """A near-cubic shape of `rank` axes holding about `nbytes` bytes."""
    count = max(int(nbytes // itemsize), 64)
    side = round(count ** (1 / rank))
    if rank == 1:
        return (count,)
    if rank == 2:
        return (side, max(count // side, 1))
    if rank == 3:
        return (side, side, max(count // (side * side), 1))
    return (side, side, side, max(count // side**3, 1))


def as_dtype(field: np.ndarray, dtype: str) -> np.ndarray:
    """The field in `dtype`: floats by casting, integers as
    round(field * 1e4)."""
    if dtype in ("int32", "int64"):
        return np.round(field * INT_SCALE).astype(dtype)
    return field.astype(dtype)
