"""`engine.stream_bits` and `engine.check_complete` tell whether a stream
is whole without decoding it: for fixed rate from the header (or shape)
and the length alone, otherwise with the engine's measuring pass (the one
its threads use to find where chunks of blocks start).  A stream cut
anywhere, even in the padding of its last word, is incomplete; bytes after
the stream are the caller's to judge."""

from __future__ import annotations

import numpy as np
import pytest

from zfpcodec import ZFPError, engine
from zfpcodec.modes import Mode

MODES = {
    "accuracy": Mode.from_args(tolerance=1e-3),
    "rate": Mode.from_args(rate=7.5),
    "precision": Mode.from_args(precision=17),
    "reversible": Mode.from_args(),
    "expert": Mode.from_args(minbits=30, maxbits=900, maxprec=40, minexp=-12),
}
CASES = [("f8", (50,)), ("f4", (17, 23)), ("i4", (9, 6, 5)), ("i8", (5, 6, 4, 3)),
         ("f8", (3, 9, 4, 5))]


def values_of(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    smooth = np.cos(np.arange(np.prod(shape)) / 7).reshape(shape) + rng.normal(0, .1, shape)
    return np.round(smooth * 1e5).astype(dtype) if dtype[0] == "i" else smooth.astype(dtype)


def streams(mode_name, dtype, shape):
    """(stream, description for a headerless one or {}) with and without header."""
    mode = MODES[mode_name]
    if mode_name == "accuracy" and dtype[0] == "i":
        mode = MODES["precision"]
    values = values_of(dtype, shape)
    yield engine.compress(values, mode), {}
    yield (engine.compress(values, mode, header=False, rate_clamp=True),
           dict(dtype=dtype, shape=shape, mode=mode))


@pytest.mark.parametrize("dtype, shape", CASES)
@pytest.mark.parametrize("mode_name", sorted(MODES))
def test_stream_bits_is_where_the_writer_stopped(mode_name, dtype, shape):
    for stream, described in streams(mode_name, dtype, shape):
        bits = engine.stream_bits(stream, **described)
        assert len(stream) * 8 - 64 < bits <= len(stream) * 8
        assert engine.padded_bytes(bits) == len(stream)
        assert engine.check_complete(stream, **described) == len(stream)
        # the decoder's blocks end there too
        engine.decompress(stream, exact_length=True, **described)


@pytest.mark.parametrize("dtype, shape", CASES[:3])
@pytest.mark.parametrize("mode_name", sorted(MODES))
def test_every_cut_is_incomplete_and_trailing_bytes_are_not_counted(mode_name, dtype, shape):
    for stream, described in streams(mode_name, dtype, shape):
        for cut in range(1, len(stream)):
            with pytest.raises(ZFPError, match="truncated|too short for a zfp header|"
                                               "cut off") as info:
                engine.check_complete(stream[:cut], **described)
            assert info.value.status in ("truncated", "header")
        assert engine.check_complete(stream + b"\xff" * 24, **described) == len(stream)


def test_a_cut_in_the_last_words_padding_decodes_but_is_incomplete():
    stream = engine.compress(np.arange(4.0), Mode.from_args(rate=16))  # 96 + 64 bits
    bits = engine.stream_bits(stream)
    assert bits == 96 + 64 and len(stream) == 24
    cut = stream[:engine.padded_bytes(bits) - 3]  # only padding is missing
    np.testing.assert_array_equal(engine.decompress(cut), engine.decompress(stream))
    with pytest.raises(ZFPError, match="it is 24 bytes long, but the input holds only 21"):
        engine.check_complete(cut)


def test_fixed_rate_completeness_follows_from_the_length_alone():
    """Every fixed-rate block has the same length: the blocks are not read,
    so even scrambled blocks of the right length count as complete."""
    stream = bytearray(engine.compress(values_of("f8", (40, 40)), MODES["rate"]))
    header_bits = engine.read_header(bytes(stream))[3]
    blocks, bits_per_block = 10 * 10, 120  # floor(16 * 7.5 + 0.5)
    assert engine.stream_bits(bytes(stream)) == header_bits + blocks * bits_per_block
    stream[16:] = np.random.default_rng(1).integers(0, 256, len(stream) - 16,
                                                    dtype=np.uint8).tobytes()
    assert engine.check_complete(bytes(stream)) == len(stream)


def test_a_corrupt_or_missing_header_is_said_so():
    with pytest.raises(ZFPError, match="not a zfp stream"):
        engine.check_complete(b"garbage!" * 4)
    with pytest.raises(ZFPError, match="empty"):
        engine.stream_bits(b"")


def test_hostile_bodies_never_crash_the_measuring_pass(seed):
    """Random bytes after a valid header: an answer within the input or a
    ZFPError, never a read past it."""
    rng = np.random.default_rng(seed)
    head = engine.compress(values_of("f8", (64, 64)), MODES["reversible"])[:16]
    for _ in range(200):
        body = rng.integers(0, 256, int(rng.integers(0, 400)), dtype=np.uint8).tobytes()
        data = head + body
        try:
            bits = engine.stream_bits(data)
        except ZFPError as error:
            assert error.status in ("truncated", "header")
        else:
            assert bits <= len(data) * 8
