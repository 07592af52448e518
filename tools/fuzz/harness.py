"""What the fuzzer feeds to zfpcodec, and what it counts as a bug.

One input exercises both decoders of the zfpy API:

* ``decompress_numpy(data)``: the whole input as a stream with a header;
* ``_decompress(data[:-4], ztype, shape, ...)``: the input less its last 4
  bytes as a headerless stream, with the type, shape and mode those 4 bytes
  select (`decode_trailer`).

A stream with a header followed by any 4 bytes is a good input for both, so
the seeds (tools/fuzz/seeds.py) are streams with a trailer appended.

Allowed outcomes: an array, ZFPError (corrupt or truncated stream), or
MemoryError for a declared array the machine cannot hold.  Anything else
(another exception, a crash, a hang, a sanitizer report) is a bug.  For
streams in reversible mode the decoded array must also survive a lossless
round trip bit for bit.

This module needs no fuzzer: tests/test_hostile_fuzz_regressions.py replays
saved inputs through `check`.
"""

from __future__ import annotations

import numpy as np

import zfpy
from zfpcodec import ZFPError

TRAILER_BYTES = 4
MAX_AXIS = 16           # sizes 1..16 per axis: at most 65536 values

# (name, keyword arguments of the mode) selected by the trailer
MODES = (
    ("reversible", lambda p: {}),
    ("rate", lambda p: {"rate": 0.25 * (p + 1)}),          # 0.25 .. 64 bits/value
    ("precision", lambda p: {"precision": 1 + p % 64}),
    ("tolerance", lambda p: {"tolerance": 2.0 ** (p % 64 - 40)}),
)


def decode_trailer(trailer: bytes) -> tuple[int, list[int], dict, bool, int]:
    """(ztype, NumPy shape, mode keywords, Fortran-ordered out, threads)
    for `_decompress` from 4 bytes: byte 0: ztype (bits 0-1) + rank (bits
    2-3) + mode (bits 4-5) + decode into a Fortran-ordered `out` (bit 6) +
    3 worker threads (bit 7); byte 1: the mode's parameter; bytes 2-3: four
    4-bit axis sizes."""
    code, parameter, low, high = trailer
    ztype = 1 + (code & 3)
    dims = 1 + (code >> 2 & 3)
    _, keywords = MODES[code >> 4 & 3]
    nibbles = [low & 15, low >> 4, high & 15, high >> 4]
    shape = [1 + n for n in nibbles[:dims]]
    return ztype, shape, keywords(parameter), bool(code & 64), 3 if code & 128 else 1


def encode_trailer(ztype: int, shape: tuple[int, ...], mode: int, parameter: int) -> bytes:
    """The trailer that `decode_trailer` maps back to these arguments
    (sizes must be 1..16, mode an index into MODES)."""
    nibbles = [n - 1 for n in shape] + [0] * (4 - len(shape))
    code = (ztype - 1) | (len(shape) - 1) << 2 | mode << 4
    return bytes([code, parameter, nibbles[0] | nibbles[1] << 4, nibbles[2] | nibbles[3] << 4])


def _reversible_round_trip(values: np.ndarray, header: dict | None) -> None:
    if header is None or header["mode"] != "reversible":
        return
    again = zfpy.decompress_numpy(zfpy.compress_numpy(values))
    if again.tobytes() != values.tobytes():
        raise AssertionError("a reversible stream's values do not survive a lossless "
                             "round trip")


def check(data: bytes) -> None:
    """Run one input through both decoders; raise on a bug."""
    try:
        values = zfpy.decompress_numpy(data)
    except (ZFPError, MemoryError):
        pass
    else:
        header = zfpy.header(data)
        expected = tuple(n for n in (header["nw"], header["nz"], header["ny"], header["nx"]) if n)
        if values.shape != expected or values.dtype != np.dtype(header["type"]):
            raise AssertionError(f"decoded {values.dtype}{values.shape}, header says "
                                 f"{header['type']}{expected}")
        _reversible_round_trip(values, header)
        if header["mode"] == "rate":     # fixed rate: decoded by worker threads
            again = zfpy.decompress_numpy(data, threads=3)
            if again.tobytes() != values.tobytes():
                raise AssertionError("3 worker threads decode other values than 1")
    if len(data) <= TRAILER_BYTES:
        return
    ztype, shape, keywords, fortran, threads = decode_trailer(data[-TRAILER_BYTES:])
    out = None
    if fortran:
        out = np.empty(shape, dtype=zfpy.ztype_to_dtype(ztype), order="F")
    try:
        values = zfpy._decompress(data[:-TRAILER_BYTES], ztype, shape, out=out,
                                  threads=threads, **keywords)
    except ZFPError:
        return
    if values.shape != tuple(shape):
        raise AssertionError(f"_decompress returned shape {values.shape}, not {shape}")
