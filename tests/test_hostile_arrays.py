"""Inputs that zfpy 1.0.1 mishandles, done right (docs/zfpy-api.md
§3.4, §5.2, §5.3, §7.4; docs/differences-from-zfpy.md).

The reference for "right" is our own stream of the equivalent C-contiguous,
native-endian array, which tests/test_differential_zfpy.py checks against
the zfpy oracle byte for byte.
"""

from __future__ import annotations

import array
import mmap

import numpy as np
import pytest

import zfpy
from oracle import Call
from zfpcodec import ZFPError, engine
from zfpcodec.modes import Mode

DTYPES = ("int32", "int64", "float32", "float64")
MODES = {
    "reversible": {},
    "tolerance": {"tolerance": 1e-3},
    "rate": {"rate": 8.0},
    "precision": {"precision": 12},
}


def _values(dtype: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype.startswith("int"):
        return rng.integers(-1000, 1000, size=shape).astype(dtype)
    grid = np.indices(shape).sum(axis=0) if shape else 0
    return (np.sin(0.3 * grid) + 0.01 * rng.standard_normal(shape)).astype(dtype)


def _modes(dtype: str):
    for name, kwargs in MODES.items():
        if name == "tolerance" and dtype.startswith("int"):
            continue
        yield name, kwargs


# --------------------------------------------------------------------------
# Zero strides (numpy.broadcast_to): zfpy compresses memory past the data

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("source_shape, shape", [
    ((3,), (4, 3)),
    ((1,), (7,)),
    ((5, 1), (5, 6)),
    ((2, 1, 3), (2, 5, 3)),
    ((1, 3, 1, 2), (3, 3, 4, 2)),
])
def test_broadcast_arrays_compress_their_real_values(dtype, source_shape, shape):
    view = np.broadcast_to(_values(dtype, source_shape), shape)
    assert 0 in view.strides
    copy = np.ascontiguousarray(view)
    for _, kwargs in _modes(dtype):
        for header in (True, False):
            assert (zfpy.compress_numpy(view, write_header=header, **kwargs)
                    == zfpy.compress_numpy(copy, write_header=header, **kwargs))
    np.testing.assert_array_equal(zfpy.decompress_numpy(zfpy.compress_numpy(view)), copy)


# --------------------------------------------------------------------------
# Non-native byte order: zfpy refuses the dtype; the stream is the
# native-endian array's

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(10,), (5, 7), (3, 4, 5), (2, 3, 2, 5)])
def test_big_endian_arrays_give_the_native_stream(dtype, shape):
    native = _values(dtype, shape, seed=1)
    swapped = native.astype(np.dtype(dtype).newbyteorder(">"))
    for _, kwargs in _modes(dtype):
        expected = zfpy.compress_numpy(native, **kwargs)
        assert zfpy.compress_numpy(swapped, **kwargs) == expected
        assert zfpy.compress_numpy(swapped[..., ::-1].copy()[..., ::-1], **kwargs) == expected
        assert engine.compress(swapped, Mode.from_args(**kwargs)) == expected


def test_big_endian_out_array_receives_the_values():
    values = _values("float64", (6, 7))
    stream = zfpy.compress_numpy(values)
    out = np.zeros((6, 7), ">f8")
    engine.decompress(stream, out=out)
    np.testing.assert_array_equal(out, values)


# --------------------------------------------------------------------------
# Byte strides that are not a multiple of the item size: zfpy truncates the
# element stride and compresses the wrong memory

@pytest.mark.parametrize("dtype", DTYPES)
def test_structured_field_views_compress_the_field(dtype):
    record = np.dtype([("tag", "i1"), ("value", dtype), ("pad", "i2")], align=False)
    records = np.zeros((6, 5), record)
    records["value"] = _values(dtype, (6, 5), seed=2)
    view = records["value"]
    assert view.strides[-1] % view.itemsize != 0
    copy = np.ascontiguousarray(view)
    for _, kwargs in _modes(dtype):
        assert zfpy.compress_numpy(view, **kwargs) == zfpy.compress_numpy(copy, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unaligned_odd_stride_views_compress_their_values(dtype):
    values = _values(dtype, (9,), seed=3)
    itemsize = values.itemsize
    raw = bytearray(1 + 9 * (itemsize + 3))
    view = np.ndarray((9,), dtype, buffer=raw, offset=1, strides=(itemsize + 3,))
    view[...] = values
    for _, kwargs in _modes(dtype):
        assert zfpy.compress_numpy(view, **kwargs) == zfpy.compress_numpy(values, **kwargs)


# --------------------------------------------------------------------------
# Rates below the float/double block header (format.md §14.1): zfpy overflows its
# buffer; we produce the whole stream zfp defines, and it decodes

def _float_rate_cases():
    for dtype, ebits in (("float32", 8), ("float64", 11)):
        for rate in (0.0, 0.01, 0.1, 0.5, 1.0, 2.0):
            for shape in ((16,), (4000,), (9, 10), (3, 5, 6)):
                if np.floor(4**len(shape) * rate + 0.5) < 1 + ebits:
                    yield dtype, rate, shape


@pytest.mark.parametrize("dtype, rate, shape", list(_float_rate_cases()))
def test_rates_below_the_float_block_header_give_the_defined_stream(dtype, rate, shape):
    values = _values(dtype, shape, seed=4) * 1000
    stream = zfpy.compress_numpy(values, rate=rate)
    assert len(stream) % 8 == 0
    # the integer budget wraps (format.md §14.1): non-empty blocks are coded at
    # full precision, so the values come back almost exactly
    decoded = zfpy.decompress_numpy(stream)
    scale = np.abs(values).max()
    np.testing.assert_allclose(decoded, values, rtol=0, atol=scale * 2.0**-20)
    assert zfpy.header(stream)["mode"] in ("rate", "expert")


@pytest.mark.parametrize("dtype, ebits", [("float32", 8), ("float64", 11)])
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("bits", [1, 5, 8])
def test_empty_blocks_below_the_float_header_take_exactly_the_rate(dtype, ebits, dims, bits):
    # format.md §5.3, §14.1: an empty block is one 0 bit padded to minbits = R
    assert bits < 1 + ebits
    rate = bits / 4**dims               # exact: R = floor(4^d * rate + 0.5)
    blocks = 3**dims
    stream = zfpy.compress_numpy(np.zeros((12,) * dims, dtype), rate=rate)
    assert len(stream) == (96 + blocks * bits + 63) // 64 * 8
    np.testing.assert_array_equal(zfpy.decompress_numpy(stream), 0)


# zfpy 1.0.1 writes integer streams of 0-bit blocks with a header; ours
# refuses to (tests/test_writes_read_back.py), but reads zfpy's.

def test_integer_rate_zero_with_header_is_a_header_of_zero_bit_blocks(oracle):
    (made,) = oracle.run([Call("compress_numpy", np.arange(10, dtype=np.int32), rate=0)])
    stream = made.value
    assert len(stream) == 24            # long MODE header, format.md §14.1
    # the decoder reads 1 bit per block (the header cannot say 0): zeros
    np.testing.assert_array_equal(zfpy.decompress_numpy(stream), np.zeros(10, np.int32))


def test_integer_rate_zero_stream_that_zfp_cannot_decode_raises(oracle):
    # 250 blocks of 0 bits; the header makes the decoder read 250 bits that
    # the 44 bits of padding do not hold: zfpy reads past the buffer
    (made,) = oracle.run([Call("compress_numpy", np.arange(1000, dtype=np.int32), rate=0)])
    with pytest.raises(ZFPError, match="truncated"):
        zfpy.decompress_numpy(made.value)


# --------------------------------------------------------------------------
# Compressed input: any C-contiguous buffer, read-only or not

def _buffers(stream: bytes):
    yield "bytes", stream
    yield "bytearray", bytearray(stream)
    yield "memoryview", memoryview(stream)
    yield "read-only memoryview", memoryview(bytearray(stream)).toreadonly()
    yield "uint8 array", np.frombuffer(stream, np.uint8).copy()
    readonly = np.frombuffer(stream, np.uint8)
    assert not readonly.flags.writeable
    yield "read-only uint8 array", readonly
    yield "2-D uint8 array", np.frombuffer(stream, np.uint8).reshape(-1, 8)
    yield "float64 array", np.frombuffer(stream, np.float64)
    yield "array.array", array.array("B", stream)
    block = mmap.mmap(-1, len(stream))
    block.write(stream)
    yield "mmap", block


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_kind_of_buffer_decompresses(dtype):
    values = _values(dtype, (5, 7), seed=5)
    stream = zfpy.compress_numpy(values)
    bare = zfpy.compress_numpy(values, write_header=False)
    ztype = zfpy.dtype_to_ztype(np.dtype(dtype))
    for (label, data), (_, bare_data) in zip(_buffers(stream), _buffers(bare)):
        np.testing.assert_array_equal(zfpy.decompress_numpy(data), values, err_msg=label)
        np.testing.assert_array_equal(engine.decompress(data), values, err_msg=label)
        np.testing.assert_array_equal(zfpy._decompress(bare_data, ztype, [5, 7]), values,
                                      err_msg=label)
        assert zfpy.header(data)["nx"] == 7, label


# --------------------------------------------------------------------------
# _decompress into `out`: strides honoured, never written past

def test_fortran_ordered_out_receives_the_values():
    values = _values("float64", (6, 7))
    out = np.zeros((6, 7), order="F")
    result = zfpy._decompress(zfpy.compress_numpy(values, write_header=False), 4, [6, 7],
                              out=out)
    assert result is out
    np.testing.assert_array_equal(out, values)


def test_strided_out_view_leaves_the_gaps_alone():
    values = _values("float32", (10,))
    backing = np.full(20, -1.0, np.float32)
    zfpy._decompress(zfpy.compress_numpy(values, write_header=False), 3, [10],
                     out=backing[::2])
    np.testing.assert_array_equal(backing[::2], values)
    np.testing.assert_array_equal(backing[1::2], -1.0)


def test_buffer_out_is_written_and_returned_as_an_array():
    values = _values("int64", (3, 4))
    out = bytearray(8 * 12)
    result = zfpy._decompress(zfpy.compress_numpy(values, write_header=False), 2, [3, 4],
                              out=out)
    np.testing.assert_array_equal(result, values)
    np.testing.assert_array_equal(np.frombuffer(out, np.int64).reshape(3, 4), values)


def test_failed_decompression_never_writes_past_out():
    values = _values("float64", (40,))
    stream = zfpy.compress_numpy(values, write_header=False)
    backing = np.full(60, 7.0)
    with pytest.raises(ZFPError, match="truncated"):
        zfpy._decompress(stream[:len(stream) // 2], 4, [40], out=backing[10:50])
    np.testing.assert_array_equal(backing[:10], 7.0)
    np.testing.assert_array_equal(backing[50:], 7.0)


# --------------------------------------------------------------------------
# Regression: a 4-D block whose 256 coefficients all become significant
# made the bit-plane coder read (encoder) and write (decoder) one word past
# its 4-word plane (found by tools/asan-tests.sh and tools/fuzz.sh; only a
# sanitizer build sees it)

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, {"precision": 64}, {"rate": 60.0}],
                         ids=["reversible", "precision", "rate"])
def test_4d_blocks_with_every_coefficient_significant_round_trip(dtype, kwargs):
    rng = np.random.default_rng(9)
    if dtype.startswith("int"):
        values = rng.integers(-2**20, 2**20, size=(4, 4, 4, 8)).astype(dtype)
    else:
        values = rng.standard_normal((4, 4, 4, 8)).astype(dtype)
    stream = zfpy.compress_numpy(values, **kwargs)
    decoded = zfpy.decompress_numpy(stream)
    if not kwargs:
        np.testing.assert_array_equal(decoded, values)
    bare = zfpy.compress_numpy(values, write_header=False, **kwargs)
    again = zfpy._decompress(bare, zfpy.dtype_to_ztype(values.dtype), list(values.shape),
                             **kwargs)
    np.testing.assert_array_equal(again, decoded)


# Regression: a reversible float block holding an infinity (block exponent
# 0) and a large finite value converted an out-of-range double to int64 in
# the lossless-BFP test (C undefined behaviour; found by tools/fuzz.sh)

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reversible_blocks_with_infinity_and_large_values_round_trip(dtype):
    values = np.array([1e10, np.inf, -3e30, 0.0, np.nan, -np.inf, 5e-324, 1.0],
                      dtype=dtype)
    decoded = zfpy.decompress_numpy(zfpy.compress_numpy(values))
    np.testing.assert_array_equal(decoded.view(f"u{values.itemsize}"),
                                  values.view(f"u{values.itemsize}"))
