"""Peak memory of one compression or decompression, in a fresh process.

Run by the memory section (`sections/memory.py`) as
``PYTHON memprobe.py '<json>'`` with either interpreter: ``impl`` "ours"
(zfpcodec, current interpreter) or "zfpy" (LLNL zfpy 1.0.1, bench venv).
``op`` is one of

- ``compress``: ``compress_numpy(a, **kwargs)`` on the array in ``path``;
- ``decompress``: ``decompress_numpy(stream)``, which allocates the result;
- ``decompress_out``: decode into a caller's array that already exists
  (ours: ``zfpcodec.engine.decompress(stream, out=out)``; zfpy:
  ``zfpy._decompress(stream, ztype, shape, out=out, ...)`` on a headerless
  stream).

Two measures, printed as one JSON line:

- ``rss_peak``: the growth of the process's resident set during the call:
  the kernel's high-water mark (VmHWM) is reset just before the call
  (``/proc/self/clear_refs``), then read after it, minus the resident size
  before.  It sees every allocation that touches memory, C ``malloc``
  included, and includes what the call returns (it is still alive).
- ``traced_peak``: tracemalloc's peak during a second call: allocations made
  through Python and NumPy only (not a C library's own ``malloc``).
"""

from __future__ import annotations

import json
import resource
import sys
import tracemalloc

import numpy as np


def _status(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def main() -> None:
    cfg = json.loads(sys.argv[1])
    impl, op, kwargs, threads = cfg["impl"], cfg["op"], cfg.get("kwargs", {}), cfg.get("threads", 1)
    if impl == "ours":
        import zfpy as z
        from zfpcodec import engine
        extra = {"threads": threads}
    else:
        import zfpy as z
        engine, extra = None, {}

    if op == "compress":
        a = np.load(cfg["path"])
        def call():
            return z.compress_numpy(a, **kwargs, **extra)
        z.compress_numpy(a[:4].copy(), **kwargs, **extra)          # warm up, tiny
    else:
        with open(cfg["stream"], "rb") as fh:
            stream = fh.read()
        dtype, shape = np.dtype(cfg["dtype"]), tuple(cfg["shape"])
        if op == "decompress":
            def call():
                return z.decompress_numpy(stream, **extra)
        else:
            out = np.empty(shape, dtype)
            out.fill(0)                                              # touch every page
            if impl == "ours":
                def call():
                    return engine.decompress(stream, out=out, threads=threads)
            else:
                ztype = z.dtype_to_ztype(dtype)
                def call():
                    return z._decompress(stream, ztype, shape, out=out, **kwargs)

    before = _status("VmRSS")
    exact = _reset_peak() and before is not None
    if not exact:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = call()
    after = _status("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rss_peak = max(after - before, 0)
    size = len(result) if isinstance(result, bytes) else result.nbytes
    del result

    tracemalloc.start()
    call()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"rss_peak": rss_peak, "traced_peak": traced_peak, "result_nbytes": size,
                      "rss_method": "VmHWM reset" if exact else "ru_maxrss delta"}))


if __name__ == "__main__":
    main()
