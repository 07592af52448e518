"""Section `rd`: rate-distortion curves (PSNR against bits per value) of
zfp's three lossy modes and of the other lossy codecs."""

from __future__ import annotations

import numpy as np

from common import error_stats
from console import log
from harness import MIB, Bench
from ours import Ours
from peer_link import PeerError


def run(bench: Bench) -> None:
    """Rate-distortion: PSNR against bits per value, zfp's three
    lossy modes (ours; the bytes equal zfpy's) vs the other lossy
    codecs."""
    cases = [("turbulence3d", "float32"), ("smooth3d", "float64")]
    sets = []
    for name, dtype in cases:
        arr, path = bench.dataset(name, dtype, nbytes_f64=min(bench.args.single_mb, 8) * MIB)
        sets.append((name, dtype, arr, path))
    for ds in bench.peer_datasets_meta:
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
        if bench.peers:
            keep = [k for k in (1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24) if k < bits - 12]
            for label, codec, mode, params in (("SZ3 (abs)", "sz3", "accuracy", tols),
                                               ("SPERR (pwe)", "sperr", "accuracy", tols),
                                               ("LERC", "lerc", "accuracy", tols),
                                               ("BitRound+Zstd", "bitround-zstd", "keepbits",
                                                keep)):
                try:
                    reply = bench.peers.call(cmd="rd", codec=codec, mode=mode, params=params,
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
    bench.results["rd"] = out
    bench.forget()
