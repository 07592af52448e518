"""Interoperability with Debian's ``zfp`` command-line program (the SECOND
ORACLE: ``/usr/bin/zfp``, zfp 1.0.0, package ``zfp``; ``apt-get install -y
zfp``).  Skipped when the program is absent, except under CI (env ``CI``
set), where its absence is a failure.

Facts used here (checked against the program):

* zfp's dims are ``nx ny nz nw`` (x fastest) = the reversed NumPy shape.
* Debian's libzfp packs the stream in 8-bit words, so ``-h`` files end on a
  byte boundary; the bits are the same as zfpy's/ours, which are zero-padded
  to a multiple of 8 bytes.  Streams are compared as ``ours == theirs +
  zero bytes up to a multiple of 8``.
* ``zfp -r`` gives ``set_rate`` the scalar type, so float rates are clamped
  to at least 9 (float) / 12 (double) bits per block, unlike zfpy's
  ``compress_numpy``.  The equivalent zfpy call therefore uses the clamped
  bit count: ``rate = max(floor(4^d r + 0.5), 1 + EBITS) / 4^d``.
* ``-c minbits maxbits maxprec minexp`` sets expert parameters (``maxbits 0``
  = unlimited, ``maxprec 0`` = full); zfpy cannot produce those streams, so
  for them only decoding is compared (plus bytes where the parameters
  coincide with a zfpy mode).
"""

import math
import os
import shutil
import subprocess

import numpy as np
import pytest

import zfp_cases as zc

pytestmark = pytest.mark.cli

TFLAG = {"int32": "i32", "int64": "i64", "float32": "f32", "float64": "f64"}
SHAPES = {1: [(13,), (6,)],
          2: [(5, 7), (4, 9)],
          3: [(3, 6, 5), (4, 4, 2)],
          4: [(2, 3, 5, 6), (5, 1, 4, 2)]}


@pytest.fixture(scope="session")
def zfp_cli():
    exe = shutil.which("zfp") or ("/usr/bin/zfp" if os.path.exists("/usr/bin/zfp") else None)
    if exe is None:
        msg = ("Debian's zfp command-line program is not installed "
               "(apt-get install -y zfp)")
        if os.environ.get("CI"):
            pytest.fail(msg + "; it is required when CI is set", pytrace=False)
        pytest.skip(msg)
    return exe


def _run(exe, args, cwd):
    r = subprocess.run([exe, "-q"] + [str(a) for a in args], cwd=cwd,
                       capture_output=True, timeout=120)
    assert r.returncode == 0, "zfp %s failed (%d): %s" % (
        " ".join(map(str, args)), r.returncode, r.stderr.decode(errors="replace"))
    return r


def _dims(shape):
    d = len(shape)
    return ["-%d" % d] + [str(s) for s in reversed(shape)]


def _rate_equiv(dtype, d, r):
    """compress_numpy rate equivalent to ``zfp -r r`` (type clamp applied)."""
    bits = zc.rate_bits(r, d)
    if dtype in zc.FLOAT_CLAMP:
        bits = max(bits, zc.FLOAT_CLAMP[dtype])
    return bits / 4 ** d


def _modes(dtype, d):
    """(CLI args, compress_numpy kwargs or None, description)."""
    n = 4 ** d
    is_f = dtype.startswith("float")
    out = []
    for r in (1.0, 2.5, 8.0, 16.0, 3 / n, 13.25, 40.0):
        out.append((["-r", repr(r)], {"rate": _rate_equiv(dtype, d, r)}, "rate %r" % r))
    for p in (1, 5, 16, 31, 64):
        out.append((["-p", str(p)], {"precision": p}, "precision %d" % p))
    for t in (1e-6, 2.0 ** -10, 0.5, 1.0, 37.0, 0.0):
        out.append((["-a", repr(t)], {"tolerance": t}, "tolerance %r" % t))
    out.append((["-R"], {}, "reversible"))
    # expert: (minbits, maxbits, maxprec, minexp); 0 = unlimited/full
    P = 32 if dtype in ("int32", "float32") else 64
    experts = [(0, 0, 0, -1074), (1, 0, 0, -1074), (64, 64, 0, -1074),
               (n * 4, n * 4, 0, -1074), (n * 6, n * 8, 20, -1074), (1, n * 10, 0, -12),
               (n * 3, 0, 24, -30), (1, 0, 0, -1075), (200, 0, 0, -1075),
               (1, n * 7, 0, -1075), (1, 0, 12, 0), (5, 9, P, -1074), (12, 12, 0, -1074),
               (1, 0, 64, -20), (0, 0, 17, -1074), (1, 0, 0, 5)]
    for mn, mx, mp, me in experts:
        if is_f and 0 < mx < zc.FLOAT_CLAMP[dtype]:
            continue    # the CLI overflows its buffer (heap corruption) there
        kw = _expert_equiv(dtype, d, mn, mx, mp, me)
        out.append((["-c", mn, mx, mp, me], kw, "expert %d %d %d %d" % (mn, mx, mp, me)))
    return out


def _expert_equiv(dtype, d, mn, mx, mp, me):
    """compress_numpy kwargs giving the same stream as ``zfp -c mn mx mp me``,
    or None if zfpy cannot express it.  The CLI maps maxbits 0 to 16658 and
    maxprec 0 to the type's precision (32 or 64); the header then classifies
    the parameters (format.md §3.7)."""
    P = 32 if dtype in ("int32", "float32") else 64
    mx = 16658 if mx == 0 else mx
    mp = P if mp == 0 else mp
    n = 4 ** d
    if mn == mx and 1 <= mx <= 16658 and mp >= 64 and me == -1074:
        return {"rate": mx / n}
    if mn <= 1 and mx == 16658 and me == -1074:
        if mp >= 64:
            # defaults (1, 16658, 64, -1074) = zfpy precision 64 (long form);
            # minbits 0 gives the short code 2111 that zfpy never writes
            return {"precision": 64} if mn == 1 else None
        return {"precision": mp}     # minbits 0 or 1 code identically
    if mn == 1 and mx == 16658 and mp >= 64 and -1074 < me <= 1023:
        return {"tolerance": 2.0 ** me}
    if mn == 1 and mx == 16658 and mp >= 64 and me == -1075:
        return {}
    return None


def _data(dtype, shape, reversible, seed, kind=None):
    rng = np.random.default_rng(seed)
    kinds = zc.kinds_for(dtype, "reversible" if reversible else "rate")
    kind = kind or kinds[seed % len(kinds)]
    return zc.make_values(rng, dtype, shape, kind), kind


def _cases(dtype, d):
    k = 0
    for shape in SHAPES[d]:
        for args, kw, desc in _modes(dtype, d):
            k += 1
            rev = desc == "reversible" or (args[0] == "-c" and args[4] < -1074)
            kind = None
            if rev and args[0] == "-c" and args[1] > 1 and dtype.startswith("float"):
                # zfp's reversible encoder does not pad empty (all +0.0) float
                # blocks to minbits but its decoder skips minbits bits there
                # (format.md §11.10): such streams are self-inconsistent and zfp
                # decodes them from memory beyond the stream.  Avoid zero blocks.
                kind = "smooth"
            arr, kind = _data(dtype, shape, rev, 1000 * d + k, kind)
            yield shape, args, kw, desc, arr, kind


PARAMS = [pytest.param(t, d, id="%s-%dd" % (t, d)) for t in zc.DTYPES for d in (1, 2, 3, 4)]


@pytest.mark.parametrize("dtype,d", PARAMS)
def test_zfp_cli_decodes_our_streams_to_our_decompress_numpy_values(
        zfp_cli, zfpy_ours, tmp_path, dtype, d):
    """``zfp -h -z ours.zfp -o out.raw`` (Debian zfp 1.0.0) decodes streams
    made by our compress_numpy to exactly the values our decompress_numpy
    returns, for every mode zfpy can produce."""
    failures = []
    seen = set()
    for shape, args, kw, desc, arr, kind in _cases(dtype, d):
        if kw is None or (desc, shape) in seen:
            continue
        seen.add((desc, shape))
        stream = zfpy_ours.compress_numpy(arr, **kw)
        zf = tmp_path / "ours.zfp"
        raw = tmp_path / "out.raw"
        zf.write_bytes(stream)
        _run(zfp_cli, ["-h", "-z", zf, "-o", raw], tmp_path)
        theirs = np.fromfile(raw, dtype=dtype)
        ours = zfpy_ours.decompress_numpy(stream)
        diff = zc.array_diff(ours.ravel(), theirs) if theirs.size == ours.size else (
            "zfp decoded %d values, ours %d" % (theirs.size, ours.size))
        if diff:
            failures.append(("compress_numpy(%s %s %s data, %r) [%s]"
                             % (dtype, shape, kind, kw, desc), diff))
    assert not failures, "\n".join(
        ["%d streams decode differently in zfp CLI (Debian zfp 1.0.0) and ours:"
         % len(failures)] + ["- %s\n  %s" % f for f in failures[:8]])


@pytest.mark.parametrize("dtype,d", PARAMS)
def test_zfp_cli_streams_equal_ours_and_decode_identically(
        zfp_cli, zfpy_ours, tmp_path, dtype, d):
    """A raw file compressed by ``zfp -h -i raw -z out -t T -N dims
    -r/-p/-a/-R/-c`` (Debian zfp 1.0.0): (1) our decompress_numpy decodes it
    to the values ``zfp -h -z out -o dec.raw`` produces, and (2) for modes
    zfpy can express, our compress_numpy bytes equal zfp's bytes zero-padded
    to a multiple of 8."""
    failures = []
    for shape, args, kw, desc, arr, kind in _cases(dtype, d):
        where = "zfp -t %s %s %s [%s data]" % (TFLAG[dtype], " ".join(_dims(shape)),
                                              " ".join(map(str, args)), kind)
        raw = tmp_path / "in.raw"
        zf = tmp_path / "cli.zfp"
        dec = tmp_path / "dec.raw"
        arr.tofile(raw)
        _run(zfp_cli, ["-h", "-i", raw, "-z", zf, "-t", TFLAG[dtype]] + _dims(shape) + args,
             tmp_path)
        z = zf.read_bytes()
        _run(zfp_cli, ["-h", "-z", zf, "-o", dec], tmp_path)
        theirs = np.fromfile(dec, dtype=dtype).reshape(shape)
        # (1) decoding, both from zfp's file as is and zero-padded to 8 bytes
        padded = z + bytes(-len(z) % 8)
        for label, buf in (("as written", z), ("zero-padded", padded)):
            try:
                ours = zfpy_ours.decompress_numpy(buf)
                diff = zc.array_diff(ours, theirs)
            except Exception as e:                      # noqa: BLE001
                diff = "our decompress_numpy raised %s: %s" % (type(e).__name__, e)
            if diff:
                failures.append(("%s, stream %s (%d bytes)" % (where, label, len(buf)), diff))
        # (2) encoding
        if kw is not None:
            ours_s = zfpy_ours.compress_numpy(arr, **kw)
            diff = zc.bytes_diff(ours_s, padded)
            if diff:
                failures.append(("%s vs compress_numpy(%r)" % (where, kw),
                                 diff.replace("zfpy", "zfp CLI")))
    assert not failures, "\n".join(
        ["%d comparisons with the zfp CLI (Debian zfp 1.0.0) failed:" % len(failures)]
        + ["- %s\n  %s" % (w, d.replace("\n", "\n  ")) for w, d in failures[:8]])


def test_zfp_cli_rate_1_on_doubles_is_type_clamped_to_compress_numpy_rate_3(zfp_cli, zfpy_ours,
                                                                           tmp_path):
    """``zfp -r 1`` on 1-D doubles stores 12 bits per block (type clamp),
    i.e. exactly compress_numpy(rate=3.0), which is what our equivalence
    mapping assumes."""
    arr = np.linspace(-3, 7, 11)
    arr.tofile(tmp_path / "in.raw")
    _run(zfp_cli, ["-h", "-i", tmp_path / "in.raw", "-z", tmp_path / "o.zfp", "-t", "f64",
                   "-1", "11", "-r", "1"], tmp_path)
    z = (tmp_path / "o.zfp").read_bytes()
    ours = zfpy_ours.compress_numpy(arr, rate=3.0)
    assert ours == z + bytes(-len(z) % 8), zc.bytes_diff(ours, z + bytes(-len(z) % 8))
    assert math.isclose(zfpy_ours.header(ours)["config"]["rate"], 3.0)
