"""Section `single`: every mode on float32, float64 and int32 in 3-D, 2-D
and 1-D, and on real fields as stored, one thread, ours against zfpy 1.0.1
(bytes checked equal)."""

from __future__ import annotations

import numpy as np

from common import MODES
from console import log
from harness import MIB, PARAMS, Bench
from ours import Ours

SINGLE_FIELDS = {3: "smooth3d", 2: "image2d", 1: "series1d"}
DTYPES = ("float32", "float64", "int32")


def run(bench: Bench) -> None:
    """Every mode on float32/float64/int32 in 3-D, 2-D and 1-D, then on the
    real fields (`single_real`), one thread, ours vs zfpy."""
    rows = []
    for rank in (3, 2, 1):
        name = SINGLE_FIELDS[rank]
        for dtype in DTYPES:
            arr, path = bench.dataset(name, dtype, nbytes_f64=bench.args.single_mb * MIB)
            rows += [one_case(bench, arr, path, name, mode) for mode in MODES]
    bench.results["single"] = rows
    real = []
    for ds in bench.real_datasets(bench.args.single_mb * MIB):
        arr = np.load(ds["path"])
        real += [one_case(bench, arr, ds["path"], ds["name"], mode) for mode in MODES]
    bench.results["single_real"] = real
    bench.forget()


def one_case(bench: Bench, arr: np.ndarray, path: str, name: str, mode: str,
             param: float | None = None, section: str = "single", warmup: int = 1) -> dict:
    """Ours and zfpy 1.0.1 on one array in one mode (with `param`, or the
    tables' usual one): a row of the table."""
    param = PARAMS[mode] if param is None else param
    res = bench.duel(arr, path, Ours(mode, param),
                     [("zfpy", dict(codec="zfpy", mode=mode, param=param))], warmup=warmup)
    what = f"{arr.ndim}-D {name} {arr.dtype} {mode} {param} shape {arr.shape}"
    same = bench.check_same(what, res["ours"], res.get("zfpy", {}), alarm=True)
    row = {"rank": arr.ndim, "field": name, "dtype": str(arr.dtype), "mode": mode,
           "param": param, "shape": list(arr.shape), "raw_bytes": arr.nbytes,
           "ours": res["ours"], "zfpy": res.get("zfpy"), "same_as_zfpy": same}
    z = res.get("zfpy") or {}
    if "comp_mbps" in z:
        row["speedup_comp"] = res["ours"]["comp_mbps"] / z["comp_mbps"]
        row["speedup_decomp"] = res["ours"]["decomp_mbps"] / z["decomp_mbps"]
    log(f"{section} {what}: ours {res['ours']['comp_mbps']:.0f}/"
        f"{res['ours']['decomp_mbps']:.0f} MB/s"
        + (f", x{row['speedup_comp']:.2f}/x{row['speedup_decomp']:.2f} vs zfpy"
           if "speedup_comp" in row else ""))
    return row
