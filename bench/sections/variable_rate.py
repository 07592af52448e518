"""Section `varrate`: variable-rate decompression on two threads against
one, for every rank and on real fields, with the measuring pass's share
that bounds it.

A variable-rate stream stores no block offsets.  On two threads the engine
(csrc/guessed_split.c) has one thread decode from the first block while the
other parses blocks from a bit guessed part way in, and decodes the last
part once the first thread proves the two parses agree.  In 1-D, 2-D and
3-D lossy streams the second thread, after measuring a prefix, decodes its
blocks into a buffer of their own (up to 64 MiB), which the first stores on
the agreement; elsewhere it only measures them (reads them without
rebuilding values).
With D the one-thread decoding time and M the measuring time (m = M/D), an
ideal guess makes measuring two threads take D (1 + m) / (2 + m), so
`(2 + m) / (1 + m)` is the best measuring can show; the table prints it
beside the scaling measured, which decoding early passes.
"""

from __future__ import annotations

import time

import numpy as np

from common import mbps
from console import log
from harness import MIB, Bench

MODES = {"accuracy": dict(tolerance=1e-3), "precision": dict(precision=20),
         "reversible": {}}
DTYPES = ("float32", "float64")


def _best(call, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - t0)
    return best


def _arrays(bench: Bench) -> list[tuple[str, np.ndarray]]:
    size = max(bench.args.sizes)
    named = [(f"{rank}-D smooth", bench.dataset(f"smooth-{rank}d", dtype, nbytes=size * MIB)[0])
             for rank in (1, 2, 3, 4) for dtype in DTYPES]
    named += [(f"{field['name']} (real)", np.load(field["path"]))
              for field in bench.real_datasets(size * MIB)]
    return named


def run(bench: Bench) -> None:
    """One- and two-thread decompression and the measuring pass of each
    array in each variable-rate mode, in alternating rounds."""
    import zfpy

    from zfpcodec import engine
    cases = [(name, arr, mode, zfpy.compress_numpy(arr, **kwargs))
             for name, arr in _arrays(bench) for mode, kwargs in MODES.items()]
    times: dict[tuple[int, str], float] = {}
    calls = {"1": lambda s: zfpy.decompress_numpy(s, threads=1),
             "2": lambda s: zfpy.decompress_numpy(s, threads=2),
             "measure": engine.stream_bits}
    for r in range(bench.args.rounds):     # rounds outermost, as in `threads`
        for i, (_, _, _, stream) in enumerate(cases):
            for what, call in calls.items():
                t = _best(lambda: call(stream), bench.args.reps)
                times[i, what] = min(times.get((i, what), t), t)
        log(f"varrate: round {r + 1} of {bench.args.rounds} done")
    rows = []
    for i, (name, arr, mode, stream) in enumerate(cases):
        one, two, measure = times[i, "1"], times[i, "2"], times[i, "measure"]
        same = zfpy.decompress_numpy(stream, threads=2).tobytes() == \
            zfpy.decompress_numpy(stream).tobytes()
        rows.append({"array": name, "dtype": str(arr.dtype), "shape": list(arr.shape),
                     "mode": mode, "decomp_mbps_1": mbps(arr.nbytes, [one]),
                     "decomp_mbps_2": mbps(arr.nbytes, [two]), "scaling": one / two,
                     "measure_share": measure / one,
                     "bound": (2 + measure / one) / (1 + measure / one),
                     "same_values": same})
        log(f"varrate {name} {arr.dtype} {mode}: 2 threads {one / two:.2f}x one, "
            f"measure/decode {measure / one:.2f}")
        if not same:
            bench.results["mismatches"].append(
                {"case": f"varrate {name} {arr.dtype} {mode}", "kind": "thread-dependent values"})
    bench.results["varrate"] = rows
    bench.forget()
