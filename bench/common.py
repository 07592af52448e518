"""Timing and error measures shared by both sides of the benchmark.

This module is imported by the orchestrator (`run.py`, in the interpreter
where zfpcodec is installed) and by the peer worker (`peers.py`, in the
bench virtual environment with the real zfpy 1.0.1), so both sides time and
score a codec the same way.  It needs NumPy only (and the source tree's
``src/zfpcodec/metrics.py``, which it loads by path).

A *codec adapter* is any object with

- ``compress(arr) -> handle``: the compressed form (bytes, or an object
  holding it);
- ``decompress(handle) -> ndarray``: the values back;
- ``nbytes(handle) -> int``: compressed size in bytes;
- ``stream(handle) -> bytes | None``: the zfp stream when the codec makes a
  plain one (hashed to check that two codecs wrote the same bytes), else
  None;
- optionally ``release(handle)``: free what the handle holds (files).
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

MB = 1e6  # throughput unit: 10**6 bytes of uncompressed data per second
PSNR_DEFINITION = "20 log10(range / (2 RMSE))"   # zfpcodec.metrics.psnr, as zfp -s
METRICS_SOURCE = Path(__file__).resolve().parent.parent / "src" / "zfpcodec" / "metrics.py"


def _load_metrics():
    """zfpcodec.metrics, loaded from the source tree: the bench venv cannot
    install zfpcodec (LLNL's zfpy and our drop-in both own the name `zfpy`),
    and the module needs NumPy only, so both sides score with the one
    definition."""
    spec = importlib.util.spec_from_file_location("zfpcodec_metrics", METRICS_SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_METRICS = _load_metrics()


def sha256(data: bytes | memoryview | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def error_stats(orig: np.ndarray, dec: np.ndarray) -> dict[str, Any]:
    """Maximum absolute error, RMSE and PSNR of `dec` against `orig`, by
    `zfpcodec.metrics.error_stats`: PSNR = 20 log10(value range / (2 RMSE))
    in dB, as the zfp program's ``-s`` and ``zfpcodec stats`` print it.

    PSNR is None when the round trip is exact (``lossless`` is then True) or
    the values are constant; everything is None when the shapes differ."""
    if dec.shape != orig.shape:
        return {"maxerr": None, "rmse": None, "psnr": None, "lossless": False,
                "shape_ok": False}
    stats = _METRICS.error_stats(orig, dec)
    exact = bool(np.array_equal(orig, dec))
    psnr = None if exact or not math.isfinite(stats["psnr"]) else stats["psnr"]
    return {"maxerr": stats["max_error"], "rmse": stats["rmse"], "psnr": psnr,
            "lossless": exact, "shape_ok": True}


def _timed(fn, arg, reps: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn(arg)
        times.append(time.perf_counter() - t0)
    return times, result


def run_case(codec, arr: np.ndarray, reps: int = 3, warmup: int = 1,
             metrics: bool = True, do_decompress: bool = True) -> dict[str, Any]:
    """Time `reps` compressions and decompressions of `arr` after `warmup`
    untimed calls of each; with `metrics`, also score the round trip and
    hash the stream and the decoded values.  The garbage collector is off
    while timing."""
    release = getattr(codec, "release", None)
    gc.collect()
    gc.disable()
    try:
        handle = None
        for _ in range(warmup):
            if handle is not None and release:
                release(handle)
            handle = codec.compress(arr)
        comp = []
        for _ in range(reps):
            if handle is not None and release:
                release(handle)
            t0 = time.perf_counter()
            handle = codec.compress(arr)
            comp.append(time.perf_counter() - t0)
        result: dict[str, Any] = {"comp_s": comp, "nbytes": int(codec.nbytes(handle))}
        if do_decompress:
            dec = None
            for _ in range(warmup):
                dec = codec.decompress(handle)
            decomp, dec = _timed(codec.decompress, handle, reps)
            result["decomp_s"] = decomp
            if metrics:
                result.update(error_stats(arr, dec))
                result["dec_sha"] = sha256(np.ascontiguousarray(dec).tobytes())
        if metrics:
            result["sha"] = sha256(codec.stream(handle))
        if release:
            release(handle)
    finally:
        gc.enable()
    return result


def mbps(nbytes_raw: int, times: list[float] | None) -> float | None:
    """Best throughput in MB/s of uncompressed data over a list of times."""
    if not times:
        return None
    return nbytes_raw / min(times) / MB


# zfp modes, spelled the same on both sides: (mode, parameter) pairs.
MODES = ("reversible", "accuracy", "rate", "precision")


def zfpy_kwargs(mode: str, param: float | None) -> dict[str, Any]:
    """Keyword arguments of zfpy.compress_numpy for a mode."""
    if mode == "reversible":
        return {}
    key = {"accuracy": "tolerance", "rate": "rate", "precision": "precision"}[mode]
    return {key: int(param) if mode == "precision" else float(param)}
