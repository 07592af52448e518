"""Write and read one Zarr v3 array through a zfp codec, in a fresh process.

Run by the zarr section (`sections/zarr_v3.py`) as
``PYTHON zarr_probe.py '<json>'`` with ``ZARR_THREADING__MAX_WORKERS`` set
in the environment (zarr makes its thread pool once, from its
configuration, so each worker count needs its own process).  ``impl``:

- ``zfpcodec``: ``zfpcodec.zarr3.ZFPCodec`` as the array's serializer
  (current interpreter);
- ``numcodecs``: ``zarr.codecs.numcodecs.ZFPY`` (numcodecs' codec on the
  real zfpy 1.0.1; bench venv).

``pipeline``: ``batched``, zarr's default codec pipeline (the codec's
async methods, on zarr's thread pool of ``threading.max_workers``), or
``fused``, the pipeline newer zarr releases have
(``zarr.core.codec_pipeline.FusedCodecPipeline``: the codec's sync methods,
on a pool of ``codec_pipeline.max_workers``, set here to the same count;
one worker codes on the calling thread).

The store is a `zarr.storage.MemoryStore`, so the times are the codec and
zarr's pipeline, not a disk.  Prints one JSON line: best-of write and read
times, stored bytes, the maximum error and the worker count zarr used; or,
where this zarr has no fused pipeline, ``{"unavailable": reason}``.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


FUSED = "zarr.core.codec_pipeline.FusedCodecPipeline"


def codec_for(impl: str, tolerance: float):
    if impl == "zfpcodec":
        from zfpcodec.zarr3 import ZFPCodec
        try:
            return ZFPCodec(mode="fixed_accuracy", tolerance=tolerance)
        except TypeError:
            return ZFPCodec(tolerance=tolerance)
    from zarr.codecs.numcodecs import ZFPY
    return ZFPY(mode=4, tolerance=tolerance)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    import zarr
    from zarr.storage import MemoryStore

    if cfg["pipeline"] == "fused":
        import zarr.core.codec_pipeline as pipelines
        if not hasattr(pipelines, "FusedCodecPipeline"):
            print(json.dumps({"unavailable": f"zarr {zarr.__version__} has no fused pipeline"}))
            return
        zarr.config.set({"codec_pipeline.path": FUSED,
                         "codec_pipeline.max_workers": zarr.config.get("threading.max_workers")})

    a = np.load(cfg["path"])
    chunks = tuple(cfg["chunks"])
    codec = codec_for(cfg["impl"], cfg["tolerance"])
    writes, reads, store, back = [], [], None, None
    for _ in range(cfg["reps"] + 1):            # the first round is the warm-up
        store = MemoryStore()
        t0 = time.perf_counter()
        z = zarr.create_array(store, shape=a.shape, chunks=chunks, dtype=a.dtype,
                              serializer=codec, compressors=None, filters=None)
        pipeline = type(z._async_array.codec_pipeline).__name__
        if (pipeline == "FusedCodecPipeline") != (cfg["pipeline"] == "fused"):
            sys.exit(f"zarr_probe: asked for the {cfg['pipeline']} pipeline, got {pipeline}")
        z[...] = a
        writes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        back = z[...]
        reads.append(time.perf_counter() - t0)
    stored = sum(len(v) for k, v in store._store_dict.items() if not k.endswith("zarr.json"))
    print(json.dumps({"write_s": writes[1:], "read_s": reads[1:], "stored": stored,
                      "maxerr": float(np.max(np.abs(back.astype(np.float64) - a))),
                      "workers": zarr.config.get("threading.max_workers"),
                      "zarr": zarr.__version__}))


if __name__ == "__main__":
    main()
