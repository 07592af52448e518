"""Our side of the benchmark: codec adapters (see `common`) for zfpcodec,
called the way a zfpy user calls it, and for a plain memory copy."""

from __future__ import annotations

import sys

import numpy as np

from common import zfpy_kwargs


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
    """zfpcodec's version, after checking that `import zfpy` here is our drop-in."""
    import zfpcodec
    import zfpy
    if not zfpy.compress_numpy.__module__.startswith("zfpcodec"):
        sys.exit(f"bench: `import zfpy` here gives {zfpy.__file__}, not zfpcodec's drop-in; "
                 "run with the interpreter where zfpcodec is installed")
    return zfpcodec.__version__
