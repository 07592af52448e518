"""Section `grid`: every type (int32, int64, float32, float64) x rank 1-4 x
mode (reversible, accuracy, rate 4/8/16, precision) on smooth, noisy and
sparse fields, one thread, ours against zfpy 1.0.1 (bytes checked equal).

zfpy 1.0.1 has no expert mode (its `compress_numpy` takes a tolerance, a
rate or a precision), so expert streams have no peer to time here; an
expert block does the work of the mode its parameters resemble.

The grid's calls are short (0.1-5 ms): each side makes WARMUP untimed
calls before its timed ones, every round.  With one, the timed calls of
small cells still ran slower than later ones would (the allocator's first
results fault their pages in; caches and branch predictors still hold the
other side's work), and ratios of the same cell moved by up to 1.7x from run
to run; with five, two runs agree within a few percent."""

from __future__ import annotations

import data
from harness import MIB, Bench
from sections.single import one_case

# untimed calls before each side's timed ones, every round (see above)
WARMUP = 5

GRID_DTYPES = ("int32", "int64", "float32", "float64")
GRID_MODES = (("reversible", None), ("accuracy", 1e-3), ("rate", 4.0), ("rate", 8.0),
              ("rate", 16.0), ("precision", 20))


def run(bench: Bench) -> None:
    """Every cell of the grid, at a quarter of the single-thread size (the
    grid has 288 cells)."""
    rows = []
    for kind in data.GRID_KINDS:
        for rank in (1, 2, 3, 4):
            name = data.grid_name(kind, rank)
            for dtype in GRID_DTYPES:
                arr, path = bench.dataset(name, dtype,
                                          nbytes_f64=bench.args.single_mb * MIB / 4)
                rows += [one_case(bench, arr, path, name, mode, param, section="grid",
                                  warmup=WARMUP)
                         for mode, param in GRID_MODES]
        bench.forget()
    bench.results["grid"] = rows
