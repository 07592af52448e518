"""Section `threads`: our thread scaling on 3-D fields of each size, every
mode, with zfpy (one thread), imagecodecs (OpenMP) and blosc2 alongside;
more threads must not change our bytes."""

from __future__ import annotations

import fresh_memory
from common import MODES, mbps, run_case
from console import log, loud
from harness import MIB, PARAMS, Bench
from ours import Ours


def run(bench: Bench) -> None:
    """Our thread scaling on float32 and float64 3-D fields of each
    size, every mode; zfpy (one thread), imagecodecs (OpenMP) and
    blosc2 (Blosc threads) alongside."""
    rows = []
    counts = bench.args.threads
    cases = [(size, dtype, mode) for size in bench.args.sizes
             for dtype in ("float32", "float64") for mode in MODES]
    entries: dict = {case: {} for case in cases}
    # After the long single-thread sections the other cores start cold
    # (a VM's idle vCPUs most of all): the first row measured 1.1-1.3x
    # here against 1.9x in isolation.
    arr, _ = bench.dataset("smooth3d", "float32", nbytes=bench.args.sizes[0] * MIB)
    run_case(Ours(MODES[0], PARAMS[MODES[0]], max(counts)), arr, reps=10, warmup=0)
    # Rounds outermost: a neighbour that takes a core for a few seconds
    # spoils one round of a few cases, not every round of one case.
    for r in range(bench.args.rounds):
        for size, dtype, mode in cases:
            arr, path = bench.dataset("smooth3d", dtype, nbytes=size * MIB)
            param = PARAMS[mode]
            for t in counts:
                specs = []
                if t == 1:
                    specs.append(("zfpy", dict(codec="zfpy", mode=mode, param=param)))
                if mode in ("accuracy", "rate"):
                    specs.append((f"imagecodecs/{t}", dict(codec="imagecodecs",
                                  mode=mode, param=param, threads=t)))
                    specs.append((f"blosc2/{t}", dict(codec="blosc2", mode=mode,
                                  param=param, threads=t)))
                res = bench.duel(arr, path, Ours(mode, param, t), specs,
                                rounds=1, reps=bench.args.reps, first=r == 0)
                res[f"zfpcodec/{t}"] = res.pop("ours")
                merged = entries[(size, dtype, mode)]
                for label, entry in res.items():
                    old = merged.get(label)
                    if old and "comp_s" in old and "comp_s" in entry:
                        old["comp_s"] += entry["comp_s"]
                        old["decomp_s"] += entry["decomp_s"]
                    elif not old:
                        merged[label] = entry
        log(f"threads: round {r + 1} of {bench.args.rounds} done")
    for (size, dtype, mode), merged in entries.items():
        arr, _ = bench.dataset("smooth3d", dtype, nbytes=size * MIB)
        param = PARAMS[mode]
        base = merged.get("zfpcodec/1", {})
        zfpy = merged.get("zfpy", {})
        if base.get("sha") and zfpy.get("sha"):
            bench.check_same(f"threads table {dtype} {mode} {arr.shape}",
                            base, zfpy, alarm=True)
        for label, entry in merged.items():
            if "comp_s" not in entry:
                rows.append({"size_mb": size, "dtype": dtype, "mode": mode,
                             "impl": label.split("/")[0], "threads": None,
                             "note": entry.get("skipped") or entry.get("error")})
                continue
            impl, _, t = label.partition("/")
            row = {"size_mb": size, "dtype": dtype, "mode": mode, "param": param,
                   "shape": list(arr.shape), "impl": impl,
                   "threads": int(t) if t else 1, "ratio": arr.nbytes / entry["nbytes"]}
            for op in ("comp", "decomp"):
                speed = mbps(arr.nbytes, entry[f"{op}_s"])
                row[f"{op}_mbps"] = speed
                zs = mbps(arr.nbytes, zfpy.get(f"{op}_s"))
                row[f"{op}_vs_zfpy"] = speed / zs if zs else None
            if impl == "zfpcodec" and row["threads"] > 1 and base.get("sha"):
                # the bytes must not depend on the thread count
                one = run_case(Ours(mode, param, row["threads"]), arr, reps=1,
                               warmup=0)
                row["same_bytes_as_1_thread"] = one["sha"] == base["sha"]
                if not row["same_bytes_as_1_thread"]:
                    loud(f"threads={row['threads']} changed the bytes: {dtype} {mode}")
                    bench.results["mismatches"].append(
                        {"case": f"threads={row['threads']} {dtype} {mode}",
                         "kind": "thread-dependent bytes"})
            rows.append(row)
        log(f"threads {size} MB {dtype} {mode}: " + ", ".join(
            f"{r['impl']}/{r['threads']} {r['comp_mbps']:.0f}/{r['decomp_mbps']:.0f}"
            for r in rows[-len(merged):] if r.get("threads")) + " MB/s")
    if 2 in counts:
        # the rows that scale least: float64, reversible compression and
        # fixed-accuracy decompression
        bench.results["fresh_memory"] = []
        for size in bench.args.sizes:
            arr, path = bench.dataset("smooth3d", "float64", nbytes=size * MIB)
            for probe in fresh_memory.probe(path, bench.args.rounds, bench.args.reps):
                bench.results["fresh_memory"].append({"size_mb": size,
                                                      "shape": list(arr.shape), **probe})
                log(f"threads: float64 {size} MiB {probe['call']}, 2 threads vs 1: "
                    f"{probe['scaling']:.2f}x as run, {probe['scaling_kept_memory']:.2f}x "
                    "with the allocator keeping its memory")
    bench.forget()
    for row in rows:        # scaling: against the same codec with one thread
        one = next((r for r in rows if r.get("threads") == 1 and r["impl"] == row["impl"]
                    and (r["size_mb"], r["dtype"], r["mode"])
                    == (row["size_mb"], row["dtype"], row["mode"])), None)
        for op in ("comp", "decomp"):
            if row.get("threads") and one:
                row[f"{op}_scaling"] = row[f"{op}_mbps"] / one[f"{op}_mbps"]
    bench.results["threads"] = rows
