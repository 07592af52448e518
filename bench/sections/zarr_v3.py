"""Section `zarr`: a float32 array written to and read from a Zarr v3
MemoryStore through zfpcodec.zarr3.ZFPCodec and through numcodecs' ZFPY
(zfpy 1.0.1), at 1 worker and at the core count (`zarr_probe.py`, one
fresh process each: zarr makes its thread pool once), through zarr's
default codec pipeline and, where the zarr of `--zarr-python` has it, its
fused one."""

from __future__ import annotations

import json
import os
import subprocess

from common import mbps
from console import log
from harness import MIB, Bench
from peer_link import HERE, child_env, venv_python


def run(bench: Bench) -> None:
    """Write and read times, ratio and maximum error of each implementation
    at each worker count; for ours, also the time of our codec alone coding
    every chunk on one thread (the rest of a write or read is zarr's)."""
    size = max(bench.args.sizes)
    arr, path = bench.dataset("smooth3d", "float32", nbytes=size * MIB)
    chunks = [min(64, n) for n in arr.shape]
    rows = []
    workers = sorted({1, os.cpu_count() or 1})
    runs = [("zfpcodec", "batched", bench.args.zarr_python),
            ("zfpcodec", "fused", bench.args.zarr_python)]
    if bench.peers:
        runs.append(("numcodecs", "batched", str(venv_python())))
    for w in workers:
        for impl, pipeline, python in runs:
            cfg = {"impl": impl, "pipeline": pipeline, "path": path, "chunks": chunks,
                   "reps": bench.args.rounds * bench.args.reps, "tolerance": 1e-3}
            env = child_env() | {"ZARR_THREADING__MAX_WORKERS": str(w)}
            proc = subprocess.run([python, str(HERE / "zarr_probe.py"), json.dumps(cfg)],
                                  capture_output=True, text=True, env=env, cwd=bench.tmp)
            if proc.returncode:
                tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
                rows.append({"impl": impl, "pipeline": pipeline, "workers": w,
                             "error": tail[0]})
                log(f"zarr {impl} {pipeline} workers={w}: error: {tail[0]}")
                continue
            got = json.loads(proc.stdout.strip().splitlines()[-1])
            if "unavailable" in got:
                log(f"zarr {impl} {pipeline} pipeline: {got['unavailable']}")
                continue
            rows.append({"impl": impl, "pipeline": pipeline, "workers": w,
                         "shape": list(arr.shape),
                         "chunks": chunks, "raw_bytes": arr.nbytes,
                         "write_mbps": mbps(arr.nbytes, got["write_s"]),
                         "read_mbps": mbps(arr.nbytes, got["read_s"]),
                         "ratio": arr.nbytes / got["stored"], "maxerr": got["maxerr"],
                         "zarr": got["zarr"],
                         "write_ms": min(got["write_s"]) * 1e3,
                         "read_ms": min(got["read_s"]) * 1e3,
                         # ours only: the codec alone (zarr_probe.codec_alone)
                         "codec_write_ms": got["codec_write_s"] * 1e3
                         if "codec_write_s" in got else None,
                         "codec_read_ms": got["codec_read_s"] * 1e3
                         if "codec_read_s" in got else None})
            log(f"zarr {impl} {pipeline} workers={w}: write {rows[-1]['write_mbps']:.0f}, "
                f"read {rows[-1]['read_mbps']:.0f} MB/s")
    bench.results["zarr"] = {"rows": rows, "tolerance": 1e-3, "dtype": "float32"}
    bench.forget()
