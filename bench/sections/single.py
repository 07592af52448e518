"""Section `single`: every mode on float32, float64 and int32 in 3-D, 2-D
and 1-D, one thread, ours against zfpy 1.0.1 (bytes checked equal)."""

from __future__ import annotations

from common import MODES
from console import log
from harness import MIB, PARAMS, Bench
from ours import Ours

SINGLE_FIELDS = {3: "smooth3d", 2: "image2d", 1: "series1d"}
DTYPES = ("float32", "float64", "int32")


def run(bench: Bench) -> None:
    """Every mode on float32/float64/int32 in 3-D, 2-D and 1-D, one
    thread, ours vs zfpy."""
    rows = []
    for rank in (3, 2, 1):
        name = SINGLE_FIELDS[rank]
        for dtype in DTYPES:
            arr, path = bench.dataset(name, dtype, nbytes_f64=bench.args.single_mb * MIB)
            for mode in MODES:
                param = PARAMS[mode]
                res = bench.duel(arr, path, Ours(mode, param),
                                [("zfpy", dict(codec="zfpy", mode=mode, param=param))])
                what = f"{rank}-D {dtype} {mode} {param} shape {arr.shape}"
                same = bench.check_same(what, res["ours"], res.get("zfpy", {}), alarm=True)
                row = {"rank": rank, "field": name, "dtype": dtype, "mode": mode,
                       "param": param, "shape": list(arr.shape), "raw_bytes": arr.nbytes,
                       "ours": res["ours"], "zfpy": res.get("zfpy"), "same_as_zfpy": same}
                z = res.get("zfpy") or {}
                if "comp_mbps" in z:
                    row["speedup_comp"] = res["ours"]["comp_mbps"] / z["comp_mbps"]
                    row["speedup_decomp"] = res["ours"]["decomp_mbps"] / z["decomp_mbps"]
                rows.append(row)
                log(f"single {what}: ours {res['ours']['comp_mbps']:.0f}/"
                    f"{res['ours']['decomp_mbps']:.0f} MB/s"
                    + (f", x{row['speedup_comp']:.2f}/x{row['speedup_decomp']:.2f} vs zfpy"
                       if "speedup_comp" in row else ""))
    bench.results["single"] = rows
    bench.forget()
