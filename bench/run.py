#!/usr/bin/env python3
"""zfpcodec against its peers, side by side on the same data.

    python bench/run.py             # full run, ~7 minutes on 2 cores
    python bench/run.py --quick     # ~1 minute
    python bench/run.py --sizes 8,64 --threads 1,2,4 --only threads memory

Run it with the interpreter where zfpcodec is installed.  The peers (the
real zfpy 1.0.1, numcodecs ZFPY, imagecodecs, blosc2, hdf5plugin, SZ3,
SPERR, LERC) live in a virtual environment of their own, `bench/.venv-peers`
(made here with pip from `requirements-peers.txt` on first use), because
LLNL's zfpy and our drop-in both own the module name `zfpy`.  That venv's
Python runs `peers.py`, which this script drives over a pipe; both sides
read the same .npy files and time with the same `common.run_case`, taking
turns (ours, then the peers, round after round) so that load from other
processes on a shared machine falls on both alike.

Sections (``--only``, one module each in `sections/`): single (every mode
and type vs zfpy, one thread), grid (every type x rank 1-4 x mode on
smooth, noisy and sparse fields vs zfpy, one thread), peers (every codec
on synthetic and real datasets), threads (scaling of our threads),
varrate (variable-rate decompression on two threads, every rank and real
fields, with the measuring pass's share), zarr (a Zarr v3 array through
zfpcodec.zarr3.ZFPCodec vs zarr.codecs.numcodecs.ZFPY), memory (peak
allocation), rd (rate-distortion).  The other modules: `harness` (data
files, turns of ours and the peers, byte checks), `ours` (our adapters),
`peer_link` (the bench venv and the pipe to `peers.py`), `machine`,
`console`, `common` (timing and error measures, both sides), `report` and
`plots`.

Writes `results/bench.json`, `results/bench.md` and PNG plots (`plots.py`,
run in the bench venv, which has matplotlib).  Every zfpy configuration
measured is checked to give the same bytes and values as ours; a mismatch
is printed loudly and listed at the top of the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# NumPy's BLAS (scoring round trips uses np.dot) starts a thread per core
# that spins for a while after each call: beside a codec's two threads on
# two cores it took one, and timed two-thread decoding right after scoring
# at 1.1x-1.4x one thread instead of 1.5x-1.7x.  Set before NumPy loads;
# every child process inherits it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from common import PSNR_DEFINITION  # noqa: E402
from console import T0, log, loud  # noqa: E402
from harness import PARAMS, Bench  # noqa: E402
from machine import (busy_cores, machine, machine_cpu_seconds,  # noqa: E402
                     wait_for_idle_cores)
from ours import check_ours_is_zfpcodec  # noqa: E402
from peer_link import Peers, child_env, ensure_venv, venv_python  # noqa: E402
from sections import SECTIONS  # noqa: E402


def parse_list(text: str, kind=float) -> list:
    """Comma-separated values (--sizes, --threads)."""
    return [kind(x) for x in text.split(",") if x.strip()]


def parse_args(argv=None) -> argparse.Namespace:
    """The options, with the defaults that depend on --quick and the cores filled in."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="small arrays, fewer repetitions (~1 minute)")
    p.add_argument("--sizes", help="array sizes in MiB for the thread, zarr and memory "
                   "sections (default 8,32; --quick 8)")
    p.add_argument("--threads", help="thread counts (default 1,2,4,... up to the cores)")
    p.add_argument("--single-mb", type=float,
                   help="float64 size in MiB of the single-thread and peer arrays "
                   "(float32/int32 use the same shape; default 4, --quick 1)")
    p.add_argument("--rounds", type=int, help="alternating rounds per case (default 3, quick 2)")
    p.add_argument("--reps", type=int, help="timed calls per round (default 3, quick 2)")
    p.add_argument("--only", nargs="+", choices=list(SECTIONS), default=list(SECTIONS),
                   metavar="SECTION",
                   help="run these sections only, in this order: " + ", ".join(SECTIONS))
    p.add_argument("--out", default=str(HERE / "results"), help="output folder")
    p.add_argument("--no-peers", action="store_true", help="ours only (no bench venv)")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                   help="first wait up to SECONDS for other processes to leave the cores "
                   "idle (a shared machine)")
    p.add_argument("--zarr-python", default=sys.executable, metavar="PY",
                   help="interpreter of our Zarr rows, with zfpcodec and zarr (default: this "
                        "one); one with a newer zarr also measures zarr's fused pipeline")
    p.add_argument("--peers-python", default=sys.executable,
                   help="interpreter the bench venv is made from (default: this one)")
    args = p.parse_args(argv)
    # absolute (the probes run in a temporary folder), symlinks kept: a venv's
    # python is a link to the base interpreter
    args.zarr_python = os.path.abspath(args.zarr_python)
    if not os.access(args.zarr_python, os.X_OK):
        p.error(f"--zarr-python {args.zarr_python}: no such interpreter")

    cores = os.cpu_count() or 1
    args.sizes = parse_list(args.sizes) if args.sizes else ([8] if args.quick else [8, 32])
    if args.threads:
        args.threads = sorted(set(parse_list(args.threads, int)))
    else:
        counts, t = [], 1
        while t < cores:
            counts.append(t)
            t *= 2
        args.threads = counts + [cores]
    if 1 not in args.threads:
        args.threads = [1] + args.threads
    args.single_mb = args.single_mb or (1 if args.quick else 4)
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.reps = args.reps or (2 if args.quick else 3)
    return args


def main(argv=None) -> int:
    """Run the sections, write bench.json, bench.md and the plots; 1 on a
    mismatch with zfpy."""
    args = parse_args(argv)
    sections = args.only
    cores = os.cpu_count() or 1

    ours_version = check_ours_is_zfpcodec()
    wait_for_idle_cores(args.wait_idle)
    cpu_start, wall_start = machine_cpu_seconds(), time.perf_counter()
    info = {"machine": machine(), "load_start": os.getloadavg(), "busy_start": busy_cores(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "config": {"sizes_mib": args.sizes, "threads": args.threads,
                       "single_mib_f64": args.single_mb, "rounds": args.rounds,
                       "reps": args.reps, "quick": args.quick, "sections": sections,
                       "params": PARAMS, "psnr": PSNR_DEFINITION}}
    log(f"machine: {info['machine'].get('cpu')}, {cores} cores; load average "
        f"{info['load_start'][0]:.1f}, other processes busy on {info['busy_start']} cores")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="zfpcodec-bench-")
    peers = None
    try:
        versions = {"zfpcodec": ours_version}
        try:
            import zarr
            versions["zarr (ours)"] = zarr.__version__
        except ImportError:
            pass
        if not args.no_peers:
            python = ensure_venv(args.peers_python)
            peers = Peers(python, tmp)
            versions["peers"] = peers.call(cmd="info")["ok"]
            if not versions["peers"]["zfpy_module"].endswith(".so"):
                sys.exit(f"bench: the venv's zfpy is {versions['peers']['zfpy_module']}, "
                         "not LLNL's compiled module")
        bench = Bench(args, peers, tmp)
        bench.results.update(info)
        bench.results["versions"] = versions
        if "peers" in sections or "rd" in sections:
            bench.peer_datasets_meta = (peers.call(cmd="datasets", dir=tmp)["ok"]
                                        if peers else [])
        for section in sections:
            log(f"--- {section}")
            SECTIONS[section](bench)
        bench.results["elapsed_s"] = time.perf_counter() - T0
    finally:
        if peers:
            peers.close()
        shutil.rmtree(tmp, ignore_errors=True)
    bench.results["load_end"] = os.getloadavg()
    cpu_end = machine_cpu_seconds()
    if cpu_start and cpu_end:   # cores kept busy by other processes, on average, during the run
        others = (cpu_end[0] - cpu_start[0]) - (cpu_end[1] - cpu_start[1])
        bench.results["busy_during"] = round(max(others, 0) / (time.perf_counter() - wall_start), 2)
    bench.results["busy_end"] = busy_cores()

    import report
    results = bench.results
    (out / "bench.json").write_text(json.dumps(results, indent=1, default=float))
    table = report.markdown(results)
    (out / "bench.md").write_text(table)
    print(table)
    if not args.no_plots:
        python = venv_python() if venv_python().exists() else Path(sys.executable)
        proc = subprocess.run([str(python), str(HERE / "plots.py"), str(out / "bench.json"),
                               str(out)], env=child_env())
        if proc.returncode:
            log("plots failed (matplotlib missing?); the JSON and table are written")
    if results["mismatches"]:
        loud(f"{len(results['mismatches'])} MISMATCH(ES) WITH zfpy 1.0.1 - see bench.md")
        return 1
    log(f"done: {out}/bench.md, bench.json" + ("" if args.no_plots else ", *.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
