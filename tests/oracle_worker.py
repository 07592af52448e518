"""Child process that runs the reference zfpy 1.0.1 (the ORACLE).

This file has two roles:

* as a *module* (imported by ``tests/oracle.py`` and by the tests) it provides
  the pickle-free wire format shared by both sides: :func:`encode_value`,
  :func:`decode_value`, framing helpers and :func:`apply_layout`;
* as a *script* it is executed with the oracle virtual environment's Python
  (``python -I tests/oracle_worker.py``).  It reads one batch of calls from
  stdin, runs each against the real ``zfpy`` and streams one result frame per
  call to stdout, flushing after each so that a crash (zfpy segfaults or
  aborts on some inputs) tells the parent exactly how many calls completed.

It must only depend on the standard library and NumPy (both sides have NumPy;
only the child has the real zfpy), and must not import ``zfpy`` at module
level.

Wire format
-----------
A *frame* is ``u64le header_len | header (UTF-8 JSON) | blobs``; the header
contains ``"blobs": [len0, len1, ...]`` and the blobs follow back to back.
Values inside the JSON are plain JSON scalars/lists/dicts, or tagged dicts
(``{"__nd__": ...}``, ``{"__bytes__": i}``, ...) whose binary payload lives in
blob ``i``.  Arrays travel as C-contiguous bytes plus dtype string and shape,
plus an optional *layout recipe* that the receiver re-applies (so that the
oracle sees exactly the same memory layout as our implementation: Fortran
order, transposes, strided and negatively strided views).

Request stream: one frame ``{"op": "batch", "calls": [...]}``, where a call
is ``{"func": name, "args": [...], "kwargs": {...}}`` (``func`` is an
attribute of the ``zfpy`` module).
Response stream: a ``hello`` frame (versions, paths), then one frame per call
``{"i": index, "ok": true, "value": ...}`` or ``{"i": index, "ok": false,
"exc_type": "ValueError", "exc_msg": "..."}``, then ``{"op": "done"}``.
"""

import json
import struct
import sys

import numpy as np

_U64 = struct.Struct("<Q")

# Names of numpy scalar *types* that may travel as values (dtype_to_ztype
# arguments, header()["type"], ztype_to_dtype results).
_NP_TYPE_NAMES = (
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "longdouble", "complex64", "complex128",
    "bool_", "intc", "longlong", "object_",
)


# --------------------------------------------------------------------------
# layouts
# --------------------------------------------------------------------------

def apply_layout(base, ops):
    """Return a view/copy of ``base`` obtained by applying ``ops`` in order.

    ``ops`` is a list of JSON-able steps:

    * ``["C"]``: ``np.ascontiguousarray``
    * ``["F"]``: ``np.asfortranarray`` (a Fortran-ordered copy)
    * ``["T", axes]``: ``np.transpose(a, axes)`` (a view)
    * ``["S", [[start, stop, step], ...]]``: basic slicing, one triple per
      axis, ``None`` allowed (a view; negative steps give negative strides)
    * ``["RO"]``: mark the result read-only

    Both sides apply the same recipe to the same base bytes, so they compress
    identical logical values stored with identical strides.
    """
    a = base
    for op in ops or ():
        kind = op[0]
        if kind == "C":
            a = np.ascontiguousarray(a)
        elif kind == "F":
            a = np.asfortranarray(a)
        elif kind == "T":
            a = np.transpose(a, op[1])
        elif kind == "S":
            a = a[tuple(slice(*t) for t in op[1])]
        elif kind == "RO":
            a = a.view()
            a.flags.writeable = False
        else:
            raise ValueError("unknown layout op %r" % (kind,))
    return a


def _strided_span(v):
    """For a non-C-contiguous array whose strides are non-zero multiples of
    the item size: (the memory span it covers as a 1-D array, offset of
    element [0,...,0] in it, strides in elements).  Otherwise None."""
    if v.flags.c_contiguous or v.size == 0 or v.ndim == 0:
        return None
    isz = v.dtype.itemsize
    if any(s == 0 or s % isz for s in v.strides):
        return None
    lo = sum(min(0, (n - 1) * s) for n, s in zip(v.shape, v.strides))
    hi = sum(max(0, (n - 1) * s) for n, s in zip(v.shape, v.strides)) + isz
    idx = tuple((n - 1) if s < 0 else 0 for n, s in zip(v.shape, v.strides))
    start = v[tuple(slice(i, i + 1) for i in idx)]        # lowest address
    span = np.lib.stride_tricks.as_strided(start, shape=((hi - lo) // isz,),
                                           strides=(isz,)).copy()
    return span, -lo // isz, [s // isz for s in v.strides]


class Layout:
    """An array argument = contiguous ``base`` + a layout recipe ``ops``."""

    __slots__ = ("base", "ops")

    def __init__(self, base, ops=()):
        self.base = np.array(base, order="C", copy=True)
        self.ops = [list(o) for o in ops]

    def materialize(self):
        return apply_layout(self.base, self.ops)

    def __repr__(self):
        return "Layout(base dtype=%s shape=%s, ops=%r)" % (
            self.base.dtype.str, self.base.shape, self.ops)


class IndexOnly:
    """An integer-like argument with __index__ and no __int__ (zfpy's C
    integer conversion refuses it)."""

    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def __index__(self):
        return self.n

    def __repr__(self):
        return "IndexOnly(%d)" % self.n


# --------------------------------------------------------------------------
# value encoding
# --------------------------------------------------------------------------

def encode_value(v, blobs):
    """Encode ``v`` as a JSON-able object; binary payloads go to ``blobs``."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, np.generic):              # before float: np.float64 is a float
        blobs.append(np.asarray(v).tobytes())
        return {"__npscalar__": {"dtype": np.asarray(v).dtype.str, "blob": len(blobs) - 1}}
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return {"__float__": v.hex()}          # exact, NaN/inf safe
    if isinstance(v, Layout):
        blobs.append(v.base.tobytes())
        return {"__nd__": {"dtype": v.base.dtype.str, "shape": list(v.base.shape),
                           "blob": len(blobs) - 1, "layout": v.ops}}
    if isinstance(v, np.ndarray):
        flags = {"c": bool(v.flags.c_contiguous), "f": bool(v.flags.f_contiguous),
                 "w": bool(v.flags.writeable)}
        strided = _strided_span(v)
        if strided is not None:
            span, offset, estrides = strided
            blobs.append(span.tobytes())
            return {"__nd__": {"dtype": v.dtype.str, "shape": list(v.shape),
                               "blob": len(blobs) - 1, "layout": [], "flags": flags,
                               "strided": {"offset": offset, "strides": estrides}}}
        c = v.copy(order="C")                  # (ascontiguousarray makes 0-d 1-d)
        blobs.append(c.tobytes())
        return {"__nd__": {"dtype": c.dtype.str, "shape": list(c.shape),
                           "blob": len(blobs) - 1, "layout": [], "flags": flags}}
    if isinstance(v, bytes):
        blobs.append(v)
        return {"__bytes__": len(blobs) - 1}
    if isinstance(v, bytearray):
        blobs.append(bytes(v))
        return {"__bytearray__": len(blobs) - 1}
    if isinstance(v, IndexOnly):
        return {"__index_only__": v.n}
    if isinstance(v, memoryview) and not v.c_contiguous:
        # a view of every step-th byte from the start of the bytes it views
        assert v.ndim == 1 and v.itemsize == 1 and v.strides[0] > 0
        blobs.append(bytes(v.obj))
        return {"__memoryview_step__": [len(blobs) - 1, v.strides[0], len(v)]}
    if isinstance(v, memoryview):
        blobs.append(v.tobytes())
        return {"__memoryview__": len(blobs) - 1}
    if isinstance(v, np.dtype):
        return {"__dtype__": v.str}
    if isinstance(v, type):
        for name in _NP_TYPE_NAMES:
            if getattr(np, name, None) is v:
                return {"__nptype__": name}
        if v in (int, float, bool, str, bytes, complex):
            return {"__pytype__": v.__name__}
        return {"__repr__": repr(v)}
    if isinstance(v, tuple):
        return {"__tuple__": [encode_value(x, blobs) for x in v]}
    if isinstance(v, list):
        return [encode_value(x, blobs) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            return {"__dict__": {k: encode_value(x, blobs) for k, x in v.items()}}
        return {"__repr__": repr(v)}
    return {"__repr__": repr(v)}


def decode_value(o, blobs):
    """Inverse of :func:`encode_value`."""
    if o is None or isinstance(o, (bool, int, str)):
        return o
    if isinstance(o, float):                   # not produced, but harmless
        return o
    if isinstance(o, list):
        return [decode_value(x, blobs) for x in o]
    if not isinstance(o, dict) or len(o) != 1:
        raise ValueError("bad encoded value %r" % (o,))
    (tag, p), = o.items()
    if tag == "__float__":
        return float.fromhex(p)
    if tag == "__nd__":
        dt = np.dtype(p["dtype"])
        a = np.frombuffer(blobs[p["blob"]], dtype=dt).copy()
        if "strided" in p:
            # re-create the exact strides (Fortran order, views, negative strides)
            st = p["strided"]
            a = np.lib.stride_tricks.as_strided(
                a[st["offset"]:], shape=tuple(p["shape"]),
                strides=tuple(s * dt.itemsize for s in st["strides"]))
        else:
            a = a.reshape(tuple(p["shape"]))    # own, writeable, C-contiguous
        a = apply_layout(a, p.get("layout"))
        if p.get("flags") and not p["flags"].get("w", True):
            a.flags.writeable = False
        return a
    if tag == "__npscalar__":
        return np.frombuffer(blobs[p["blob"]], dtype=np.dtype(p["dtype"]))[0]
    if tag == "__bytes__":
        return bytes(blobs[p])
    if tag == "__bytearray__":
        return bytearray(blobs[p])
    if tag == "__memoryview__":
        return memoryview(bytes(blobs[p]))
    if tag == "__memoryview_step__":
        blob, step, length = p
        return memoryview(bytes(blobs[blob]))[::step][:length]
    if tag == "__index_only__":
        return IndexOnly(p)
    if tag == "__dtype__":
        return np.dtype(p)
    if tag == "__nptype__":
        return getattr(np, p)
    if tag == "__pytype__":
        return {"int": int, "float": float, "bool": bool, "str": str,
                "bytes": bytes, "complex": complex}[p]
    if tag == "__tuple__":
        return tuple(decode_value(x, blobs) for x in p)
    if tag == "__dict__":
        return {k: decode_value(x, blobs) for k, x in p.items()}
    if tag == "__repr__":
        return Unrepresentable(p)
    raise ValueError("unknown tag %r" % (tag,))


class Unrepresentable:
    """A value the wire format cannot carry; compared by its repr."""

    def __init__(self, r):
        self.r = r

    def __eq__(self, other):
        return isinstance(other, Unrepresentable) and other.r == self.r

    def __repr__(self):
        return "Unrepresentable(%s)" % self.r


def array_flags_of_encoded(o):
    """Flags ({"c","f","w"}) recorded for an encoded ndarray result, or None."""
    if isinstance(o, dict) and "__nd__" in o:
        return o["__nd__"].get("flags")
    return None


# --------------------------------------------------------------------------
# framing
# --------------------------------------------------------------------------

def write_frame(f, header, blobs=()):
    header = dict(header)
    header["blobs"] = [len(b) for b in blobs]
    h = json.dumps(header, allow_nan=True).encode("utf-8")
    f.write(_U64.pack(len(h)))
    f.write(h)
    for b in blobs:
        f.write(b)


def read_frame(f):
    """Read one frame from a binary file object; None at clean EOF.

    Raises EOFError on a partial frame.
    """
    raw = f.read(8)
    if not raw:
        return None
    if len(raw) < 8:
        raise EOFError("partial frame length")
    (n,) = _U64.unpack(raw)
    h = f.read(n)
    if len(h) < n:
        raise EOFError("partial frame header")
    header = json.loads(h.decode("utf-8"))
    blobs = []
    for ln in header.get("blobs", ()):
        b = f.read(ln)
        if len(b) < ln:
            raise EOFError("partial frame blob")
        blobs.append(b)
    return header, blobs


def iter_frames_from_bytes(data):
    """Yield complete frames from ``data``; stop silently at a partial one."""
    import io
    f = io.BytesIO(data)
    while True:
        try:
            fr = read_frame(f)
        except EOFError:
            return
        if fr is None:
            return
        yield fr


# --------------------------------------------------------------------------
# running calls (also used by the parent to run *our* zfpy the same way)
# --------------------------------------------------------------------------

def run_call(module, func, args, kwargs):
    """Call ``module.func(*args, **kwargs)``; return (ok, value_or_exc)."""
    try:
        fn = getattr(module, func)
        return True, fn(*args, **kwargs)
    except Exception as e:                      # noqa: BLE001 - reported back
        return False, e


def _main():
    import faulthandler
    import os

    faulthandler.enable()
    out = sys.stdout.buffer
    inp = sys.stdin.buffer

    import zfpy                                 # the oracle, zfpy 1.0.1
    try:
        from importlib.metadata import version
        zv = version("zfpy")
    except Exception:                           # noqa: BLE001
        zv = "unknown"
    write_frame(out, {"op": "hello", "zfpy_version": zv,
                      "zfpy_file": getattr(zfpy, "__file__", None),
                      "numpy_version": np.__version__,
                      "python": sys.version.split()[0],
                      "prefix": sys.prefix, "pid": os.getpid()})
    out.flush()

    fr = read_frame(inp)
    if fr is None:
        return
    header, blobs = fr
    calls = header["calls"]
    for i, c in enumerate(calls):
        try:
            args = [decode_value(a, blobs) for a in c.get("args", [])]
            kwargs = {k: decode_value(v, blobs) for k, v in c.get("kwargs", {}).items()}
        except Exception as e:                  # noqa: BLE001
            write_frame(out, {"i": i, "ok": False, "exc_type": "OracleDecodeError",
                              "exc_msg": "%s: %s" % (type(e).__name__, e)})
            out.flush()
            continue
        ok, res = run_call(zfpy, c["func"], args, kwargs)
        rblobs = []
        if ok:
            try:
                enc = encode_value(res, rblobs)
            except Exception as e:              # noqa: BLE001
                write_frame(out, {"i": i, "ok": False, "exc_type": "OracleEncodeError",
                                  "exc_msg": "%s: %s" % (type(e).__name__, e)})
                out.flush()
                continue
            write_frame(out, {"i": i, "ok": True, "value": enc}, rblobs)
        else:
            write_frame(out, {"i": i, "ok": False, "exc_type": type(res).__name__,
                              "exc_msg": str(res)})
        out.flush()
        del args, kwargs, res
    write_frame(out, {"op": "done"})
    out.flush()


if __name__ == "__main__":
    _main()
