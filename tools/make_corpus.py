#!/usr/bin/env python3
"""Build ``tests/data/corpus.npz``: reference streams made by the real zfpy
1.0.1 (the ORACLE), for offline tests (``tests/test_corpus.py``).

Usage (from the repository root; needs network once to build the oracle
venv, see ``tests/oracle.py``)::

    python tools/make_corpus.py            # (re)write tests/data/corpus.npz
    python tools/make_corpus.py --check    # compare a fresh build with the file

Contents, all produced by zfpy 1.0.1 through ``tests/oracle.py``:

* for each dtype (int32, int64, float32, float64) x rank (1-4) x mode
  (reversible, tolerance, fractional rate, precision, precision 0 = expert
  long mode field, long-form rate > 2048 bits/block): a deterministic input
  array (exact binary fractions; reversible float inputs also hold NaN,
  +/-inf, -0.0 and subnormals, reversible int inputs the type's extremes),
  the stream with header, the stream without header, the
  ``decompress_numpy`` result and the ``_decompress`` result;
* the reference streams E1-E8 of docs/format.md §16.1
  (inputs rebuilt from their formulas), with decoded arrays.

The arrays are stored under ``<id>/input``, ``<id>/stream``,
``<id>/stream_nohdr``, ``<id>/decoded`` and, only where it differs from
``decoded``, ``<id>/decoded_nohdr``; the JSON
``manifest`` (a uint8 array) lists every id with dtype, shape and the
compress_numpy keyword arguments.  Loading needs no pickle.
"""

import argparse
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from oracle import Call, Oracle  # noqa: E402

OUT = ROOT / "tests" / "data" / "corpus.npz"
DTYPES = ("int32", "int64", "float32", "float64")
SHAPES = {1: (23,), 2: (6, 9), 3: (5, 3, 7), 4: (3, 2, 5, 6)}

# E1-E8: (id, input builder, kwargs, bytes, first 24 bytes hex, sha256[:16]
# of stream, sha256[:16] of decoded), from zfpy 1.0.1 (docs/format.md §16.1)
SPEC_E = [
    ("E1", "F579_f8", {"tolerance": 1e-3}, 760,
     "7a6670058b006000400090ca0188cd20022d6350cd3a4000", "1ecab61905d1f2ad", "2c1feb1ba8d06b77"),
    ("E2", "F579_f8", {"rate": 8.0}, 784,
     "7a6670058b0060004000f01f0188cd20022d6350cd3a4000", "309ea47c10693007", "3c6deec19aaa79f7"),
    ("E3", "F79_f4", {"precision": 16}, 128,
     "7a667005860000600000f080fdd8da93b80347fbc96b2e79", "39cc39b711adadeb", "4d4bcae13e51dc99"),
    ("E4", "I37", {"rate": 8.0}, 56,
     "7a667005400200000000f0010000a00600003038000030b2", "9aed496252f6a525", "613a461a0af2c6af"),
    ("E5", "E5", {"precision": 12}, 24,
     "7a667005530000000000b08005885900002840ab16000000", "bf8f510ed6faff6c", "d73f023a3f852bf2"),
    ("E6", "F579_f8", {"precision": 64}, 3704,
     "7a6670058b0060004000f0ff008088e0af871780d80c22d0", "9a08f932376c97ef", "e0ddef2420829792"),
    ("E7", "F579_f8", {"rate": 40.0}, 3864,
     "7a6670058b0060004000f0ffff89ffc4af871780d80c22d0", "4b4ecdedb0161238", "e0ddef2420829792"),
    ("E8", "I6532", {"tolerance": 0.5}, 240,
     "7a6670051d000240000520cb00000000000044b81010020e", "5c5babd31139bc00", "ac291f24d67aa676"),
]


def spec_F(Z, Y, X):
    z, y, x = np.meshgrid(np.arange(Z), np.arange(Y), np.arange(X), indexing="ij")
    return ((3 * x * x - 5 * x * y + 7 * z * z - 11) / 64.0
            + ((37 * x + 101 * y + 13 * z) % 17) / 1024.0)


def spec_input(name):
    if name == "F579_f8":
        return spec_F(5, 7, 9).astype(np.float64)
    if name == "F79_f4":
        return np.ascontiguousarray(spec_F(1, 7, 9)[0]).astype(np.float32)
    if name == "I37":
        x = np.arange(37)
        return (13 * x * x - 400 * x + 7).astype(np.int32)
    if name == "E5":
        return np.array([1.0, 2, 3, 4, 5, 6])
    if name == "I6532":
        w, z, y, x = np.meshgrid(np.arange(6), np.arange(5), np.arange(3), np.arange(2),
                                 indexing="ij")
        return (1000 * (x - 2 * y + 3 * z - 4 * w)).astype(np.int64)
    raise KeyError(name)


def corpus_input(dtype, shape, reversible):
    """Deterministic values (no RNG): smooth part + hashed ripple, all exact."""
    grids = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
    lin = np.zeros(shape, dtype=np.int64)
    smooth = np.zeros(shape, dtype=np.int64)
    for i, g in enumerate(grids):
        lin = lin * shape[i] + g
        smooth += (3 + 2 * i) * g * g - (7 - i) * g
    ripple = (lin * 2654435761) % 257 - 128
    dt = np.dtype(dtype)
    if dt.kind == "i":
        v = smooth * 4096 + ripple * 3
        if reversible:
            info = np.iinfo(dt)
            v = v.astype(dt)
            flat = v.reshape(-1)
            flat[:: 11] = info.max
            flat[5:: 13] = info.min
            flat[3:: 17] = (ripple.reshape(-1)[3::17].astype(np.int64) << (dt.itemsize * 8 - 9)
                            ).astype(dt)
            return v
        return v.astype(dt)
    v = smooth / 8.0 + ripple / 1024.0
    v = v.astype(dt)
    if reversible:
        flat = v.reshape(-1)
        specials = [np.nan, np.inf, -np.inf, -0.0, float(np.finfo(dt).tiny) / 8, 1e-30,
                    -float(np.finfo(dt).max)]
        for k, sv in enumerate(specials):
            flat[(7 * k + 2) % flat.size] = sv
    return v


def corpus_modes(dtype, d):
    n = 4 ** d
    return [("rev", {}),
            ("tol", {"tolerance": 2.0 ** -7 if dtype.startswith("float") else 3.0}),
            ("rate", {"rate": 6.5}),
            ("prec", {"precision": 13}),
            ("prec0", {"precision": 0}),
            ("ratelong", {"rate": 2100.25 / n})]


def build(orc):
    entries = []      # (id, meta, input)
    for dtype in DTYPES:
        for d in (1, 2, 3, 4):
            for mname, kw in corpus_modes(dtype, d):
                arr = corpus_input(dtype, SHAPES[d], mname == "rev")
                cid = "%s_%dd_%s" % (dtype, d, mname)
                entries.append((cid, {"dtype": dtype, "shape": list(arr.shape), "kwargs": kw,
                                      "kind": "grid"}, arr))
    for eid, inp, kw, nbytes, head, hs, hd in SPEC_E:
        arr = spec_input(inp)
        entries.append((eid, {"dtype": arr.dtype.name, "shape": list(arr.shape), "kwargs": kw,
                              "kind": "spec", "spec": {"bytes": nbytes, "head": head,
                                                       "sha_stream": hs, "sha_decoded": hd}},
                        arr))
    calls = []
    for cid, meta, arr in entries:
        calls.append(Call("compress_numpy", arr, **meta["kwargs"]))
        calls.append(Call("compress_numpy", arr, write_header=False, **meta["kwargs"]))
    res = orc.run(calls)
    streams = {}
    for k, (cid, meta, arr) in enumerate(entries):
        r1, r2 = res[2 * k], res[2 * k + 1]
        assert r1.ok and r2.ok, (cid, r1, r2)
        streams[cid] = (r1.value, r2.value)
    ztype = {"int32": 1, "int64": 2, "float32": 3, "float64": 4}
    calls = []
    for cid, meta, arr in entries:
        s, sn = streams[cid]
        calls.append(Call("decompress_numpy", s))
        calls.append(Call("_decompress", sn, ztype[meta["dtype"]], tuple(arr.shape),
                          **meta["kwargs"]))
    res = orc.run(calls)
    store = {}
    manifest = {"generator": "tools/make_corpus.py", "oracle": orc.info.get("zfpy_version"),
                "numpy": orc.info.get("numpy_version"), "cases": []}
    problems = []
    for k, (cid, meta, arr) in enumerate(entries):
        r1, r2 = res[2 * k], res[2 * k + 1]
        assert r1.ok and r2.ok, (cid, r1, r2)
        s, sn = streams[cid]
        store[cid + "/input"] = arr
        store[cid + "/stream"] = np.frombuffer(s, np.uint8)
        store[cid + "/stream_nohdr"] = np.frombuffer(sn, np.uint8)
        store[cid + "/decoded"] = r1.value
        if r2.value.tobytes() != r1.value.tobytes():   # stored only when different
            store[cid + "/decoded_nohdr"] = r2.value
        manifest["cases"].append(dict(meta, id=cid))
        if meta["kind"] == "spec":
            sp = meta["spec"]
            got = (len(s), s[:24].hex(), hashlib.sha256(s).hexdigest()[:16],
                   hashlib.sha256(np.ascontiguousarray(r1.value).tobytes()).hexdigest()[:16])
            want = (sp["bytes"], sp["head"], sp["sha_stream"], sp["sha_decoded"])
            if got != want:
                problems.append("%s: spec table says %r, zfpy 1.0.1 gives %r" % (cid, want, got))
    store["manifest"] = np.frombuffer(json.dumps(manifest, sort_keys=True).encode(), np.uint8)
    return store, problems


def serialize(store):
    buf = io.BytesIO()
    np.savez_compressed(buf, **store)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--check", action="store_true",
                    help="rebuild in memory and compare with --out instead of writing")
    a = ap.parse_args()
    orc = Oracle.create(log=lambda m: print("[oracle]", m, file=sys.stderr))
    orc.hello()
    store, problems = build(orc)
    for p in problems:
        print("SPEC MISMATCH:", p, file=sys.stderr)
    if a.check:
        old = np.load(a.out, allow_pickle=False)
        bad = [k for k in store if k not in old.files or not (
            old[k].dtype == store[k].dtype and old[k].shape == store[k].shape
            and old[k].tobytes() == store[k].tobytes())]
        bad += [k for k in old.files if k not in store]
        print("corpus %s: %s" % (a.out, "up to date" if not bad else "DIFFERS in %s" % bad[:10]))
        return 1 if bad or problems else 0
    data = serialize(store)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_bytes(data)
    n = len(json.loads(store["manifest"].tobytes())["cases"])
    print("wrote %s: %d cases, %d bytes" % (a.out, n, len(data)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
