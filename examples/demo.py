"""Compress a realistic 3-D field in every zfp mode; print ratio and error.

The field looks like a smooth atmospheric temperature cube (lapse rate with
height, planetary-scale waves, small-scale turbulence and sensor noise), the
kind of float64 data zfp is built for.  Needs no extra:

    pip install zfpcodec
    python examples/demo.py
"""

import time

import numpy as np

import zfpy


def temperature_field(nz: int = 64, ny: int = 128, nx: int = 256, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = np.linspace(0.0, 12.0, nz)[:, None, None]          # km
    lat = np.linspace(-np.pi / 2, np.pi / 2, ny)[None, :, None]
    lon = np.linspace(0.0, 2 * np.pi, nx, endpoint=False)[None, None, :]
    field = 288.0 - 6.5 * z - 30.0 * np.sin(lat) ** 2           # lapse rate, poles
    field = field + 4.0 * np.cos(3 * lon + 0.3 * z) * np.cos(lat)  # planetary waves
    # turbulence: a random field with a k^-5/3-like spectrum, then noise
    spectrum = np.fft.rfftn(rng.standard_normal((nz, ny, nx)))
    k = np.sqrt(sum(np.meshgrid(*(np.fft.fftfreq(n) ** 2 for n in (nz, ny)),
                                np.fft.rfftfreq(nx) ** 2, indexing="ij")))
    spectrum *= np.where(k > 0, k, 1.0) ** (-11.0 / 6.0)
    turbulence = np.fft.irfftn(spectrum, s=(nz, ny, nx), axes=(0, 1, 2))
    field = field + turbulence / turbulence.std()
    return field + 0.01 * rng.standard_normal(field.shape)


def main() -> None:
    field = temperature_field()
    print(f"field: {field.shape} float64, {field.nbytes / 1e6:.1f} MB, "
          f"range {field.min():.1f} .. {field.max():.1f} K")
    settings = [("reversible", {}), ("tolerance=1e-1", {"tolerance": 1e-1}),
                ("tolerance=1e-3", {"tolerance": 1e-3}), ("rate=8", {"rate": 8}),
                ("rate=16", {"rate": 16}), ("precision=24", {"precision": 24})]
    print(f"{'mode':>16} {'ratio':>8} {'bits/value':>10} {'max error':>11} "
          f"{'compress':>10} {'decompress':>11}")
    for name, kwargs in settings:
        start = time.perf_counter()
        stream = zfpy.compress_numpy(field, **kwargs)
        middle = time.perf_counter()
        restored = zfpy.decompress_numpy(stream)
        end = time.perf_counter()
        error = float(np.max(np.abs(restored - field)))
        mb = field.nbytes / 1e6
        print(f"{name:>16} {field.nbytes / len(stream):8.2f} {8 * len(stream) / field.size:10.2f} "
              f"{error:11.2e} {mb / (middle - start):7.0f} MB/s {mb / (end - middle):8.0f} MB/s")
        if "tolerance" in kwargs:
            assert error <= kwargs["tolerance"], "error bound violated"
        if not kwargs:
            assert np.array_equal(restored, field), "reversible mode must be lossless"


if __name__ == "__main__":
    main()
