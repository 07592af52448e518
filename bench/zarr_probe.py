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
times, stored bytes, the maximum error and the worker count zarr used (and,
for our codec, the best times of coding every chunk with it alone); or,
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


def codec_alone(codec, a: np.ndarray, chunks: tuple[int, ...], streams: list,
                reps: int) -> dict[str, float]:
    """Best times of our codec alone coding every chunk of `a` on the
    calling thread, as the codec does inside zarr (edge chunks padded to
    the whole chunk, headerless streams, the bound check of `strict`): what
    the rest of a write or read is zarr's own work against."""
    from zfpcodec import bound, engine
    pieces = []
    for corner in np.ndindex(*(-(-n // c) for n, c in zip(a.shape, chunks))):
        piece = a[tuple(slice(i * c, (i + 1) * c) for i, c in zip(corner, chunks))]
        pieces.append(np.pad(piece, [(0, c - n) for n, c in zip(piece.shape, chunks)]))
    datas = [np.frombuffer(s.to_bytes(), np.uint8) for s in streams]
    write = read = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        for piece in pieces:
            bound.compress_checked(piece, codec.zfp_mode, strict=codec.strict, codec="ZFPCodec",
                                   header=False, rate_clamp=True)
        write = min(write, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for data in datas:
            engine.decompress(data, out=np.empty(chunks, a.dtype), dtype=a.dtype, shape=chunks, mode=codec.zfp_mode,
                              rate_clamp=True, exact_length=True)
        read = min(read, time.perf_counter() - t0)
    return {"codec_write_s": write, "codec_read_s": read}


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
    streams = [v for k, v in store._store_dict.items() if not k.endswith("zarr.json")]
    stored = sum(len(v) for v in streams)
    coding = codec_alone(codec, a, chunks, streams, cfg["reps"]) if cfg["impl"] == "zfpcodec" else {}
    print(json.dumps({**coding, "write_s": writes[1:], "read_s": reads[1:], "stored": stored,
                      "maxerr": float(np.max(np.abs(back.astype(np.float64) - a))),
                      "workers": zarr.config.get("threading.max_workers"),
                      "zarr": zarr.__version__}))


if __name__ == "__main__":
    main()
