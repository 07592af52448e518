"""Hostile-input battery: every malformed stream, bad argument or
unsupported array raises a Python exception whose type and message say what
is wrong, and nothing crashes the interpreter.

Each case is a function ``case_*`` below, run in a child process by
tests/hostile_runner.py (so a crash fails that case instead of killing
pytest); the expected exception type and a regular expression for its
message are attached with ``@expect``.  Where zfpy 1.0.1 has a well-defined
behaviour (docs/zfpy-api.md §3-§9) the zfpy-API cases expect
exactly its type and message; elsewhere (zfpy crashes or returns garbage)
they expect our ZFPError, a ValueError, with a message naming the problem.
"""

from __future__ import annotations

import re
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_runner import run_functions  # noqa: E402

ZFPERROR = "zfpcodec.errors.ZFPError"
VALUE = "ValueError"
TYPE = "TypeError"
RUNTIME = "RuntimeError"
OVERFLOW = "OverflowError"
MEMORY = "MemoryError"

_EXPECTED: dict[str, tuple[str, str]] = {}


def expect(exc_type: str, pattern: str):
    """Declare that the case raises `exc_type` (qualified name, matched
    against the exception's MRO) with a message matching `pattern`."""
    def register(func):
        _EXPECTED[func.__name__] = (exc_type, pattern)
        return func
    return register


# --------------------------------------------------------------------------
# Inputs

def _zfpy():
    import zfpy
    return zfpy


def _a():
    return np.arange(10.0)


def _c():
    """A 10-double reversible stream with header (24 bytes)."""
    return _zfpy().compress_numpy(_a())


def _cn():
    """The same stream without header."""
    return _zfpy().compress_numpy(_a(), write_header=False)


def _header(ztype: int, sizes: tuple[int, ...], mode: int, long_mode: bool = False,
            version: int = 5, magic: bytes = b"zfp") -> bytes:
    """A zfp header (format.md §2), packed LSB first, padded to whole words.
    `sizes` in zfp order (x first); `mode` is the 12-bit short code or the
    64-bit long field."""
    widths = {1: 48, 2: 24, 3: 16, 4: 12}
    dims = len(sizes)
    fields = [(b, 8) for b in magic + bytes([version])]
    meta = (ztype - 1) | (dims - 1) << 2
    for i, n in enumerate(sizes):
        meta |= (n - 1) << (4 + i * widths[dims])
    fields.append((meta, 52))
    fields.append((mode, 64 if long_mode else 12))
    value = position = 0
    for bits, width in fields:
        value |= (bits & ((1 << width) - 1)) << position
        position += width
    return value.to_bytes((position + 63) // 64 * 8, "little")


REVERSIBLE = 2176          # format.md §2.3 short codes
PRECISION_64 = 2047 + 64


def _long_mode(minbits: int, maxbits: int, maxprec: int, minexp: int) -> int:
    return (0xFFF | (minbits - 1) << 12 | (maxbits - 1) << 27 | (maxprec - 1) << 42
            | (minexp + 16495) << 49)


def _peak_bytes(func) -> int:
    """Peak traced allocation (NumPy's data included) while `func` runs;
    `func` must raise."""
    tracemalloc.start()
    try:
        func()
    except Exception:  # noqa: BLE001
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak
    raise AssertionError("expected an exception")


# --------------------------------------------------------------------------
# decompress_numpy / header (zfpy API)

@expect(ZFPERROR, r"compressed data is empty")
def case_decompress_numpy_empty_bytes():
    _zfpy().decompress_numpy(b"")


@expect(ZFPERROR, r"compressed data is empty")
def case_decompress_numpy_empty_uint8_array():
    _zfpy().decompress_numpy(np.zeros(0, np.uint8))


@expect(ZFPERROR, r"^Failed to read required zfp header$")
def case_decompress_numpy_garbage():
    _zfpy().decompress_numpy(b"garbage!garbage!")


@expect(ZFPERROR, r"^Failed to read required zfp header$")
def case_decompress_numpy_wrong_magic():
    _zfpy().decompress_numpy(b"zfq" + _c()[3:])


@expect(ZFPERROR, r"^Failed to read required zfp header$")
def case_decompress_numpy_wrong_codec_version():
    _zfpy().decompress_numpy(b"zfp\x04" + _c()[4:])


@expect(ZFPERROR, r"^Failed to read required zfp header$")
def case_decompress_numpy_three_bytes():
    _zfpy().decompress_numpy(b"zfp")


@expect(ZFPERROR, r"^Failed to read required zfp header$")
def case_decompress_numpy_maxprec_65():
    _zfpy().decompress_numpy(_header(4, (10,), 2047 + 65) + bytes(64))


@expect(ZFPERROR, r"^Failed to read required zfp header$")
def case_decompress_numpy_minbits_above_maxbits():
    _zfpy().decompress_numpy(_header(4, (10,), _long_mode(100, 50, 64, -1074), True)
                             + bytes(64))


@expect(ZFPERROR, r"^Failed to read required zfp header$")
def case_decompress_numpy_long_mode_cut_off():
    _zfpy().decompress_numpy(_header(4, (10,), _long_mode(1, 16658, 64, -1074), True)[:16])


@expect(ZFPERROR, r"truncated: a float64 array of shape \(10,\) takes at least 3 bits"
        r".*12-byte input holds only 0 after its 96-bit header")
def case_decompress_numpy_header_alone_12_bytes():
    _zfpy().decompress_numpy(_c()[:12])


@expect(ZFPERROR, r"truncated: the 16-byte input ends before the last block of the "
        r"float64 array of shape \(10,\)")
def case_decompress_numpy_header_plus_part_of_blocks():
    _zfpy().decompress_numpy(_c()[:16])


@expect(ZFPERROR, r"truncated")
def case_decompress_numpy_stream_cut_in_half():
    stream = _zfpy().compress_numpy(np.linspace(0, 1, 1000), tolerance=1e-6)
    _zfpy().decompress_numpy(stream[:len(stream) // 2])


@expect(ZFPERROR, r"truncated: a float64 array of shape \(268435456,\) takes at least "
        r"67108864 bits")
def case_decompress_numpy_header_declaring_2_gib_is_refused_before_allocating():
    stream = _header(4, (2**28,), REVERSIBLE)
    peak = _peak_bytes(lambda: _zfpy().decompress_numpy(stream))
    assert peak < 2**20, f"{peak} bytes allocated for a 16-byte stream"
    _zfpy().decompress_numpy(stream)


@expect(ZFPERROR, r"truncated: a float64 array of shape \(16777216, 16777216\)")
def case_decompress_numpy_header_declaring_2_pib():
    _zfpy().decompress_numpy(_header(4, (2**24, 2**24), REVERSIBLE))


@expect(ZFPERROR, r"truncated: a int32 array|truncated: an int32 array")
def case_decompress_numpy_header_declaring_4d_4096():
    _zfpy().decompress_numpy(_header(1, (4096,) * 4, PRECISION_64) + bytes(4096))


@expect(ZFPERROR, r"truncated: an int64 array of shape \(1000000,\) takes at least "
        r"1750000 bits")
def case_decompress_numpy_reversible_int_blocks_take_pbits_plus_one():
    # format.md §11.4, §13: every reversible int64 block is at least PBITS + 1 = 7 bits
    _zfpy().decompress_numpy(_header(2, (10**6,), REVERSIBLE) + bytes(200000))


@expect(ZFPERROR, r"truncated: a float32 array of shape \(4096,\) takes at least "
        r"32768 bits")
def case_decompress_numpy_fixed_rate_blocks_take_maxbits():
    # format.md §12.1: a fixed-rate float block is exactly maxbits (32 here) long
    _zfpy().decompress_numpy(_header(3, (4096,), 31) + bytes(1000))


@expect(TYPE, r"^compressed_data cannot be None$")
def case_decompress_numpy_none():
    _zfpy().decompress_numpy(None)


@expect(TYPE, r"^a bytes-like object is required, not 'str'$")
def case_decompress_numpy_str():
    _zfpy().decompress_numpy("zfp")


@expect(TYPE, r"^a bytes-like object is required, not 'list'$")
def case_decompress_numpy_list():
    _zfpy().decompress_numpy([1, 2, 3])


@expect(TYPE, r"not of Python objects")
def case_decompress_numpy_object_array():
    _zfpy().decompress_numpy(np.array([b"zfp"] * 4, dtype=object))


@expect(VALUE, r"^ndarray is not C-contiguous$")
def case_decompress_numpy_strided_buffer():
    _zfpy().decompress_numpy(np.frombuffer(_c() * 2, np.uint8)[::2])


@expect(ZFPERROR, r"^Failed to read required zfp header$")
def case_header_garbage():
    _zfpy().header(b"garbage!garbage!")


@expect(ZFPERROR, r"compressed data is empty")
def case_header_empty():
    _zfpy().header(b"")


# --------------------------------------------------------------------------
# _decompress (zfpy API, headerless)

@expect(VALUE, r"^Out ndarray has shape \(5,\) but decompression is using \[10\]\.  "
        r"Use out=ndarray\.data to avoid this check\.$")
def case__decompress_out_too_small():
    _zfpy()._decompress(_cn(), 4, [10], out=np.zeros(5))


@expect(VALUE, r"^Out ndarray has shape \(2, 5\) but decompression is using \[10\]\.")
def case__decompress_out_wrong_shape():
    _zfpy()._decompress(_cn(), 4, [10], out=np.zeros((2, 5)))


@expect(VALUE, r"^Out ndarray has dtype float32 but decompression is using "
        r"<class 'numpy\.float64'>\. Use out=ndarray\.data to avoid this check\.$")
def case__decompress_out_wrong_dtype():
    _zfpy()._decompress(_cn(), 4, [10], out=np.zeros(10, np.float32))


@expect(VALUE, r"out is read-only: cannot decompress into a read-only ndarray")
def case__decompress_out_read_only_array():
    out = np.zeros(10)
    out.setflags(write=False)
    _zfpy()._decompress(_cn(), 4, [10], out=out)


@expect(VALUE, r"out is read-only: cannot decompress into a read-only bytes")
def case__decompress_out_bytes_is_read_only():
    _zfpy()._decompress(_cn(), 4, [10], out=bytes(80))


@expect(VALUE, r"out is read-only: cannot decompress into a read-only memoryview")
def case__decompress_out_read_only_memoryview():
    _zfpy()._decompress(_cn(), 4, [10], out=memoryview(bytearray(80)).toreadonly())


@expect(VALUE, r"^cannot reshape array of size 5 into shape \(10,\)$")
def case__decompress_out_buffer_too_small():
    _zfpy()._decompress(_cn(), 4, [10], out=bytearray(40))


@expect(VALUE, r"^cannot reshape array of size 20 into shape \(10,\)$")
def case__decompress_out_buffer_too_large():
    _zfpy()._decompress(_cn(), 4, [10], out=bytearray(160))


@expect(VALUE, r"^buffer size must be a multiple of element size$")
def case__decompress_out_buffer_not_whole_items():
    _zfpy()._decompress(_cn(), 4, [10], out=bytearray(81))


@expect(VALUE, r"out must be a C-contiguous buffer or an ndarray")
def case__decompress_out_strided_buffer():
    _zfpy()._decompress(_cn(), 4, [10], out=memoryview(bytearray(160)).cast("d")[::2])


@expect(TYPE, r"^a bytes-like object is required, not 'list'$")
def case__decompress_out_list():
    _zfpy()._decompress(_cn(), 4, [10], out=[0.0] * 10)


@expect(VALUE, r"^Cannot decompress in-place$")
def case__decompress_out_overlaps_input():
    buffer = bytearray(_cn()) + bytearray(80)
    _zfpy()._decompress(buffer, 4, [10], out=memoryview(buffer)[:80])


@expect(ZFPERROR, r"truncated: the 8-byte input ends before the last block of the "
        r"float64 array of shape \(10,\)")
def case__decompress_stream_shorter_than_shape():
    _zfpy()._decompress(_cn()[:8], 4, [10])


@expect(ZFPERROR, r"truncated: a float64 array of shape \(1099511627776,\) takes at least")
def case__decompress_huge_shape_refused_before_allocating():
    _zfpy()._decompress(_cn(), 4, [2**40])


@expect(ZFPERROR, r"too large: its number of blocks does not fit in 64 bits")
def case__decompress_shape_overflowing_block_count():
    _zfpy()._decompress(_cn(), 1, [2**40, 2**40], rate=0)


@expect(RUNTIME, r"^error during zfp decompression$")
def case__decompress_integer_blocks_of_zero_bits():
    # zfp_decompress returns 0 when it read no bit, and zfpy raises
    _zfpy()._decompress(_cn(), 1, [9], rate=0.001)


@expect(MEMORY, r"cannot allocate 4096\.0 GiB for the decompressed int32 array of "
        r"shape \(1099511627776,\)")
def case__decompress_zero_bit_blocks_of_unallocatable_shape():
    # integer rate 0: blocks of 0 bits, so only memory limits the shape
    _zfpy()._decompress(_cn(), 1, [2**40], rate=0)


@expect(VALUE, r"zero-length axis")
def case__decompress_shape_zero():
    _zfpy()._decompress(_cn(), 4, [0])


@expect(VALUE, r"zero-length axis")
def case__decompress_shape_with_inner_zero():
    _zfpy()._decompress(_cn(), 4, [2, 0, 5])


@expect(OVERFLOW, r"^can't convert negative value to size_t$")
def case__decompress_negative_shape():
    _zfpy()._decompress(_cn(), 4, [-10])


@expect(TYPE, r"^User-provided \{\} is not an iterable$")
def case__decompress_shape_not_a_sequence():
    _zfpy()._decompress(_cn(), 4, 10)


@expect(VALUE, r"^User-provided \{\} has too many dimensions \(up to 4 supported\)$")
def case__decompress_five_dimensions():
    _zfpy()._decompress(_cn(), 4, [1, 1, 1, 1, 10])


@expect(VALUE, r"^User-provided \{\} needs at least one dimension$")
def case__decompress_no_dimension():
    _zfpy()._decompress(_cn(), 4, [])


@expect(VALUE, r"^Unsupported zfp_type 0$")
def case__decompress_type_none():
    _zfpy()._decompress(_cn(), 0, [10])


@expect(VALUE, r"^Unsupported zfp_type 0$")
def case__decompress_type_seven():
    _zfpy()._decompress(_cn(), 7, [10])     # zfpy names the unset type 0


@expect(VALUE, r"^Unsupported zfp_type 7$")
def case__decompress_type_seven_with_out():
    _zfpy()._decompress(_cn(), 7, [10], out=np.zeros(10))


@expect(OVERFLOW, r"^can't convert negative value to zfp_type$")
def case__decompress_negative_type():
    _zfpy()._decompress(_cn(), -1, [10])


@expect(TYPE, r"^an integer is required$")
def case__decompress_type_is_a_numpy_type():
    _zfpy()._decompress(_cn(), np.float64, [10])


@expect(VALUE, r"rate=inf is too large")
def case__decompress_infinite_rate():
    # zfpy 1.0.1 returns zeros (the bit count wraps): no portable meaning
    _zfpy()._decompress(_cn(), 4, [4], rate=float("inf"))


@expect(VALUE, r"rate=1000000000000\.0 is too large")
def case__decompress_rate_beyond_32_bit_budget():
    _zfpy()._decompress(_cn(), 4, [10], rate=1e12)


@expect(ZFPERROR, r"compressed data is empty")
def case__decompress_empty():
    _zfpy()._decompress(b"", 4, [10])


@expect(TYPE, r"^compressed_data cannot be None$")
def case__decompress_none():
    _zfpy()._decompress(None, 4, [10])


# --------------------------------------------------------------------------
# compress_numpy (zfpy API)

@expect(VALUE, r"cannot compress an empty array \(shape \(0,\)\)")
def case_compress_numpy_empty_1d():
    _zfpy().compress_numpy(np.zeros(0))


@expect(VALUE, r"cannot compress an empty array \(shape \(5, 0\)\)")
def case_compress_numpy_empty_last_axis():
    _zfpy().compress_numpy(np.zeros((5, 0)))


@expect(VALUE, r"cannot compress an empty array \(shape \(0, 5\)\)")
def case_compress_numpy_empty_first_axis():
    _zfpy().compress_numpy(np.zeros((0, 5)), write_header=False)


@expect(VALUE, r"cannot compress an empty array \(shape \(2, 0, 3\)\)")
def case_compress_numpy_empty_middle_axis():
    _zfpy().compress_numpy(np.zeros((2, 0, 3), np.int32))


@expect(RUNTIME, r"^Greater than 4 dimensions not supported$")
def case_compress_numpy_zero_dimensions():
    _zfpy().compress_numpy(np.array(3.0))


@expect(RUNTIME, r"^Greater than 4 dimensions not supported$")
def case_compress_numpy_five_dimensions():
    _zfpy().compress_numpy(np.zeros((2,) * 5))


@expect(TYPE, r"^Unknown dtype: float16$")
def case_compress_numpy_float16():
    _zfpy().compress_numpy(np.zeros(4, np.float16))


@expect(TYPE, r"^Unknown dtype: uint8$")
def case_compress_numpy_uint8():
    _zfpy().compress_numpy(np.zeros(4, np.uint8))


@expect(TYPE, r"^Unknown dtype: complex128$")
def case_compress_numpy_complex():
    _zfpy().compress_numpy(np.zeros(4, complex))


@expect(TYPE, r"^Unknown dtype: object$")
def case_compress_numpy_object():
    _zfpy().compress_numpy(np.array([1.0, None]))


@expect(TYPE, r"^Unknown dtype: bool$")
def case_compress_numpy_bool():
    _zfpy().compress_numpy(np.zeros(4, bool))


@expect(TYPE, r"^Unknown dtype: \[\('a', '<f8'\)\]$")
def case_compress_numpy_structured():
    _zfpy().compress_numpy(np.zeros(4, [("a", "<f8")]))


@expect(TYPE, r"^Unknown dtype: float16$")
def case_compress_numpy_zero_dimensional_float16_reports_dtype():
    _zfpy().compress_numpy(np.array(1, np.float16))


@expect(VALUE, r"^Only one of tolerance, rate, or precision can be set$")
def case_compress_numpy_tolerance_and_rate():
    _zfpy().compress_numpy(_a(), tolerance=1e-3, rate=8)


@expect(VALUE, r"^Only one of tolerance, rate, or precision can be set$")
def case_compress_numpy_rate_and_precision():
    _zfpy().compress_numpy(_a(), rate=0, precision=0)


@expect(VALUE, r"rate=inf is too large")
def case_compress_numpy_infinite_rate():
    _zfpy().compress_numpy(_a(), rate=float("inf"))


@expect(VALUE, r"rate=1000000000000\.0 is too large")
def case_compress_numpy_rate_beyond_32_bit_budget():
    _zfpy().compress_numpy(_a(), rate=1e12)


@expect(TYPE, r"^must be real number, not str$")
def case_compress_numpy_tolerance_str():
    _zfpy().compress_numpy(_a(), tolerance="1")


@expect(OVERFLOW, r"^value too large to convert to int$")
def case_compress_numpy_precision_beyond_int():
    _zfpy().compress_numpy(_a(), precision=2**31)


@expect(TYPE, r"^Input array cannot be None$")
def case_compress_numpy_none():
    _zfpy().compress_numpy(None)


@expect(TYPE, r"^Argument 'arr' has incorrect type \(expected numpy\.ndarray, got list\)$")
def case_compress_numpy_list():
    _zfpy().compress_numpy([1.0, 2.0])


@expect(RUNTIME, r"^Failed to write header to stream$")
def case_compress_numpy_sizes_beyond_header():
    _zfpy().compress_numpy(np.broadcast_to(np.float32(1), (1, 2**24 + 1)))


@expect(RUNTIME, r"^Failed to write to stream$")
def case_compress_numpy_zero_bit_int_stream_without_header():
    _zfpy().compress_numpy(np.arange(10, dtype=np.int32), rate=0, write_header=False)


@expect(VALUE, r"threads must be 0 \(one per core\) or a count up to \d+, not -1")
def case_compress_numpy_negative_threads():
    _zfpy().compress_numpy(_a(), threads=-1)


# --------------------------------------------------------------------------
# The strict native API (zfpcodec.engine, zfpcodec.modes)

def _engine():
    from zfpcodec import engine
    return engine


def _mode(**kwargs):
    from zfpcodec.modes import Mode
    return Mode.from_args(**kwargs)


@expect(ZFPERROR, r"compressed data is empty")
def case_engine_decompress_empty():
    _engine().decompress(b"")


@expect(ZFPERROR, r"not a zfp stream: it starts with b'garb', not b'zfp\\x05'")
def case_engine_decompress_garbage():
    _engine().decompress(b"garbage!garbage!")


@expect(ZFPERROR, r"unsupported zfp codec version 4: only version 5")
def case_engine_decompress_wrong_codec_version():
    _engine().decompress(b"zfp\x04" + _c()[4:])


@expect(ZFPERROR, r"input of 8 bytes is too short for a zfp header")
def case_engine_decompress_short_header():
    _engine().decompress(_c()[:8])


@expect(ZFPERROR, r"corrupt zfp header: the mode field is invalid")
def case_engine_decompress_bad_mode():
    _engine().decompress(_header(4, (10,), 2047 + 65) + bytes(64))


@expect(ZFPERROR, r"truncated: a float64 array of shape \(10,\) takes at least 3 bits")
def case_engine_decompress_header_alone():
    _engine().decompress(_c()[:12])


@expect(ZFPERROR, r"truncated: the 16-byte input ends before the last block")
def case_engine_decompress_truncated():
    _engine().decompress(_c()[:16])


@expect(ZFPERROR, r"truncated: the 8-byte input ends before the last block")
def case_engine_decompress_headerless_stream_shorter_than_shape():
    _engine().decompress(_cn()[:8], dtype="f8", shape=(10,), mode=_mode())


@expect(VALUE, r"compressed data must be a C-contiguous buffer \(got strides \(2,\)\)")
def case_engine_decompress_strided_buffer():
    _engine().decompress(np.frombuffer(_c() * 2, np.uint8)[::2])


@expect(TYPE, r"^a bytes-like object is required, not 'list'$")
def case_engine_decompress_list():
    _engine().decompress([1, 2, 3])


@expect(ZFPERROR, r"truncated: a float64 array of shape \(268435456,\) takes at least")
def case_engine_decompress_header_declaring_2_gib():
    _engine().decompress(_header(4, (2**28,), REVERSIBLE))


@expect(TYPE, r"compressed data cannot be None")
def case_engine_decompress_none():
    _engine().decompress(None)


@expect(VALUE, r"out is read-only")
def case_engine_decompress_read_only_out():
    out = np.zeros(10)
    out.setflags(write=False)
    _engine().decompress(_c(), out=out)


@expect(VALUE, r"out has dtype float64 and shape \(5,\), the stream holds float64 values "
        r"of shape \(10,\)")
def case_engine_decompress_out_too_small():
    _engine().decompress(_c(), out=np.zeros(5))


@expect(VALUE, r"out has dtype float32")
def case_engine_decompress_out_wrong_dtype():
    _engine().decompress(_c(), out=np.zeros(10, np.float32))


@expect(TYPE, r"out must be a numpy\.ndarray, not bytearray")
def case_engine_decompress_out_not_an_array():
    _engine().decompress(_c(), out=bytearray(80))


@expect(VALUE, r"cannot decompress in place")
def case_engine_decompress_out_overlaps_input():
    buffer = np.zeros(20)
    stream = _cn()
    buffer.view(np.uint8)[:len(stream)] = np.frombuffer(stream, np.uint8)
    _engine().decompress(buffer.view(np.uint8)[:len(stream)], out=buffer[1:11],
                         dtype="f8", shape=(10,), mode=_mode())


@expect(VALUE, r"cannot decompress an empty array \(shape \(0,\)\)")
def case_engine_decompress_empty_shape():
    _engine().decompress(_cn(), dtype="f8", shape=(0,), mode=_mode())


@expect(VALUE, r"shape \(-10,\) has a negative size")
def case_engine_decompress_negative_shape():
    _engine().decompress(_cn(), dtype="f8", shape=(-10,), mode=_mode())


@expect(VALUE, r"zfp compresses arrays of 1 to 4 dimensions, not 0")
def case_engine_compress_zero_dimensions():
    _engine().compress(np.array(1.0), _mode())


@expect(VALUE, r"zfp compresses arrays of 1 to 4 dimensions, not 5")
def case_engine_compress_five_dimensions():
    _engine().compress(np.zeros((1,) * 5), _mode())


@expect(TYPE, r"zfp compresses int32, int64, float32 and float64 arrays, not float16")
def case_engine_compress_float16():
    _engine().compress(np.zeros(3, np.float16), _mode())


@expect(VALUE, r"cannot compress an empty array \(shape \(3, 0\)\)")
def case_engine_compress_empty():
    _engine().compress(np.zeros((3, 0)), _mode())


@expect(VALUE, r"rate must be a finite number of bits per value > 0, not 0\.0")
def case_mode_rate_zero():
    _mode(rate=0)


@expect(VALUE, r"rate must be a finite number of bits per value > 0, not -1\.0")
def case_mode_rate_negative():
    _mode(rate=-1)


@expect(VALUE, r"rate must not be NaN")
def case_mode_rate_nan():
    _mode(rate=float("nan"))


@expect(VALUE, r"rate 1000000000000\.0 is too large: zfp's bit budget per block is a 32-bit number")
def case_mode_rate_beyond_32_bit_budget():
    _mode(rate=1e12)


@expect(VALUE, r"precision must be 1\.\.64 bit planes, not 0")
def case_mode_precision_zero():
    _mode(precision=0)


@expect(VALUE, r"precision must be 1\.\.64 bit planes, not 65")
def case_mode_precision_65():
    _mode(precision=65)


@expect(VALUE, r"tolerance must be a finite number > 0, not nan|tolerance must not be NaN")
def case_mode_tolerance_nan():
    _mode(tolerance=float("nan"))


@expect(VALUE, r"give only one of .* not tolerance and rate")
def case_mode_tolerance_and_rate():
    _mode(tolerance=1e-3, rate=8)


@expect(VALUE, r"give only one of .* not rate and precision")
def case_mode_rate_and_precision():
    _mode(rate=8, precision=8)


# --------------------------------------------------------------------------
# The tests

CASES = sorted(name for name in globals() if name.startswith("case_"))


@pytest.fixture(scope="module")
def outcomes():
    return run_functions(Path(__file__), CASES, timeout=60)


def test_every_case_declares_its_expected_error():
    assert set(CASES) == set(_EXPECTED)


@pytest.mark.parametrize("name", CASES)
def test_hostile_input_raises_a_clear_exception(name, outcomes):
    exc_type, pattern = _EXPECTED[name]
    outcome = outcomes[name]
    assert outcome.kind == "raised", outcome.describe()
    assert outcome.is_a(exc_type), (
        f"expected {exc_type}, got {outcome.describe()}\n{outcome.detail}")
    assert re.search(pattern, outcome.message), (
        f"message {outcome.message!r} does not match {pattern!r}")


def test_zfperror_is_a_valueerror_so_zfpy_callers_keep_working():
    from zfpcodec import ZFPError
    assert issubclass(ZFPError, ValueError)
    with pytest.raises(ValueError, match="Failed to read required zfp header"):
        _zfpy().decompress_numpy(b"garbage!garbage!")
