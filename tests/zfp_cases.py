"""Shared test-case machinery: case descriptors, deterministic data, layouts,
mode parameters, hypothesis strategies, stream bit helpers and comparison
helpers with informative failure messages.

A :class:`Case` is a small, hashable, printable descriptor (dtype, NumPy
shape, mode and parameter, write_header, layout kind, data kind, seed).  The
actual array is generated deterministically from it, so a failing case shown
by hypothesis ("Falsifying example: ...") can be rebuilt exactly with
``Case(...).layout()``.
"""

import math
import os
from dataclasses import dataclass

import numpy as np

from oracle import Call, Layout

DTYPES = ("int32", "int64", "float32", "float64")
ZTYPE = {"int32": 1, "int64": 2, "float32": 3, "float64": 4}
FLOAT_CLAMP = {"float32": 9, "float64": 12}          # 1 + EBITS
UINT_OF = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}

FLOAT_KINDS_LOSSY = ("smooth", "noise", "huge", "tiny", "subnormal", "wide",
                     "constant", "zeros", "sparse", "dyadic")
FLOAT_KINDS_REV_ONLY = ("specials", "negzero", "bits")
INT_KINDS_LOSSY = ("smooth", "noise", "bounded", "constant", "zeros", "sparse")
INT_KINDS_REV_ONLY = ("full", "extremes")
LAYOUTS = ("C", "F", "T", "slice", "neg", "mixed")
MODES = ("reversible", "tolerance", "rate", "precision")


def profile_name():
    try:
        from hypothesis import settings
        return settings.get_current_profile_name()
    except Exception:                                   # noqa: BLE001
        return os.environ.get("HYPOTHESIS_PROFILE", "ci")


def per_profile(ci, thorough, dev=None):
    """Pick a size by the active hypothesis profile (read at import time)."""
    p = profile_name()
    if p == "thorough":
        return thorough
    if p == "dev" and dev is not None:
        return dev
    return ci


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    dtype: str
    shape: tuple
    mode: str = "reversible"         # reversible | tolerance | rate | precision
    param: object = None             # the mode's argument value
    write_header: bool = True
    layout_kind: str = "C"
    kind: str = "smooth"
    seed: int = 0

    def _repr_pretty_(self, p, cycle):          # one line in hypothesis reports
        p.text(repr(self))

    # -- derived ------------------------------------------------------------

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def ztype(self):
        return ZTYPE[self.dtype]

    def kwargs(self):
        """Mode keyword arguments as given to compress_numpy/_decompress."""
        if self.mode == "reversible":
            return {}
        key = {"tolerance": "tolerance", "rate": "rate", "precision": "precision"}[self.mode]
        return {key: self.param}

    def layout(self):
        """The input array as a :class:`Layout` (base + recipe)."""
        rng = np.random.default_rng([self.seed, 0x2F9])
        return make_layout(rng, self.shape, self.layout_kind,
                           lambda shp: make_values(rng, self.dtype, shp, self.kind))

    def array(self):
        return self.layout().materialize()

    def compress_call(self, write_header=None):
        wh = self.write_header if write_header is None else write_header
        c = Call("compress_numpy", self.layout(), write_header=wh, **self.kwargs())
        c.tag = repr(self)
        return c

    def short(self):
        return repr(self)


def n_blocks(shape):
    return int(np.prod([-(-s // 4) for s in shape]))


def rate_bits(rate, ndim):
    """zfp's bits per block for a rate (no type clamp), as a Python int."""
    return int(math.floor((4 ** ndim) * rate + 0.5)) & 0xFFFFFFFF


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def _coords(shape):
    return np.meshgrid(*[np.arange(s, dtype=np.float64) for s in shape], indexing="ij")


def make_values(rng, dtype, shape, kind):
    """Deterministic values of ``dtype`` and ``shape`` (a C-contiguous array)."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "f":
        a = _float_values(rng, dt, shape, n, kind)
    else:
        a = _int_values(rng, dt, shape, n, kind)
    a = np.ascontiguousarray(a.reshape(shape), dtype=dt)
    assert a.dtype == dt and a.shape == tuple(shape)
    return a


def _float_values(rng, dt, shape, n, kind):
    f32 = dt == np.float32
    if kind == "smooth":
        cs = _coords(shape)
        acc = np.zeros(shape)
        for i, c in enumerate(cs):
            acc += np.sin(rng.uniform(0.05, 0.8) * c + rng.uniform(0, 6)) * rng.uniform(0.5, 2)
            acc += rng.uniform(-0.1, 0.1) * c * c / (1 + i)
        scale = 10.0 ** rng.uniform(-6, 6)
        return (acc * scale + rng.uniform(-2, 2) * scale).astype(dt)
    if kind == "noise":
        return (rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6)).astype(dt)
    if kind == "huge":
        top = float(np.finfo(dt).max)
        v = rng.uniform(-1, 1, n) * top * rng.choice([1.0, 0.5, 1e-3, 1e-8], n)
        return v.astype(dt)
    if kind == "tiny":
        # around the "overflowing scale" thresholds (float < 2^-98, double < 2^-962)
        e = rng.integers(-125, -90, n) if f32 else rng.integers(-1021, -950, n)
        v = np.ldexp(rng.uniform(0.5, 1.0, n), e) * rng.choice([-1.0, 1.0], n)
        return v.astype(dt)
    if kind == "subnormal":
        m = rng.integers(-(2 ** 23 if f32 else 2 ** 52), 2 ** 23 if f32 else 2 ** 52, n)
        v = np.ldexp(m.astype(np.float64), -149 if f32 else -1074)
        v[rng.random(n) < 0.3] = 0.0
        return v.astype(dt)                    # exact: every value is representable
    if kind == "wide":
        lo, hi = (-148, 128) if f32 else (-1073, 1024)
        v = np.ldexp(rng.uniform(0.5, 1.0, n), rng.integers(lo, hi, n))
        v *= rng.choice([-1.0, 1.0], n)
        return v.astype(dt)
    if kind == "constant":
        return np.full(n, rng.standard_normal() * 10.0 ** rng.uniform(-10, 10), dtype=dt)
    if kind == "zeros":
        return np.zeros(n, dtype=dt)
    if kind == "sparse":
        v = np.zeros(n)
        m = rng.random(n) < 0.1
        v[m] = rng.standard_normal(int(m.sum())) * 10.0 ** rng.uniform(-5, 5)
        return v.astype(dt)
    if kind == "dyadic":
        return (rng.integers(-2 ** 20, 2 ** 20, n) / 64.0).astype(dt)
    # reversible-only kinds
    if kind == "specials":
        pool = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -2.5, 1e-45 if f32 else 5e-324,
                         float(np.finfo(dt).max), float(np.finfo(dt).tiny), 3.0, -7.25])
        v = rng.choice(pool, n)
        return v.astype(dt)
    if kind == "negzero":
        v = np.zeros(n)
        v[rng.random(n) < 0.2] = -0.0
        return v.astype(dt)
    if kind == "bits":
        ut = UINT_OF[dt.itemsize]
        b = rng.integers(0, np.iinfo(ut).max, n, dtype=ut, endpoint=True)
        return b.view(dt)
    raise ValueError("unknown float kind %r" % kind)


def _int_values(rng, dt, shape, n, kind):
    info = np.iinfo(dt)
    lossy_lim = 2 ** 30 - 1 if dt == np.int32 else 2 ** 62 - 1
    if kind == "smooth":
        cs = _coords(shape)
        acc = np.zeros(shape)
        for c in cs:
            acc += rng.integers(-50, 50) * c * c + rng.integers(-1000, 1000) * c
        acc += rng.integers(-10 ** 6, 10 ** 6)
        acc *= float(rng.choice([1, 3, 1000, 2 ** 12]))
        return np.clip(acc, -lossy_lim, lossy_lim).astype(dt)
    if kind == "noise":
        return rng.integers(-1000, 1000, n).astype(dt)
    if kind == "bounded":
        return rng.integers(-lossy_lim, lossy_lim, n, dtype=dt, endpoint=True)
    if kind == "constant":
        return np.full(n, rng.integers(-lossy_lim, lossy_lim), dtype=dt)
    if kind == "zeros":
        return np.zeros(n, dtype=dt)
    if kind == "sparse":
        v = np.zeros(n, dtype=dt)
        m = rng.random(n) < 0.1
        v[m] = rng.integers(-lossy_lim, lossy_lim, int(m.sum()), dtype=dt)
        return v
    if kind == "full":
        return rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    if kind == "extremes":
        pool = np.array([info.min, info.max, -1, 0, 1, info.min + 1, info.max - 1], dtype=dt)
        return rng.choice(pool, n)
    raise ValueError("unknown int kind %r" % kind)


def kinds_for(dtype, mode):
    f = np.dtype(dtype).kind == "f"
    if mode == "reversible":
        if f:
            return FLOAT_KINDS_LOSSY + FLOAT_KINDS_REV_ONLY
        return INT_KINDS_LOSSY + INT_KINDS_REV_ONLY
    return FLOAT_KINDS_LOSSY if f else INT_KINDS_LOSSY


# --------------------------------------------------------------------------
# layouts
# --------------------------------------------------------------------------

def make_layout(rng, shape, kind, values):
    """A :class:`Layout` whose materialization has logical ``shape``.

    ``values(base_shape)`` produces the contiguous base array.
    """
    shape = tuple(int(s) for s in shape)
    d = len(shape)
    if kind == "C":
        return Layout(values(shape), [])
    if kind == "F":
        return Layout(values(shape), [["F"]])
    if kind == "T":
        axes = [int(x) for x in rng.permutation(d)]
        if d > 1 and axes == list(range(d)):
            axes = axes[1:] + axes[:1]
        base_shape = [0] * d
        for i, ax in enumerate(axes):
            base_shape[ax] = shape[i]
        return Layout(values(tuple(base_shape)), [["T", axes]])
    if kind in ("slice", "neg"):
        pre, spec = _slice_spec(rng, shape, negative=(kind == "neg"))
        return Layout(values(pre), [["S", spec]])
    if kind == "mixed":
        pre, spec = _slice_spec(rng, shape, negative=None)
        axes = [int(x) for x in rng.permutation(d)]
        base_shape = [0] * d
        for i, ax in enumerate(axes):
            base_shape[ax] = pre[i]
        ops = [["T", axes], ["S", spec]]
        if rng.random() < 0.5:
            ops.insert(0, ["F"])
        if rng.random() < 0.3:
            ops.append(["RO"])
        return Layout(values(tuple(base_shape)), ops)
    raise ValueError("unknown layout %r" % kind)


def _slice_spec(rng, shape, negative):
    pre, spec = [], []
    for n in shape:
        k = int(rng.integers(1, 4))
        neg = (rng.random() < 0.5) if negative is None else negative
        if neg:
            s = int(rng.integers(0, k))                 # s < k: exactly n picked
            length = s + (n - 1) * k + 1
            pre.append(length)
            spec.append([length - 1, None, -k])
        else:
            s = int(rng.integers(0, 3))
            length = s + (n - 1) * k + 1 + int(rng.integers(0, 3))
            pre.append(length)
            spec.append([s, s + (n - 1) * k + 1, k])
    return tuple(pre), spec


# --------------------------------------------------------------------------
# mode parameters (numpy RNG versions; hypothesis versions below)
# --------------------------------------------------------------------------

def tolerance_choices():
    out = [0.0, 1e-12, 1e-9, 1e-6, 1e-3, 0.1, 0.5, 1.0, 1.5, 37.0, 1e3]
    for k in (-40, -20, -10, -3, 0, 1, 5, 10):
        t = 2.0 ** k
        out += [t, math.nextafter(t, 0.0), math.nextafter(t, math.inf)]
    return out


def min_rate_bits(dtype):
    return FLOAT_CLAMP.get(dtype, 1)


def fix_rate(dtype, ndim, rate):
    """Raise ``rate`` so that it is safe for zfpy (no heap overflow): float
    bits per block >= 1 + EBITS; ints > 0."""
    lo = min_rate_bits(dtype)
    if np.dtype(dtype).kind == "f" and rate_bits(rate, ndim) < lo:
        return lo / 4 ** ndim
    return rate


# --------------------------------------------------------------------------
# hypothesis strategies
# --------------------------------------------------------------------------

def strategies():
    """Import hypothesis lazily (tools/ scripts do not need it)."""
    from hypothesis import strategies as st

    small_sizes = st.sampled_from([1, 2, 3, 5, 6, 7, 9, 10, 11, 13])

    @st.composite
    def shape_st(draw, rank=None):
        d = draw(st.integers(1, 4)) if rank is None else rank
        big = draw(st.integers(0, 39)) == 0          # ~2.5% bigger arrays
        if big:
            lim = {1: (100, 3000), 2: (20, 70), 3: (9, 22), 4: (5, 13)}[d]
            return tuple(draw(st.integers(*lim)) for _ in range(d))
        return tuple(draw(st.one_of(small_sizes, small_sizes, small_sizes,
                                    st.integers(1, 13))) for _ in range(d))

    @st.composite
    def tolerance_st(draw):
        which = draw(st.integers(0, 3))
        if which == 0:
            return 10.0 ** draw(st.floats(-12, 3))
        if which == 1:
            return draw(st.sampled_from(tolerance_choices()))
        k = draw(st.integers(-50, 12))
        t = 2.0 ** k
        return draw(st.sampled_from([t, math.nextafter(t, 0.0), math.nextafter(t, math.inf)]))

    @st.composite
    def rate_st(draw, dtype, ndim):
        n = 4 ** ndim
        is_f = np.dtype(dtype).kind == "f"
        lo_bits = FLOAT_CLAMP[dtype] if is_f else 1
        which = draw(st.integers(0, 9))
        if which <= 2:
            r = float(draw(st.integers(1, 64)))
        elif which <= 5:
            r = draw(st.floats(lo_bits / n, 48.0, allow_nan=False, allow_infinity=False))
        elif which <= 7:
            r = draw(st.integers(lo_bits, min(4000, 64 * n))) / n   # exact bit counts
        elif which == 8:
            # long mode field (> 2048 bits/block), expert (> 16658), saturation (> 32768)
            r = draw(st.integers(2049, 40000)) / n + draw(st.sampled_from([0.0, 0.3 / n]))
        else:
            if is_f:
                r = draw(st.sampled_from([lo_bits / n, (lo_bits + 0.5) / n, (lo_bits + 0.49) / n]))
            else:
                r = draw(st.sampled_from([0.001, 0.01, 0.1, 1 / 3, 0.5, 1.0, 1.2]))
        if is_f:
            r = fix_rate(dtype, ndim, r)
        return r

    @st.composite
    def case_st(draw, modes=MODES, write_header=None, specials=True, dtypes=DTYPES,
                layouts=LAYOUTS):
        dtype = draw(st.sampled_from(dtypes))
        shape = draw(shape_st())
        mode = draw(st.sampled_from(modes))
        if mode == "reversible":
            param = None
        elif mode == "tolerance":
            param = draw(tolerance_st())
        elif mode == "rate":
            param = draw(rate_st(dtype, len(shape)))
        else:
            param = draw(st.integers(0, 70))
        wh = draw(st.booleans()) if write_header is None else write_header
        if (mode == "rate" and np.dtype(dtype).kind == "i"
                and rate_bits(param, len(shape)) == 0):
            wh = True      # zfpy: a 0-bit header-less int stream is an error
        lay = draw(st.sampled_from(layouts)) if draw(st.integers(0, 2)) else "C"
        kinds = list(kinds_for(dtype, mode))
        if not specials:
            kinds = [k for k in kinds if k not in FLOAT_KINDS_REV_ONLY + INT_KINDS_REV_ONLY]
        elif mode == "reversible":   # weight the lossless-only kinds up
            kinds += [k for k in kinds if k in FLOAT_KINDS_REV_ONLY + INT_KINDS_REV_ONLY] * 2
        kind = draw(st.sampled_from(kinds))
        seed = draw(st.integers(0, 2 ** 32 - 1))
        return Case(dtype, shape, mode, param, wh, lay, kind, seed)

    return {"shape": shape_st, "tolerance": tolerance_st, "rate": rate_st,
            "case": case_st}


HEADER_MAX_BLOCK_BITS = 2 ** 15  # the most bits per block a header records (format.md §2.3)


def refused_by_design(case):
    """True where zfpy writes a stream that no reader decodes back to the
    array and ours refuses it instead (docs/differences-from-zfpy.md): with
    a header, integer blocks of 0 bits, or fixed-rate blocks of more bits
    than the header records."""
    if case.mode != "rate" or not case.write_header:
        return False
    bits = rate_bits(case.param, case.ndim)
    return bits > HEADER_MAX_BLOCK_BITS or (bits == 0 and np.dtype(case.dtype).kind == "i")


def decoder_stays_in_stream(case, stream):
    """False for the one zfpy stream kind whose decoding reads past the end
    of the stream (so zfpy decodes foreign memory and our decoder raises):
    integer fixed-rate streams with 0 bits per block, where zfp's encoder
    writes nothing per block but the header says 1 bit per block
    (format.md §14.1)."""
    if (case.mode == "rate" and np.dtype(case.dtype).kind == "i"
            and rate_bits(case.param, case.ndim) == 0):
        hbits = 148 if case.write_header else 0
        need = hbits + n_blocks(case.shape) * (1 if case.write_header else 0)
        return need <= 8 * len(stream)
    return True


# --------------------------------------------------------------------------
# stream bit helpers
# --------------------------------------------------------------------------

def header_bits(stream):
    """96 or 148: length of the full zfp header at the start of ``stream``."""
    mode12 = _get_bits(stream, 84, 12)
    return 148 if mode12 == 0xFFF else 96


def _get_bits(buf, pos, n):
    v = int.from_bytes(bytes(buf[pos // 8:(pos + n + 7) // 8 + 1]), "little")
    return (v >> (pos % 8)) & ((1 << n) - 1)


class BitWriter:
    """LSB-first bit packer (stream bit i = bit i%8 of byte i//8)."""

    def __init__(self):
        self.value = 0
        self.n = 0

    def write(self, v, nbits):
        self.value |= (int(v) & ((1 << nbits) - 1)) << self.n
        self.n += nbits
        return self

    def to_bytes(self, nbytes=None):
        nb = (self.n + 7) // 8 if nbytes is None else nbytes
        return self.value.to_bytes(nb, "little")


def craft_header(ztype, zfp_sizes, minbits, maxbits, maxprec, minexp, long_form=True):
    """Full zfp header (MAGIC, META, MODE) from raw values (format.md §2).

    ``zfp_sizes`` is (nx, ny, ...) in zfp order.  The MODE field is written in
    the long form with the given (possibly invalid) values, each clamped to
    its field like zfp's writer does.  Returns (BitWriter, nbits).
    """
    w = BitWriter()
    for b in (0x7A, 0x66, 0x70, 5):
        w.write(b, 8)
    d = len(zfp_sizes)
    meta = (ztype - 1) | ((d - 1) << 2)
    width = {1: 48, 2: 24, 3: 16, 4: 12}[d]
    for i, s in enumerate(zfp_sizes):
        meta |= (s - 1) << (4 + i * width)
    w.write(meta, 52)
    if long_form:
        def cl(v, lo, hi):
            return max(lo, min(hi, v))
        mode = 0xFFF
        mode |= (cl(minbits, 1, 32768) - 1) << 12
        mode |= (cl(maxbits, 1, 32768) - 1) << 27
        mode |= (cl(maxprec, 1, 128) - 1) << 42
        mode |= cl(minexp + 16495, 0, 32767) << 49
        w.write(mode, 64)
    return w


def block_bits_bound(dtype, ndim, minbits=0):
    """Generous upper bound of the bits one block may consume (any mode,
    including the wrapped budget of maxbits < 1 + EBITS, and reversible)."""
    B = 4 ** ndim
    P = 32 if np.dtype(dtype).itemsize == 4 else 64
    return max(int(minbits), 64 + B * (P + 2) + B)


def random_payload(rng, nbits, density):
    """``nbits`` random bits (as an int, bit i = stream bit i) with P(1)=density."""
    nbytes = (nbits + 7) // 8
    bits = rng.random(nbytes * 8) < density
    packed = np.packbits(bits, bitorder="little").tobytes()
    return int.from_bytes(packed, "little") & ((1 << nbits) - 1)


def splice(prefix_bytes, prefix_bits, payload_int, payload_bits, total_bytes):
    """First ``prefix_bits`` of ``prefix_bytes`` followed by ``payload_bits``
    bits of ``payload_int``, zero-filled to ``total_bytes``."""
    pre = int.from_bytes(bytes(prefix_bytes), "little") & ((1 << prefix_bits) - 1)
    v = pre | (payload_int << prefix_bits)
    return v.to_bytes(total_bytes, "little")


# --------------------------------------------------------------------------
# comparison helpers
# --------------------------------------------------------------------------

def bytes_diff(ours, theirs):
    """Human-readable description of the first difference, or None."""
    ours, theirs = bytes(ours), bytes(theirs)
    if ours == theirs:
        return None
    n = min(len(ours), len(theirs))
    i = next((k for k in range(n) if ours[k] != theirs[k]), n)
    if i < n:
        x = ours[i] ^ theirs[i]
        bit = i * 8 + ((x & -x).bit_length() - 1)
        where = "first differing byte %d (stream bit %d)" % (i, bit)
    else:
        where = "identical over the common %d bytes" % n
    lo = max(0, i - 8)
    return ("lengths ours=%d zfpy=%d; %s\n  ours [%d:%d]: %s\n  zfpy [%d:%d]: %s"
            % (len(ours), len(theirs), where, lo, i + 16, ours[lo:i + 16].hex(),
               lo, i + 16, theirs[lo:i + 16].hex()))


def array_bits(a):
    a = np.ascontiguousarray(a)
    return a.view(UINT_OF[a.dtype.itemsize])


def array_diff(ours, theirs):
    """Compare dtype, shape and bit patterns; description or None."""
    if not isinstance(ours, np.ndarray) or not isinstance(theirs, np.ndarray):
        return "types differ: ours %s, zfpy %s" % (type(ours).__name__, type(theirs).__name__)
    if ours.dtype != theirs.dtype:
        return "dtype ours=%s zfpy=%s" % (ours.dtype, theirs.dtype)
    if ours.shape != theirs.shape:
        return "shape ours=%s zfpy=%s" % (ours.shape, theirs.shape)
    bo, bt = array_bits(ours), array_bits(theirs)
    ne = np.flatnonzero((bo != bt).ravel())
    if ne.size == 0:
        return None
    k = int(ne[0])
    idx = np.unravel_index(k, ours.shape) if ours.ndim else ()
    return ("%d of %d elements differ; first at index %s: ours=%r (0x%x) zfpy=%r (0x%x)"
            % (ne.size, ours.size, tuple(int(i) for i in idx), ours.ravel()[k],
               int(bo.ravel()[k]), theirs.ravel()[k], int(bt.ravel()[k])))


def result_diff(ours, theirs, kind="auto"):
    """Compare two :class:`oracle.Result`; description or None."""
    if ours.ok != theirs.ok:
        if ours.ok:
            return "zfpy raised %s: %s, ours returned %r" % (theirs.exc_type, theirs.exc_msg, ours)
        return "ours raised %s: %s, zfpy returned %r" % (ours.exc_type, ours.exc_msg, theirs)
    if not ours.ok:
        # same message, and our exception is zfpy's class or a subclass of it
        # (e.g. a ZFPError(ValueError) where zfpy raises ValueError)
        same_type = theirs.exc_type in (ours.exc_mro or [ours.exc_type])
        if not same_type or ours.exc_msg != theirs.exc_msg:
            return ("different exceptions: ours %s: %s | zfpy %s: %s"
                    % (ours.exc_type, ours.exc_msg, theirs.exc_type, theirs.exc_msg))
        return None
    a, b = ours.value, theirs.value
    if isinstance(b, bytes):
        if not isinstance(a, bytes):
            return "zfpy returned bytes, ours returned %s" % type(a).__name__
        return bytes_diff(a, b)
    if isinstance(b, np.ndarray):
        d = array_diff(a, b)
        if d is None and theirs.flags and theirs.flags.get("c") and not a.flags.c_contiguous:
            d = "zfpy's result is C-contiguous, ours is not"
        return d
    if canon(a) != canon(b):
        return "values differ: ours %r | zfpy %r" % (a, b)
    return None


def canon(v):
    """Structure with exact types, for strict equality (1 != 1.0 != np.float64(1))."""
    if isinstance(v, dict):
        return ("dict", tuple((k, canon(x)) for k, x in v.items()))
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, tuple(canon(x) for x in v))
    if isinstance(v, float):
        return (type(v).__name__, v.hex() if not math.isnan(v) else "nan")
    if isinstance(v, np.ndarray):
        return ("ndarray", v.dtype.str, v.shape, array_bits(v).tobytes())
    if isinstance(v, type):
        return ("type", v.__module__, v.__qualname__)
    return (type(v).__name__, v)


def report(failures, total, what, limit=5):
    """Assertion text for a batch: count plus the first ``limit`` failures."""
    lines = ["%d of %d %s differ from zfpy 1.0.1 (the oracle):" % (len(failures), total, what)]
    for desc, diff in failures[:limit]:
        lines.append("- case: %s\n  %s" % (desc, diff.replace("\n", "\n  ")))
    if len(failures) > limit:
        lines.append("... and %d more" % (len(failures) - limit))
    return "\n".join(lines)
