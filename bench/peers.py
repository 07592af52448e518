"""The peers' side of the benchmark, run in the bench virtual environment.

The real zfpy 1.0.1 owns the module name `zfpy`, as does zfpcodec's drop-in,
so the two cannot share an interpreter.  The orchestrator (`run.py`, through
`peer_link.py`) starts this script with the bench venv's Python and talks to
it over stdin/stdout, one JSON object per line each way; arrays travel as
.npy files that both sides read.  Requests:

- ``{"cmd": "info"}``: versions of everything measured here.
- ``{"cmd": "datasets", "dir": D}``: write the real datasets that PyPI
  packages ship (matplotlib's sample data, nibabel's test images) as .npy
  files under D and describe them.
- ``{"cmd": "bench", "codec": C, "mode": M, "param": P, "threads": T,
  "path": F, "reps": R, "warmup": W, "metrics": bool}``: `common.run_case`
  of codec C on the array in F.
- ``{"cmd": "rd", "codec": C, "mode": M, "params": [...], "path": F}``:
  size and error of one compression per parameter (rate-distortion).
- ``{"cmd": "forget"}``: drop cached arrays.  ``{"cmd": "quit"}``.

Every answer is ``{"ok": ...}`` or ``{"error": "message"}``; a codec that
cannot do what was asked answers ``{"skipped": "why"}``.  Diagnostics go to
stderr; stdout carries only answers.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import traceback
from importlib import metadata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import error_stats, run_case, zfpy_kwargs  # noqa: E402


class Unsupported(Exception):
    """The codec has no equivalent of the requested mode or type."""


# --------------------------------------------------------------------------
# codec adapters (see common.py for the interface)

class Zfpy:
    """LLNL zfpy 1.0.1: compress_numpy / decompress_numpy, full header."""

    def __init__(self, mode, param, threads=1):
        import zfpy
        self.zfpy, self.kwargs = zfpy, zfpy_kwargs(mode, param)
        if threads != 1:
            raise Unsupported("zfpy has no threads")

    def compress(self, a):
        return self.zfpy.compress_numpy(a, **self.kwargs)

    def decompress(self, c):
        return self.zfpy.decompress_numpy(c)

    def nbytes(self, c):
        return len(c)

    def stream(self, c):
        return c


class NumcodecsZfpy(Zfpy):
    """numcodecs.zfpy.ZFPY (on the real zfpy): encode / decode."""

    ZFPY_MODE = {"accuracy": 4, "rate": 2, "precision": 3}

    def __init__(self, mode, param, threads=1):
        from numcodecs.zfpy import ZFPY
        if threads != 1:
            raise Unsupported("numcodecs ZFPY has no threads")
        if mode == "reversible":      # all parameters -1: zfpy's reversible default
            self.codec = ZFPY(mode=4, tolerance=-1)
        else:
            self.codec = ZFPY(mode=self.ZFPY_MODE[mode], **zfpy_kwargs(mode, param))

    def compress(self, a):
        return self.codec.encode(a)

    def decompress(self, c):
        return self.codec.decode(c)


class ImagecodecsZfp(Zfpy):
    """imagecodecs.zfp_encode / zfp_decode; threads through OpenMP
    (compression only; its decompression is serial)."""

    def __init__(self, mode, param, threads=1):
        import imagecodecs
        self.ic = imagecodecs
        modes = imagecodecs.ZFP.MODE
        self.kwargs = {"numthreads": threads}
        if threads > 1:
            self.kwargs["execution"] = "omp"
        if mode == "reversible":
            self.kwargs.update(mode=modes.REVERSIBLE)
        else:
            self.kwargs.update(mode={"accuracy": modes.FIXED_ACCURACY,
                                     "rate": modes.FIXED_RATE,
                                     "precision": modes.FIXED_PRECISION}[mode],
                               level=int(param) if mode == "precision" else float(param))

    def compress(self, a):
        return self.ic.zfp_encode(a, **self.kwargs)

    def decompress(self, c):
        return self.ic.zfp_decode(c)


class Blosc2Zfp:
    """python-blosc2 NDArray with a ZFP codec (zfp per Blosc block, b2nd
    metadata instead of a zfp header); threads are Blosc's."""

    def __init__(self, mode, param, threads=1, dtype=None):
        import blosc2
        self.b2 = blosc2
        if dtype is not None and np.dtype(dtype).kind != "f":
            raise Unsupported("blosc2 treats every 4/8-byte type as float")
        if mode == "accuracy":
            exp = round(np.log10(param))
            if not np.isclose(10.0 ** exp, param):
                raise Unsupported(f"blosc2 ZFP_ACC takes powers of ten, not {param}")
            codec, meta = blosc2.Codec.ZFP_ACC, exp & 0xFF
        elif mode == "precision":
            codec, meta = blosc2.Codec.ZFP_PREC, int(param)
        elif mode == "rate":
            bits = 8 * np.dtype(dtype).itemsize
            meta = round(100 * param / bits)
            if not np.isclose(meta * bits / 100, param):
                raise Unsupported(f"blosc2 ZFP_RATE is a whole percent of {bits} bits")
            codec = blosc2.Codec.ZFP_RATE
        else:
            raise Unsupported("blosc2 has no reversible zfp")
        self.cparams = blosc2.CParams(codec=codec, codec_meta=meta,
                                      filters=[blosc2.Filter.NOFILTER], filters_meta=[0],
                                      nthreads=threads)
        self.dparams = blosc2.DParams(nthreads=threads)

    BLOCK_BYTES = 256 * 1024

    def compress(self, a):
        # One chunk; Blosc blocks are slabs along the first axis, a multiple of
        # 4 thick (blosc2's own choice of blocks fails for some float64 shapes).
        rest = a.itemsize * int(np.prod(a.shape[1:], dtype=np.int64))
        thick = max(4, self.BLOCK_BYTES // rest // 4 * 4)
        blocks = (min(thick, a.shape[0]),) + a.shape[1:]
        return self.b2.asarray(a, chunks=a.shape, blocks=blocks, cparams=self.cparams,
                               dparams=self.dparams)

    def decompress(self, c):
        return c[...]

    def nbytes(self, c):
        return c.schunk.cbytes

    def stream(self, c):
        return None


class Hdf5pluginZfp:
    """h5py + hdf5plugin.Zfp (H5Z-ZFP): write one chunk holding the whole
    array into an in-memory HDF5 file, read it back from a reopened file
    (so the chunk cache cannot serve it uncompressed)."""

    def __init__(self, mode, param, threads=1):
        import h5py
        import hdf5plugin
        if threads != 1:
            raise Unsupported("hdf5plugin's Zfp filter has no threads")
        self.h5py = h5py
        opts = {"reversible": {"reversible": True}, "accuracy": {"accuracy": float(param or 0)},
                "rate": {"rate": float(param or 0)},
                "precision": {"precision": int(param or 0)}}[mode]
        self.filter = hdf5plugin.Zfp(**opts)

    def compress(self, a):
        bio = io.BytesIO()
        with self.h5py.File(bio, "w", rdcc_nbytes=0) as f:
            ds = f.create_dataset("x", data=a, chunks=a.shape, **self.filter)
            size = ds.id.get_storage_size()
        return bio, size

    def decompress(self, c):
        with self.h5py.File(c[0], "r", rdcc_nbytes=0) as f:
            return f["x"][...]

    def nbytes(self, c):
        return c[1]

    def stream(self, c):
        return None


class Sz3:
    """imagecodecs SZ3, absolute error bound."""

    def __init__(self, mode, param, threads=1):
        import imagecodecs
        self.ic = imagecodecs
        if mode != "accuracy":
            raise Unsupported("SZ3 is compared at an absolute error bound only")
        if threads != 1:
            raise Unsupported("SZ3 runs serially here")
        self.tol = float(param)

    def compress(self, a):
        return self.ic.sz3_encode(a, mode="abs", abs=self.tol), a.shape, a.dtype

    def decompress(self, c):
        return self.ic.sz3_decode(*c)

    def nbytes(self, c):
        return len(c[0])

    def stream(self, c):
        return None


class Sperr(Sz3):
    """imagecodecs SPERR, point-wise error bound (2-D and 3-D only)."""

    def __init__(self, mode, param, threads=1):
        super().__init__(mode, param, 1)
        self.threads = threads

    def compress(self, a):
        if a.ndim not in (2, 3):
            raise Unsupported("SPERR compresses 2-D and 3-D arrays only")
        return self.ic.sperr_encode(a, self.tol, "pwe", numthreads=self.threads), None, None

    def decompress(self, c):
        return self.ic.sperr_decode(c[0], numthreads=self.threads)


class Lerc(Sz3):
    """imagecodecs LERC, maximum error bound (maxZError)."""

    def compress(self, a):
        return self.ic.lerc_encode(a, level=self.tol), a.shape, None

    def decompress(self, c):
        return self.ic.lerc_decode(c[0]).reshape(c[1])


class BitroundZstd:
    """numcodecs BitRound (keep `param` mantissa bits) then Zstd level 3."""

    def __init__(self, mode, param, threads=1):
        import numcodecs
        if mode != "keepbits":
            raise Unsupported("BitRound is driven by kept mantissa bits")
        self.round = numcodecs.BitRound(keepbits=int(param))
        self.zstd = numcodecs.Zstd(level=3)

    def compress(self, a):
        if a.dtype.kind != "f":
            raise Unsupported("BitRound rounds floats only")
        return self.zstd.encode(self.round.encode(a)), a.shape, a.dtype

    def decompress(self, c):
        return np.frombuffer(self.zstd.decode(c[0]), dtype=c[2]).reshape(c[1])

    def nbytes(self, c):
        return len(c[0])

    def stream(self, c):
        return None


CODECS = {"zfpy": Zfpy, "numcodecs": NumcodecsZfpy, "imagecodecs": ImagecodecsZfp,
          "blosc2": Blosc2Zfp, "hdf5plugin": Hdf5pluginZfp, "sz3": Sz3,
          "sperr": Sperr, "lerc": Lerc, "bitround-zstd": BitroundZstd}


def make_codec(name, mode, param, threads, dtype):
    cls = CODECS[name]
    if cls is Blosc2Zfp:
        return cls(mode, param, threads, dtype)
    return cls(mode, param, threads)


# --------------------------------------------------------------------------
# real datasets shipped inside PyPI packages

def export_datasets(folder: str) -> list[dict]:
    """Write the real datasets as .npy files; describe each."""
    from importlib import resources

    from matplotlib import cbook
    out = []

    def save(name, arr, source, desc):
        arr = np.ascontiguousarray(arr)
        path = os.path.join(folder, f"real-{name}.npy")
        np.save(path, arr)
        out.append({"name": name, "path": path, "dtype": str(arr.dtype),
                    "shape": list(arr.shape), "source": source, "description": desc,
                    "real": True})

    dem = cbook.get_sample_data("jacksboro_fault_dem.npz")["elevation"]
    save("dem2d", dem.astype(np.float32), "matplotlib sample_data/jacksboro_fault_dem.npz",
         "digital elevation model (m), Jacksboro fault")
    with gzip.open(cbook.get_sample_data("s1045.ima.gz", asfileobj=False)) as fh:
        mri = np.frombuffer(fh.read(), np.uint16).reshape(256, 256)
    save("mri2d", mri.astype(np.int32), "matplotlib sample_data/s1045.ima.gz",
         "MRI slice (counts)")
    eeg = np.fromfile(cbook.get_sample_data("eeg.dat", asfileobj=False), dtype=np.float64)
    save("eeg1d", eeg.reshape(800, 4).T.ravel(), "matplotlib sample_data/eeg.dat",
         "EEG, 4 channels x 800 samples, end to end")
    membrane = np.fromfile(cbook.get_sample_data("membrane.dat", asfileobj=False),
                           dtype=np.float32)
    save("membrane1d", membrane, "matplotlib sample_data/membrane.dat",
         "membrane potential recording")
    try:
        import nibabel
        path = resources.files("nibabel") / "tests" / "data" / "example4d.nii.gz"
        vol = np.asarray(nibabel.load(str(path)).dataobj)[..., 0]   # (x, y, z) first volume
        save("mri3d", vol.transpose(2, 1, 0).astype(np.float32),
             "nibabel tests/data/example4d.nii.gz", "fMRI volume (128x96x24)")
    except Exception as error:  # pragma: no cover - optional dataset
        print(f"peers: nibabel dataset unavailable: {error}", file=sys.stderr)
    return out


def versions() -> dict:
    names = ["zfpy", "numcodecs", "imagecodecs", "blosc2", "hdf5plugin", "h5py", "zarr",
             "numpy", "matplotlib", "nibabel"]
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    import zfpy
    found["zfpy_module"] = zfpy.__file__
    found["python"] = sys.version.split()[0]
    return found


# --------------------------------------------------------------------------
# the request loop

class Worker:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, path):
        if path not in self.arrays:
            self.arrays[path] = np.load(path)
        return self.arrays[path]

    def handle(self, req):
        cmd = req["cmd"]
        if cmd == "info":
            return versions()
        if cmd == "datasets":
            return export_datasets(req["dir"])
        if cmd == "forget":
            self.arrays.clear()
            return True
        arr = self.array(req["path"])
        if cmd == "bench":
            codec = make_codec(req["codec"], req["mode"], req.get("param"),
                               req.get("threads", 1), arr.dtype)
            return run_case(codec, arr, reps=req.get("reps", 3), warmup=req.get("warmup", 1),
                            metrics=req.get("metrics", True),
                            do_decompress=req.get("decompress", True))
        if cmd == "rd":
            points = []
            for param in req["params"]:
                c = make_codec(req["codec"], req["mode"], param, 1, arr.dtype)
                handle = c.compress(arr)
                points.append({"param": param, "nbytes": int(c.nbytes(handle)),
                               **error_stats(arr, c.decompress(handle))})
            return points
        raise ValueError(f"unknown command {cmd!r}")


def main():
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())   # stray prints go to stderr
    worker = Worker()
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("cmd") == "quit":
            break
        try:
            reply = {"ok": worker.handle(req)}
        except Unsupported as why:
            reply = {"skipped": str(why)}
        except Exception as error:
            traceback.print_exc()
            reply = {"error": f"{type(error).__name__}: {error}"}
        answers.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
