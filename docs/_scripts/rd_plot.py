"""Draw docs/_static/rate_distortion.png: what each zfp mode buys, in bits
per value against accuracy, measured on a real compression of a 3-D field.

    python docs/_scripts/rd_plot.py        (needs matplotlib: the docs extra)

The field, 64^3 float64 values, is a smooth large-scale pattern with a
turbulent plume (a Kolmogorov k^-5/3 spectrum) in one part of it: data whose
roughness varies from place to place, which is where the modes differ.
Every point is one call of `zfpcodec.engine.compress` and `decompress`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from zfpcodec.engine import compress, decompress  # noqa: E402
from zfpcodec.modes import Mode  # noqa: E402

OUTPUT = Path(__file__).resolve().parent.parent / "_static" / "rate_distortion.png"
SHAPE = (64, 64, 64)
SETTINGS = {
    "fixed rate (rate = bits/value)": [Mode.from_args(rate=r)
                                       for r in (1, 2, 4, 6, 8, 12, 16, 24, 32)],
    "fixed precision (bit planes)": [Mode.from_args(precision=p)
                                     for p in (4, 8, 12, 16, 20, 24, 32, 40, 48)],
    "fixed accuracy (tolerance)": [Mode.from_args(tolerance=10.0**-e) for e in range(1, 13)],
}


def field(seed: int = 0) -> NDArray[np.float64]:
    """A smooth pattern plus a plume of k^-5/3 turbulence, values of order 1."""
    rng = np.random.default_rng(seed)
    z, y, x = np.meshgrid(*(np.linspace(0, 1, n) for n in SHAPE), indexing="ij")
    smooth = np.sin(6 * x) * np.cos(4 * y) + 2 * z
    k = np.sqrt(sum(np.meshgrid(*(np.fft.fftfreq(n) ** 2 for n in SHAPE[:2]),
                                np.fft.rfftfreq(SHAPE[2]) ** 2, indexing="ij")))
    spectrum = np.fft.rfftn(rng.standard_normal(SHAPE)) * np.where(k > 0, k, 1.0) ** (-11 / 6)
    turbulence = np.fft.irfftn(spectrum, s=SHAPE, axes=(0, 1, 2))
    plume = np.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2 + (z - 0.3) ** 2) / 0.02)
    return smooth + 0.3 * plume * turbulence / turbulence.std()


def measure(values: NDArray[np.float64], mode: Mode) -> tuple[float, float, float]:
    """(bits per value, PSNR in dB, maximum absolute error) of one mode."""
    stream = compress(values, mode)
    error = decompress(stream) - values
    value_range = float(values.max() - values.min())
    rmse = float(np.sqrt(np.mean(error**2)))
    return 8 * len(stream) / values.size, 20 * np.log10(value_range / rmse), float(
        np.abs(error).max())


def main() -> None:
    values = field()
    figure, (psnr_axes, error_axes) = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, modes in SETTINGS.items():
        bits, psnr, max_error = zip(*(measure(values, mode) for mode in modes))
        psnr_axes.plot(bits, psnr, marker="o", label=label)
        error_axes.semilogy(bits, max_error, marker="o", label=label)
    lossless = 8 * len(compress(values, Mode.from_args(reversible=True))) / values.size
    for axes in (psnr_axes, error_axes):
        axes.axvline(lossless, color="grey", linestyle="--",
                     label=f"reversible (lossless): {lossless:.1f} bits/value")
        axes.set_xlabel("bits per value (64 uncompressed)")
        axes.set_xlim(0, lossless + 4)
        axes.grid(alpha=0.3)
    psnr_axes.set_ylabel("PSNR (dB), higher is better")
    error_axes.set_ylabel("maximum absolute error, lower is better")
    psnr_axes.legend(fontsize=8, loc="lower right")
    figure.suptitle(f"zfp modes on a {'x'.join(map(str, SHAPE))} float64 field "
                    "(smooth pattern + turbulent plume)", fontsize=11)
    figure.tight_layout()
    figure.savefig(OUTPUT, dpi=100)
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
