"""Section `peers`: every codec on synthetic fields and on the real datasets
the peer worker exported, reversible and at an absolute error bound."""

from __future__ import annotations

import numpy as np

import data
from common import mbps, run_case
from console import log
from harness import MIB, Bench
from ours import NumpyCopy, Ours


def run(bench: Bench) -> None:
    """Every codec on every dataset: reversible, and an absolute error
    bound of about 1e-4 of the value range (a power of ten)."""
    rows = []
    sets = peer_datasets(bench)
    for ds in sets:
        arr = np.load(ds["path"])
        span = float(arr.max() - arr.min())
        modes = [("reversible", None)]
        if arr.dtype.kind == "f":
            modes.append(("accuracy", 10.0 ** round(np.log10(span * 1e-4))))
        copy = run_case(NumpyCopy(arr), arr, reps=bench.args.reps * bench.args.rounds,
                        metrics=False)
        rows.append({"dataset": ds["name"], "mode": "-", "param": None,
                     "codec": "numpy copy", "raw_bytes": arr.nbytes,
                     "comp_mbps": mbps(arr.nbytes, copy["comp_s"]),
                     "decomp_mbps": mbps(arr.nbytes, copy["decomp_s"])})
        for mode, param in modes:
            specs = [(c, dict(codec=c, mode=mode, param=param))
                     for c in ("zfpy", "numcodecs", "imagecodecs", "hdf5plugin")]
            if mode == "accuracy":
                specs += [(c, dict(codec=c, mode=mode, param=param))
                          for c in ("blosc2", "sz3", "sperr", "lerc")]
            res = bench.duel(arr, ds["path"], Ours(mode, param), specs)
            for label, entry in res.items():
                row = {"dataset": ds["name"], "mode": mode, "param": param,
                       "codec": "zfpcodec" if label == "ours" else label,
                       "raw_bytes": arr.nbytes, **{k: v for k, v in entry.items()
                                                   if not k.endswith("_s")}}
                if label != "ours":
                    row["same_as_ours"] = bench.check_same(
                        f"{ds['name']} {mode} {param} ({label})", res["ours"], entry,
                        alarm=label == "zfpy")
                rows.append(row)
            log(f"peers {ds['name']} {mode}: " + ", ".join(
                f"{k} {v['comp_mbps']:.0f}" for k, v in res.items() if "comp_mbps" in v)
                + " MB/s")
    bench.results["datasets"] = [{k: v for k, v in d.items() if k != "path"} for d in sets]
    bench.results["peers"] = rows
    bench.forget()


def peer_datasets(bench: Bench) -> list[dict]:
    """The synthetic fields at the single-thread size, the real fields of
    real_fields.py (windows of the same size), then the real datasets the
    peer worker exported."""
    synthetic = [("smooth3d", "float64"), ("turbulence3d", "float32"),
                 ("image2d", "float32"), ("series1d", "float64")]
    sets = []
    for name, dtype in synthetic:
        arr, path = bench.dataset(name, dtype, nbytes_f64=bench.args.single_mb * MIB)
        sets.append({"name": name, "path": path, "dtype": dtype, "shape": list(arr.shape),
                     "description": data.DESCRIPTION[name], "source": "synthetic (data.py)",
                     "real": False})
    return sets + bench.real_datasets(bench.args.single_mb * MIB) + bench.peer_datasets_meta
