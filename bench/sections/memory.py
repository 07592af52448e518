"""Section `memory`: peak allocation of compression and decompression, ours
and zfpy's, one fresh process per call (`memprobe.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from common import zfpy_kwargs
from console import log
from harness import MIB, PARAMS, Bench
from peer_link import HERE, child_env, venv_python


def run(bench: Bench) -> None:
    """Peak RSS growth and tracemalloc peak of each probe, on a float64
    field of the largest size."""
    size = max(bench.args.sizes)
    arr, path = bench.dataset("smooth3d", "float64", nbytes=size * MIB)
    import zfpy
    cores = os.cpu_count() or 1
    streams = {}
    for mode in ("accuracy", "rate", "reversible"):
        kw = zfpy_kwargs(mode, PARAMS[mode])
        for header in (True, False):
            spath = os.path.join(bench.tmp, f"mem-{mode}-{header}.zfp")
            with open(spath, "wb") as fh:
                fh.write(zfpy.compress_numpy(arr, **kw, write_header=header))
            streams[mode, header] = spath
    probes = []
    for mode in ("accuracy", "rate", "reversible"):
        probes.append(("ours", "compress", mode, 1))
    probes += [("ours", "compress", "accuracy", cores), ("ours", "decompress", "accuracy", 1),
               ("ours", "decompress_out", "accuracy", 1),
               ("ours", "decompress_out", "rate", cores)]
    if bench.peers:
        probes += [("zfpy", "compress", m, 1) for m in ("accuracy", "rate", "reversible")]
        probes += [("zfpy", "decompress", "accuracy", 1),
                   ("zfpy", "decompress_out", "accuracy", 1)]
    rows = []
    for impl, op, mode, t in probes:
        kw = zfpy_kwargs(mode, PARAMS[mode])
        header = not (impl == "zfpy" and op == "decompress_out")
        cfg = {"impl": impl, "op": op, "kwargs": kw, "threads": t, "path": path,
               "stream": streams[mode, header], "dtype": str(arr.dtype),
               "shape": list(arr.shape)}
        python = sys.executable if impl == "ours" else str(venv_python())
        proc = subprocess.run([python, str(HERE / "memprobe.py"), json.dumps(cfg)],
                              capture_output=True, text=True, env=child_env(), cwd=bench.tmp)
        if proc.returncode:
            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            rows.append({"impl": impl, "op": op, "mode": mode, "threads": t, "error": tail})
            log(f"memory {impl} {op} {mode}: error {tail}")
            continue
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        stream_bytes = os.path.getsize(streams[mode, True])
        rows.append({"impl": "zfpcodec" if impl == "ours" else impl, "op": op, "mode": mode,
                     "threads": t, "input_bytes": arr.nbytes, "stream_bytes": stream_bytes,
                     **got})
        log(f"memory {impl} {op} {mode} t={t}: rss +{got['rss_peak'] / MIB:.1f} MiB, "
            f"traced {got['traced_peak'] / MIB:.1f} MiB (stream {stream_bytes / MIB:.1f} MiB)")
    bench.results["memory"] = {"shape": list(arr.shape), "dtype": "float64", "rows": rows}
    bench.forget()
