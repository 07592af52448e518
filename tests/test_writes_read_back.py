"""No door writes a stream that no zfp reader (ours or LLNL's zfpy 1.0.1,
the ORACLE of tests/oracle.py) decodes back to its array: such streams are
refused before anything is written, with the limit in the message.

* Integer arrays at fixed rates so low that a block gets 0 bits (below
  1/(2*4**d) bit per value: 1/8 in 1-D, 1/128 in 3-D), or expert maxbits=0:
  the encoder writes nothing per block, every reader reads 1 bit.
* With a header, blocks padded to more than 2**15 bits (a rate above
  2**15/4**d, or minbits above it): the header records at most 2**15, so
  readers pad to fewer bits than were written.
* With a header, 1-D arrays of more than 2**32 values: readers keep 32
  bits of a 1-D size and read back a shorter array.
* Float arrays in reversible expert parameters (minexp < -1074) with
  minbits > 1: zfp writes a block of zeros in 1 bit, unpadded, and its
  readers skip minbits past it.

At the limits, every door writes, and both readers decode the stream back
to the array's shape.
"""

from __future__ import annotations

import numpy as np
import pytest

import zfpy
from oracle import Call
from zfpcodec import ZFP, engine
from zfpcodec.modes import Mode

INT_TYPES = ["i4", "i8"]
SHAPES = {1: (40,), 2: (12, 12), 3: (8, 8, 8), 4: (4, 4, 4, 8)}
# the smallest rate that gives an integer block 1 bit: floor(4**d * rate + 0.5) = 1
MIN_INT_RATE = {d: 1 / (2 * 4**d) for d in SHAPES}
# the largest rate whose blocks a header records: 2**15 bits per block
MAX_HEADER_RATE = {d: 2**15 / 4**d for d in SHAPES}


def ints(shape, dtype):
    return np.arange(np.prod(shape), dtype=dtype).reshape(shape) * 1000 - 7


def floats(shape):
    return np.cos(np.arange(np.prod(shape)) / 3).reshape(shape) * 100


# --------------------------------------------------------------------------
# integer blocks of 0 bits

def below(rate: float) -> float:
    return rate * 0.99


@pytest.mark.parametrize("dims", sorted(SHAPES))
@pytest.mark.parametrize("dtype", INT_TYPES)
def test_integer_rates_giving_empty_blocks_are_refused_by_every_door(dims, dtype):
    values = ints(SHAPES[dims], dtype)
    rate = below(MIN_INT_RATE[dims])
    limit = rf"rate >= {MIN_INT_RATE[dims]:g} in {dims}-D"
    with pytest.raises(ValueError, match=limit):
        engine.compress(values, Mode.from_args(rate=rate))
    with pytest.raises(ValueError, match=limit):
        engine.compress(values, Mode.from_args(rate=rate), header=False)
    with pytest.raises(ValueError, match=limit):
        ZFP(rate=rate).encode(values)
    with pytest.raises(ValueError, match=limit):
        zfpy.compress_numpy(values, rate=rate)
    with pytest.raises(ValueError, match=limit):
        engine.compress(values, Mode.from_args(minbits=0, maxbits=0))


def test_the_zarr_v3_codec_refuses_to_write_empty_integer_chunks(tmp_path):
    zarr = pytest.importorskip("zarr")
    from zfpcodec.zarr3 import ZFPCodec

    array = zarr.create_array(tmp_path / "a.zarr", shape=(1000,), chunks=(500,), dtype="i8",
                              serializer=ZFPCodec(rate=0.1), compressors=None)
    with pytest.raises(ValueError, match=r"rate >= 0\.125 in 1-D"):
        array[...] = np.arange(1000)


def test_the_issue_example_no_longer_writes_what_it_cannot_read():
    """ZFP(rate=0.1).encode(np.arange(1000, dtype="i8")) wrote a stream that
    ZFP().decode() called truncated."""
    with pytest.raises(ValueError, match="cannot be read back"):
        ZFP(rate=0.1).encode(np.arange(1000, dtype="i8"))


@pytest.mark.parametrize("dims", sorted(SHAPES))
@pytest.mark.parametrize("dtype", INT_TYPES)
def test_at_the_smallest_integer_rate_both_readers_decode_every_door(dims, dtype, oracle):
    values = ints(SHAPES[dims], dtype)
    rate = MIN_INT_RATE[dims]
    streams = [engine.compress(values, Mode.from_args(rate=rate)), ZFP(rate=rate).encode(values),
               zfpy.compress_numpy(values, rate=rate)]
    assert streams[0] == streams[1] == streams[2]
    ours = engine.decompress(streams[0])
    assert ours.shape == values.shape and ours.dtype == values.dtype
    (theirs,) = oracle.run([Call("decompress_numpy", streams[0])])
    assert theirs.ok and theirs.value.tobytes() == ours.tobytes()
    headerless = engine.compress(values, Mode.from_args(rate=rate), header=False)
    assert engine.decompress(headerless, dtype=dtype, shape=values.shape,
                             mode=Mode.from_args(rate=rate)).tobytes() == ours.tobytes()


def test_the_zfpy_door_keeps_zfpys_own_refusal_without_a_header():
    """zfpy 1.0.1 itself refuses an empty headerless stream: same type and
    message as zfpy (tests/test_hostile_inputs.py checks it against spec)."""
    with pytest.raises(RuntimeError, match="^Failed to write to stream$"):
        zfpy.compress_numpy(np.arange(10, dtype=np.int32), rate=0, write_header=False)


@pytest.mark.parametrize("dtype, dims, rate, clamped", [
    ("f8", 1, 1, 12), ("f8", 1, 0, 12), ("f4", 1, 2, 9), ("f8", 2, 0.5, 12),
    ("f4", 3, 0.1, 9)])
def test_headerless_float_rates_below_the_block_header_are_refused(dtype, dims, rate, clamped):
    """compress_numpy(arange(64.0), rate=1, write_header=False) wrote 4-bit
    blocks that _decompress, told rate=1, read as 12-bit ones: every value
    0, silently (zfpy's compress writes past its buffer there).  With a
    header the same rate reads back; at the raised rate both sides agree."""
    values = floats(SHAPES[dims]).astype(dtype)
    limit = rf"raise it to {clamped} bits, .* use rate >= {clamped / 4**dims:g} in {dims}-D"
    with pytest.raises(ValueError, match=limit):
        zfpy.compress_numpy(values, rate=rate, write_header=False)
    stream = zfpy.compress_numpy(values, rate=rate)
    assert zfpy.decompress_numpy(stream).shape == values.shape
    ztype = zfpy.dtype_to_ztype(np.dtype(dtype))
    bare = zfpy.compress_numpy(values, rate=clamped / 4**dims, write_header=False)
    back = zfpy._decompress(bare, ztype, list(values.shape[::-1]), rate=clamped / 4**dims)
    headed = zfpy.compress_numpy(values, rate=clamped / 4**dims)
    assert back.tobytes() == zfpy.decompress_numpy(headed).tobytes()


def test_float_streams_at_rate_zero_still_decode_and_are_not_refused(oracle):
    """Floating-point blocks of 0 bits decode consistently (format.md §14.1): an
    empty block is 1 bit for writer and readers alike."""
    values = np.zeros(64)
    stream = zfpy.compress_numpy(values, rate=0)
    (theirs,) = oracle.run([Call("compress_numpy", values, rate=0)])
    assert theirs.ok and theirs.value == stream
    assert zfpy.decompress_numpy(stream).tobytes() == values.tobytes()


# --------------------------------------------------------------------------
# blocks longer than a header records

@pytest.mark.parametrize("dims", sorted(SHAPES))
def test_rates_beyond_what_a_header_records_are_refused_with_a_header(dims):
    values = floats(SHAPES[dims])
    rate = MAX_HEADER_RATE[dims] * 1.5
    limit = rf"at most 32768 bits per block \(a rate of {MAX_HEADER_RATE[dims]:g} bits"
    with pytest.raises(ValueError, match=limit):
        engine.compress(values, Mode.from_args(rate=rate))
    with pytest.raises(ValueError, match=limit):
        ZFP(rate=rate).encode(values)
    with pytest.raises(ValueError, match=limit):
        zfpy.compress_numpy(values, rate=rate)
    with pytest.raises(ValueError, match="blocks of 40000 bits cannot be read back"):
        ZFP(minbits=40000, maxbits=40000).encode(values)


def test_the_issue_rate_that_read_back_garbage_is_refused(oracle):
    """rate=10000 in 1-D: 40000-bit blocks; zfpy writes the stream and both
    readers decode it with 32768-bit blocks: garbage (max error 7 of 0..7)."""
    values = np.arange(8.0)
    (theirs,) = oracle.run([Call("compress_numpy", values, rate=10000)])
    (read,) = oracle.run([Call("decompress_numpy", theirs.value)])
    assert np.abs(read.value - values).max() > 1
    with pytest.raises(ValueError, match="cannot be read back through a zfp header"):
        zfpy.compress_numpy(values, rate=10000)


@pytest.mark.parametrize("dims", sorted(SHAPES))
def test_at_the_largest_header_rate_both_readers_decode(dims, oracle):
    values = floats(SHAPES[dims])
    stream = zfpy.compress_numpy(values, rate=MAX_HEADER_RATE[dims])
    assert engine.read_header(stream)[2][:2] == (2**15, 2**15)
    ours = zfpy.decompress_numpy(stream)
    (theirs,) = oracle.run([Call("decompress_numpy", stream)])
    assert theirs.ok and theirs.value.tobytes() == ours.tobytes()
    np.testing.assert_allclose(ours, values, rtol=0, atol=1e-9)


def test_headerless_streams_take_any_rate_the_block_budget_allows():
    """Without a header the reader is told the parameters: nothing to lose."""
    values = floats((16,))
    mode = Mode.from_args(rate=10000)
    stream = engine.compress(values, mode, header=False)
    read = engine.decompress(stream, dtype="f8", shape=(16,), mode=mode)
    np.testing.assert_allclose(read, values, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------
# 1-D arrays longer than a header's size field is read

# a broadcast view: 2**32 + 5 values cost one value of memory, and the
# refusal comes before any of them is read
HUGE = np.broadcast_to(np.float32(1.5), (2**32 + 5,))


@pytest.mark.parametrize("mode", [Mode.from_args(tolerance=1e-3), Mode.from_args(rate=8),
                                  Mode.from_args()])
def test_1d_arrays_beyond_2_to_the_32_are_refused_with_a_header(mode):
    with pytest.raises(ValueError, match=r"a 1-D array of 4294967301 values cannot be read "
                                         r"back through a zfp header.*at most 2\*\*32"):
        engine.compress(HUGE, mode)
    with pytest.raises(ValueError, match=r"at most 2\*\*32 values"):
        ZFP.from_mode(mode).encode(HUGE)


def test_the_zfpy_door_refuses_them_as_a_header_failure():
    with pytest.raises(RuntimeError, match=r"^Failed to write header to stream: a 1-D array "
                                           r"of 4294967301 values .*at most 2\*\*32"):
        zfpy.compress_numpy(HUGE, tolerance=1e-3)


def test_the_header_limits_of_other_ranks_are_zfps():
    with pytest.raises(ValueError, match=r"per axis: 1-D 2\*\*32 values, 2-D 2\*\*24"):
        engine.compress(np.broadcast_to(np.float32(1), (2, 2**24 + 1)), Mode.from_args(rate=8))
    with pytest.raises(RuntimeError, match=r"^Failed to write header to stream$"):
        zfpy.compress_numpy(np.broadcast_to(np.float32(1), (1, 2**24 + 1)))


def test_a_forged_header_declaring_more_is_read_as_zfp_reads_it(oracle):
    """The reader side (unchanged): 32 bits of the 1-D size, as zfp."""
    stream = bytearray(zfpy.compress_numpy(np.arange(5.0), rate=16))
    meta_bit = 32 + 4  # the size field starts 4 bits into META (format.md §2.2)
    stream[(meta_bit + 32) // 8] |= 1 << ((meta_bit + 32) % 8)  # size bit 32: +2**32
    assert zfpy.header(bytes(stream))["nx"] == 5
    (theirs,) = oracle.run([Call("header", bytes(stream))])
    assert theirs.value["nx"] == 5


# --------------------------------------------------------------------------
# reversible float blocks of zeros, which zfp does not pad to minbits

@pytest.mark.parametrize("dtype", ["f4", "f8"])
def test_reversible_floats_with_minbits_above_1_are_refused_by_every_door(dtype, tmp_path):
    """[0, 0, 0, 0, 1, 2, 3, 4] with minbits 64, minexp -1075: zfp's bytes
    put the second block at bit 1 of the blocks, its readers look for it at
    bit 64; ZFP wrote such chunks and then called them truncated."""
    values = np.array([0, 0, 0, 0, 1, 2, 3, 4], dtype)
    expert = dict(minbits=64, minexp=-1075)
    why = rf"reversible float{8 * np.dtype(dtype).itemsize} blocks with minbits=64 cannot " \
        "be read back: zfp writes a block of zeros in 1 bit"
    with pytest.raises(ValueError, match=why):
        engine.compress(values, Mode.from_args(**expert))
    with pytest.raises(ValueError, match=why):
        engine.compress(values, Mode.from_args(**expert), header=False)
    with pytest.raises(ValueError, match=why):
        ZFP(**expert).encode(values)
    zarr = pytest.importorskip("zarr")
    from zfpcodec.zarr3 import ZFPCodec

    array = zarr.create_array(tmp_path / "a.zarr", shape=values.shape, chunks=(8,),
                              dtype=dtype, serializer=ZFPCodec(**expert), compressors=None)
    with pytest.raises(ValueError, match=why):
        array[...] = values


@pytest.mark.parametrize("dtype", ["f4", "f8", "i4", "i8"])
def test_reversible_expert_parameters_that_read_back_are_written(dtype):
    """minbits 1 for floats, any minbits for integers (whose blocks are
    always padded): exact round trips."""
    values = np.array([0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0], dtype)
    minbits = 64 if dtype[0] == "i" else 1
    codec = ZFP(minbits=minbits, minexp=-1075)
    assert codec.decode(codec.encode(values)).tobytes() == values.tobytes()
