#!/usr/bin/env python3
"""zfpcodec against its peers, side by side on the same data.

    python bench/run.py             # full run, ~5 minutes on 2 cores
    python bench/run.py --quick     # ~1 minute
    python bench/run.py --sizes 8,64 --threads 1,2,4 --only threads,memory

Run it with the interpreter where zfpcodec is installed.  The peers (the
real zfpy 1.0.1, numcodecs ZFPY, imagecodecs, blosc2, hdf5plugin, SZ3,
SPERR, LERC) live in a virtual environment of their own, `bench/.venv-peers`
(made here with pip from `requirements-peers.txt` on first use), because
LLNL's zfpy and our drop-in both own the module name `zfpy`.  That venv's
Python runs `peers.py`, which this script drives over a pipe; both sides
read the same .npy files and time with the same `common.run_case`, taking
turns (ours, then the peers, round after round) so that load from other
processes on a shared machine falls on both alike.

Sections (``--only``): single (every mode and type vs zfpy, one thread),
peers (every codec on synthetic and real datasets), threads (scaling of our
threads), zarr (a Zarr v3 array through zfpcodec.zarr3.ZFPCodec vs
zarr.codecs.numcodecs.ZFPY), memory (peak allocation), rd (rate-distortion).
Writes `results/bench.json`, `results/bench.md` and PNG plots (`plots.py`,
run in the bench venv, which has matplotlib).  Every zfpy configuration
measured is checked to give the same bytes and values as ours; a mismatch
is printed loudly and listed at the top of the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402
from common import MODES, error_stats, mbps, run_case, zfpy_kwargs  # noqa: E402

VENV = HERE / ".venv-peers"
REQ_PEERS = HERE / "requirements-peers.txt"
MIB = 2**20
# mode parameters of the single-thread and thread tables
PARAMS = {"reversible": None, "accuracy": 1e-3, "rate": 8.0, "precision": 20}
SINGLE_FIELDS = {3: "smooth3d", 2: "image2d", 1: "series1d"}
DTYPES = ("float32", "float64", "int32")
T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def loud(msg: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n!!! {msg}\n{bar}\n", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# the two interpreters

def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv(base_python: str) -> Path:
    """The bench venv with the peers installed (made or refreshed when
    requirements-peers.txt changes)."""
    marker = VENV / ".bench-requirements.sha256"
    want = hashlib.sha256(REQ_PEERS.read_bytes()).hexdigest()
    if venv_python().exists() and marker.exists() and marker.read_text() == want:
        return venv_python()
    log(f"creating {VENV.relative_to(REPO)} with {base_python} (pip install -r "
        f"{REQ_PEERS.name}; needs the package index, about a minute)")
    subprocess.run([base_python, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    result = subprocess.run(pip + ["-r", str(REQ_PEERS)])
    if result.returncode:
        sys.exit(f"bench: could not install the peers into {VENV} (pip exit "
                 f"{result.returncode}); see above, or run with --no-peers")
    marker.write_text(want)
    return venv_python()


def child_env() -> dict:
    """Environment for child processes: no PYTHONPATH (the source tree's
    zfpy/ must not shadow the real zfpy in the venv)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


class PeerError(RuntimeError):
    pass


class Peers:
    """The peer worker (`peers.py`) in the bench venv, over a pipe."""

    def __init__(self, python: Path, workdir: str):
        self.proc = subprocess.Popen([str(python), str(HERE / "peers.py")], cwd=workdir,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=child_env())

    def call(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise PeerError("the peer worker died (see its messages above)")
        reply = json.loads(line)
        if "error" in reply:
            raise PeerError(reply["error"])
        return reply

    def close(self):
        try:
            self.proc.stdin.write('{"cmd": "quit"}\n')
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except Exception:
            self.proc.kill()


# --------------------------------------------------------------------------
# our side

class Ours:
    """zfpcodec through its zfpy drop-in (the same calls a zfpy user makes),
    with `threads`."""

    def __init__(self, mode, param, threads=1):
        import zfpy
        self.zfpy, self.kwargs, self.threads = zfpy, zfpy_kwargs(mode, param), threads

    def compress(self, a):
        return self.zfpy.compress_numpy(a, **self.kwargs, threads=self.threads)

    def decompress(self, c):
        return self.zfpy.decompress_numpy(c, threads=self.threads)

    def nbytes(self, c):
        return len(c)

    def stream(self, c):
        return c


class NumpyCopy:
    """np.copyto into an existing array: the memory system's own speed."""

    def __init__(self, arr):
        self.dst, self.back = np.zeros_like(arr), np.zeros_like(arr)
        self.dst.fill(1)             # touch every page before timing
        self.back.fill(1)

    def compress(self, a):
        np.copyto(self.dst, a)
        return self.dst

    def decompress(self, c):
        np.copyto(self.back, c)
        return self.back

    def nbytes(self, c):
        return c.nbytes

    def stream(self, c):
        return None


def check_ours_is_zfpcodec() -> str:
    import zfpcodec
    import zfpy
    if not zfpy.compress_numpy.__module__.startswith("zfpcodec"):
        sys.exit(f"bench: `import zfpy` here gives {zfpy.__file__}, not zfpcodec's drop-in; "
                 "run with the interpreter where zfpcodec is installed")
    return zfpcodec.__version__


# --------------------------------------------------------------------------
# measuring

class Bench:
    def __init__(self, args, peers: Peers | None, tmp: str):
        self.args, self.peers, self.tmp = args, peers, tmp
        self.results: dict = {"mismatches": []}
        self._files: dict = {}

    # data -----------------------------------------------------------------
    def dataset(self, name: str, dtype: str, nbytes_f64: float | None = None,
                nbytes: float | None = None) -> tuple[np.ndarray, str]:
        """A synthetic field as (array, .npy path); its shape holds
        `nbytes` bytes of `dtype` (or `nbytes_f64` of float64)."""
        rank = data.RANK[name]
        shape = (data.shape_for(rank, nbytes, np.dtype(dtype).itemsize) if nbytes
                 else data.shape_for(rank, nbytes_f64, 8))
        key = (name, shape, dtype)
        if key not in self._files:
            field_key = (name, shape)
            if field_key not in self._files:
                self._files[field_key] = data.GENERATORS[name](shape)
            arr = data.as_dtype(self._files[field_key], dtype)
            path = os.path.join(self.tmp, f"{name}-{'x'.join(map(str, shape))}-{dtype}.npy")
            np.save(path, arr)
            self._files[key] = (arr, path)
        return self._files[key]

    def forget(self):
        self._files.clear()
        if self.peers:
            self.peers.call(cmd="forget")

    # one comparison ----------------------------------------------------------
    def duel(self, arr, path, ours, peer_specs, rounds=None, reps=None, first=True):
        """Ours (a codec adapter, or None) and each peer (label, spec) in
        turn, `rounds` times; each entry gathers every round's times."""
        rounds = rounds or self.args.rounds
        reps = reps or self.args.reps
        out: dict = {}

        def merge(label, one):
            if label not in out or "comp_s" not in out[label]:
                out[label] = one
            elif "comp_s" in one:
                out[label]["comp_s"] += one["comp_s"]
                out[label]["decomp_s"] = out[label].get("decomp_s", []) + one.get("decomp_s", [])

        def peer(label, spec, metrics):
            if label in out and "comp_s" not in out[label]:
                return                    # skipped or failed in round 1
            if self.peers is None:
                out[label] = {"skipped": "--no-peers"}
                return
            try:
                reply = self.peers.call(cmd="bench", path=path, reps=reps, metrics=metrics,
                                        **spec)
            except PeerError as error:
                out[label] = {"error": str(error)}
                log(f"  {label}: error: {error}")
                return
            merge(label, reply.get("ok") or {"skipped": reply.get("skipped")})

        turns = ([("ours", None)] if ours is not None else []) + list(peer_specs)
        for r in range(rounds):
            metrics = first and r == 0
            for label, spec in (reversed(turns) if r % 2 else turns):  # odd: peers first
                if spec is None:
                    merge("ours", run_case(ours, arr, reps=reps, metrics=metrics))
                else:
                    peer(label, spec, metrics)
        for entry in out.values():
            if "comp_s" in entry:
                entry["comp_mbps"] = mbps(arr.nbytes, entry["comp_s"])
                entry["decomp_mbps"] = mbps(arr.nbytes, entry.get("decomp_s"))
                entry["ratio"] = arr.nbytes / entry["nbytes"]
        return out

    def check_same(self, what: str, ours: dict, theirs: dict, alarm: bool) -> bool | None:
        """Do the two streams and decoded arrays agree?  With `alarm`,
        a difference is a mismatch, printed loudly."""
        if "sha" not in ours or not theirs.get("sha"):
            return None
        same = ours["sha"] == theirs["sha"] and ours.get("dec_sha") == theirs.get("dec_sha")
        if not same and alarm:
            kind = "BYTES" if ours["sha"] != theirs["sha"] else "DECODED VALUES"
            loud(f"MISMATCH ({kind}) with zfpy 1.0.1: {what}")
            self.results["mismatches"].append({"case": what, "kind": kind.lower()})
        return same

    # sections ---------------------------------------------------------------
    def single(self):
        """Every mode on float32/float64/int32 in 3-D, 2-D and 1-D, one
        thread, ours vs zfpy."""
        rows = []
        for rank in (3, 2, 1):
            name = SINGLE_FIELDS[rank]
            for dtype in DTYPES:
                arr, path = self.dataset(name, dtype, nbytes_f64=self.args.single_mb * MIB)
                for mode in MODES:
                    param = PARAMS[mode]
                    res = self.duel(arr, path, Ours(mode, param),
                                    [("zfpy", dict(codec="zfpy", mode=mode, param=param))])
                    what = f"{rank}-D {dtype} {mode} {param} shape {arr.shape}"
                    same = self.check_same(what, res["ours"], res.get("zfpy", {}), alarm=True)
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
        self.results["single"] = rows
        self.forget()

    def peer_datasets(self):
        """The synthetic fields at the single-thread size, then the real
        datasets the peer worker exported."""
        synthetic = [("smooth3d", "float64"), ("turbulence3d", "float32"),
                     ("image2d", "float32"), ("series1d", "float64")]
        sets = []
        for name, dtype in synthetic:
            arr, path = self.dataset(name, dtype, nbytes_f64=self.args.single_mb * MIB)
            sets.append({"name": name, "path": path, "dtype": dtype, "shape": list(arr.shape),
                         "description": data.DESCRIPTION[name], "source": "synthetic (data.py)",
                         "real": False})
        return sets + list(self.peer_datasets_meta or [])

    def peers_table(self):
        """Every codec on every dataset: reversible, and an absolute error
        bound of about 1e-4 of the value range (a power of ten)."""
        rows = []
        sets = self.peer_datasets()
        for ds in sets:
            arr = np.load(ds["path"])
            span = float(arr.max() - arr.min())
            modes = [("reversible", None)]
            if arr.dtype.kind == "f":
                modes.append(("accuracy", 10.0 ** round(np.log10(span * 1e-4))))
            copy = run_case(NumpyCopy(arr), arr, reps=self.args.reps * self.args.rounds,
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
                res = self.duel(arr, ds["path"], Ours(mode, param), specs)
                for label, entry in res.items():
                    row = {"dataset": ds["name"], "mode": mode, "param": param,
                           "codec": "zfpcodec" if label == "ours" else label,
                           "raw_bytes": arr.nbytes, **{k: v for k, v in entry.items()
                                                       if not k.endswith("_s")}}
                    if label != "ours":
                        row["same_as_ours"] = self.check_same(
                            f"{ds['name']} {mode} {param} ({label})", res["ours"], entry,
                            alarm=label == "zfpy")
                    rows.append(row)
                log(f"peers {ds['name']} {mode}: " + ", ".join(
                    f"{k} {v['comp_mbps']:.0f}" for k, v in res.items() if "comp_mbps" in v)
                    + " MB/s")
        self.results["datasets"] = [{k: v for k, v in d.items() if k != "path"} for d in sets]
        self.results["peers"] = rows
        self.forget()

    def threads(self):
        """Our thread scaling on float32 and float64 3-D fields of each
        size, every mode; zfpy (one thread), imagecodecs (OpenMP) and
        blosc2 (Blosc threads) alongside."""
        rows = []
        counts = self.args.threads
        cases = [(size, dtype, mode) for size in self.args.sizes
                 for dtype in ("float32", "float64") for mode in MODES]
        entries: dict = {case: {} for case in cases}
        # After the long single-thread sections the other cores start cold
        # (a VM's idle vCPUs most of all): the first row measured 1.1-1.3x
        # here against 1.9x in isolation.
        arr, _ = self.dataset("smooth3d", "float32", nbytes=self.args.sizes[0] * MIB)
        run_case(Ours(MODES[0], PARAMS[MODES[0]], max(counts)), arr, reps=10, warmup=0)
        # Rounds outermost: a neighbour that takes a core for a few seconds
        # spoils one round of a few cases, not every round of one case.
        for r in range(self.args.rounds):
            for size, dtype, mode in cases:
                arr, path = self.dataset("smooth3d", dtype, nbytes=size * MIB)
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
                    res = self.duel(arr, path, Ours(mode, param, t), specs,
                                    rounds=1, reps=self.args.reps, first=r == 0)
                    res[f"zfpcodec/{t}"] = res.pop("ours")
                    merged = entries[(size, dtype, mode)]
                    for label, entry in res.items():
                        old = merged.get(label)
                        if old and "comp_s" in old and "comp_s" in entry:
                            old["comp_s"] += entry["comp_s"]
                            old["decomp_s"] += entry["decomp_s"]
                        elif not old:
                            merged[label] = entry
            log(f"threads: round {r + 1} of {self.args.rounds} done")
        for (size, dtype, mode), merged in entries.items():
            arr, _ = self.dataset("smooth3d", dtype, nbytes=size * MIB)
            param = PARAMS[mode]
            base = merged.get("zfpcodec/1", {})
            zfpy = merged.get("zfpy", {})
            if base.get("sha") and zfpy.get("sha"):
                self.check_same(f"threads table {dtype} {mode} {arr.shape}",
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
                        self.results["mismatches"].append(
                            {"case": f"threads={row['threads']} {dtype} {mode}",
                             "kind": "thread-dependent bytes"})
                rows.append(row)
            log(f"threads {size} MB {dtype} {mode}: " + ", ".join(
                f"{r['impl']}/{r['threads']} {r['comp_mbps']:.0f}/{r['decomp_mbps']:.0f}"
                for r in rows[-len(merged):] if r.get("threads")) + " MB/s")
        self.forget()
        for row in rows:        # scaling: against the same codec with one thread
            one = next((r for r in rows if r.get("threads") == 1 and r["impl"] == row["impl"]
                        and (r["size_mb"], r["dtype"], r["mode"])
                        == (row["size_mb"], row["dtype"], row["mode"])), None)
            for op in ("comp", "decomp"):
                if row.get("threads") and one:
                    row[f"{op}_scaling"] = row[f"{op}_mbps"] / one[f"{op}_mbps"]
        self.results["threads"] = rows

    def zarr(self):
        module = REPO / "zfpcodec" / "zarr3.py"
        if not module.exists():
            msg = ("skipped: zfpcodec/zarr3.py does not exist yet (the Zarr v3 codec is "
                   "being written); this section runs once it does")
            log(f"zarr {msg}")
            self.results["zarr"] = {"skipped": msg}
            return
        size = max(self.args.sizes)
        arr, path = self.dataset("smooth3d", "float32", nbytes=size * MIB)
        chunks = [min(64, n) for n in arr.shape]
        rows = []
        workers = sorted({1, os.cpu_count() or 1})
        for w in workers:
            for impl, python in (("zfpcodec", sys.executable),
                                 ("numcodecs", str(venv_python()) if self.peers else None)):
                if python is None:
                    continue
                cfg = {"impl": impl, "path": path, "chunks": chunks, "reps": self.args.reps,
                       "tolerance": 1e-3}
                env = child_env() | {"ZARR_THREADING__MAX_WORKERS": str(w)}
                proc = subprocess.run([python, str(HERE / "zarr_probe.py"), json.dumps(cfg)],
                                      capture_output=True, text=True, env=env, cwd=self.tmp)
                if proc.returncode:
                    tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
                    rows.append({"impl": impl, "workers": w, "error": tail[0]})
                    log(f"zarr {impl} workers={w}: error: {tail[0]}")
                    continue
                got = json.loads(proc.stdout.strip().splitlines()[-1])
                rows.append({"impl": impl, "workers": w, "shape": list(arr.shape),
                             "chunks": chunks, "raw_bytes": arr.nbytes,
                             "write_mbps": mbps(arr.nbytes, got["write_s"]),
                             "read_mbps": mbps(arr.nbytes, got["read_s"]),
                             "ratio": arr.nbytes / got["stored"], "maxerr": got["maxerr"],
                             "zarr": got["zarr"]})
                log(f"zarr {impl} workers={w}: write {rows[-1]['write_mbps']:.0f}, "
                    f"read {rows[-1]['read_mbps']:.0f} MB/s")
        self.results["zarr"] = {"rows": rows, "tolerance": 1e-3, "dtype": "float32"}
        self.forget()

    def memory(self):
        size = max(self.args.sizes)
        arr, path = self.dataset("smooth3d", "float64", nbytes=size * MIB)
        import zfpy
        cores = os.cpu_count() or 1
        streams = {}
        for mode in ("accuracy", "rate", "reversible"):
            kw = zfpy_kwargs(mode, PARAMS[mode])
            for header in (True, False):
                spath = os.path.join(self.tmp, f"mem-{mode}-{header}.zfp")
                with open(spath, "wb") as fh:
                    fh.write(zfpy.compress_numpy(arr, **kw, write_header=header))
                streams[mode, header] = spath
        probes = []
        for mode in ("accuracy", "rate", "reversible"):
            probes.append(("ours", "compress", mode, 1))
        probes += [("ours", "compress", "accuracy", cores), ("ours", "decompress", "accuracy", 1),
                   ("ours", "decompress_out", "accuracy", 1),
                   ("ours", "decompress_out", "rate", cores)]
        if self.peers:
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
                                  capture_output=True, text=True, env=child_env(), cwd=self.tmp)
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
        self.results["memory"] = {"shape": list(arr.shape), "dtype": "float64", "rows": rows}
        self.forget()

    def rd(self):
        """Rate-distortion: PSNR against bits per value, zfp's three
        lossy modes (ours; the bytes equal zfpy's) vs the other lossy
        codecs."""
        cases = [("turbulence3d", "float32"), ("smooth3d", "float64")]
        sets = []
        for name, dtype in cases:
            arr, path = self.dataset(name, dtype, nbytes_f64=min(self.args.single_mb, 8) * MIB)
            sets.append((name, dtype, arr, path))
        for ds in (self.peer_datasets_meta or []):
            if ds["name"] in ("dem2d", "mri3d"):
                sets.append((ds["name"], ds["dtype"], np.load(ds["path"]), ds["path"]))
        out = {}
        for name, _dtype, arr, path in sets:
            span = float(arr.max() - arr.min())
            bits = 8 * arr.dtype.itemsize
            tols = [span * 2.0 ** -k for k in range(4, 30, 2)]
            curves = {}
            rates = [r for r in (0.5, 1, 1.5, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32) if r < bits]
            precs = [p for p in range(4, 33, 2) if p <= bits]
            for label, mode, params in (("zfp fixed rate", "rate", rates),
                                        ("zfp fixed accuracy", "accuracy", tols),
                                        ("zfp fixed precision", "precision", precs)):
                pts = []
                for p in params:
                    codec = Ours(mode, p)
                    c = codec.compress(arr)
                    pts.append({"param": p, "nbytes": len(c),
                                **error_stats(arr, codec.decompress(c))})
                curves[label] = pts
            if self.peers:
                keep = [k for k in (1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24) if k < bits - 12]
                for label, codec, mode, params in (("SZ3 (abs)", "sz3", "accuracy", tols),
                                                   ("SPERR (pwe)", "sperr", "accuracy", tols),
                                                   ("LERC", "lerc", "accuracy", tols),
                                                   ("BitRound+Zstd", "bitround-zstd", "keepbits",
                                                    keep)):
                    try:
                        reply = self.peers.call(cmd="rd", codec=codec, mode=mode, params=params,
                                                path=path)
                    except PeerError as error:
                        log(f"rd {name} {label}: {error}")
                        continue
                    if "ok" in reply:
                        curves[label] = reply["ok"]
            for pts in curves.values():
                for p in pts:
                    p["bpv"] = 8 * p["nbytes"] / arr.size
            out[name] = {"dtype": str(arr.dtype), "shape": list(arr.shape), "curves": curves}
            log(f"rd {name}: {', '.join(curves)}")
        self.results["rd"] = out
        self.forget()

    peer_datasets_meta: list | None = None


# --------------------------------------------------------------------------
# machine and report

def machine() -> dict:
    info = {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "numpy": np.__version__}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        info["cpu"] = fields.get("Model name")
        info["cpu_family_model"] = f"{fields.get('CPU family')}/{fields.get('Model')}"
        info["hypervisor"] = fields.get("Hypervisor vendor")
    except OSError:
        info["cpu"] = platform.processor()
    try:
        info["mem_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    except (ValueError, OSError):
        pass
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "csrc",
                                "zfpcodec"], capture_output=True, text=True).stdout.strip()
        info["commit"] = commit + ("+uncommitted changes" if dirty else "")
    except OSError:
        pass
    return info


def busy_cores(seconds: float = 1.0) -> float | None:
    """How many cores other processes keep busy: CPU time used machine-wide
    over `seconds` while this script sleeps (from /proc/stat)."""
    def sample():
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)   # idle + iowait
        return sum(fields) - idle, sum(fields)
    try:
        busy0, total0 = sample()
        time.sleep(seconds)
        busy1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    cores = os.cpu_count() or 1
    return round(cores * (busy1 - busy0) / max(total1 - total0, 1), 2)


def machine_cpu_seconds() -> tuple[float, float] | None:
    """(CPU seconds used machine-wide, CPU seconds used by this process and
    its finished children) so far."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    busy = (sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)) / ticks
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system


def parse_list(text: str, kind=float) -> list:
    return [kind(x) for x in text.split(",") if x.strip()]


def main(argv=None) -> int:
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
    p.add_argument("--only", help="comma-separated sections: single,peers,threads,zarr,memory,rd")
    p.add_argument("--out", default=str(HERE / "results"), help="output folder")
    p.add_argument("--no-peers", action="store_true", help="ours only (no bench venv)")
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                   help="first wait up to SECONDS for other processes to leave the cores "
                   "idle (a shared machine)")
    p.add_argument("--peers-python", default=sys.executable,
                   help="interpreter the bench venv is made from (default: this one)")
    args = p.parse_args(argv)

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
    sections = parse_list(args.only, str) if args.only else [
        "single", "peers", "threads", "zarr", "memory", "rd"]

    ours_version = check_ours_is_zfpcodec()
    deadline = time.perf_counter() + args.wait_idle
    while args.wait_idle and time.perf_counter() < deadline:
        others = busy_cores(2.0)
        if others is None or others < 0.3:
            break
        log(f"waiting for idle cores: other processes use {others} cores")
        time.sleep(8)
    cpu_start, wall_start = machine_cpu_seconds(), time.perf_counter()
    info = {"machine": machine(), "load_start": os.getloadavg(), "busy_start": busy_cores(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "config": {"sizes_mib": args.sizes, "threads": args.threads,
                       "single_mib_f64": args.single_mb, "rounds": args.rounds,
                       "reps": args.reps, "quick": args.quick, "sections": sections,
                       "params": PARAMS}}
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
            getattr(bench, {"peers": "peers_table"}.get(section, section))()
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
