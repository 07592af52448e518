"""Decoders never return silent garbage: where a reader can know that a
stream does not fit its metadata, it says so (ZFPError) instead of
returning values.

* Zarr v3 fixed-rate chunks written the zarrs way (the rate applied as if
  every chunk were 3-D) are read correctly, told apart from ours by their
  exact length; a length that fits neither convention is an error.
* Every Zarr v3 chunk must end exactly where its stream does, so a chunk
  written with other parameters, or with bytes added, is refused.
* `engine.decompress(exact_length=True)` is that rule for any caller.

The zarrs chunks are made with our own engine in expert mode, with exactly
the parameters zfp_stream_set_rate(rate, type, dims=3) gives
(docs/format.md §3.2): bits per block =
floor(64 * rate + 0.5), raised to 1 + 8 (float32) or 1 + 11 (float64).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from zfpcodec import ZFPError, engine
from zfpcodec.modes import Mode

zarr = pytest.importorskip("zarr")
from zfpcodec.zarr3 import ZFPCodec  # noqa: E402

# (dtype, chunk shape, rate); ranks 1, 2 and 4, where the conventions differ
ZARRS_CASES = [
    ("f4", (64,), 8.0), ("f8", (37,), 10.5), ("i4", (64,), 6.0), ("i8", (20,), 12.0),
    ("f4", (16, 16), 8.0), ("f8", (9, 14), 10.5), ("i4", (16, 8), 3.0),
    ("f8", (4, 4, 4, 8), 6.0), ("f4", (5, 4, 4, 4), 10.0), ("i8", (4, 4, 4, 4), 8.0),
    ("f8", (40,), 0.25),  # 12 bits per block (the double's minimum) against 16
    ("f8", (40,), 0.1),  # both conventions at the double's minimum: one stream
]


def smooth(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 3, n) for n in shape], indexing="ij")
    values = sum(np.sin(g * (k + 1)) for k, g in enumerate(grids)) + rng.normal(0, .01, shape)
    if np.dtype(dtype).kind == "i":
        return np.round(values * 1e6).astype(dtype)
    return (values * 10).astype(dtype)


def zarrs_bits(rate: float, dtype) -> int:
    """Bits per block of zfp_stream_set_rate(rate, type, dims=3)."""
    minimum = {"f4": 1 + 8, "f8": 1 + 11}.get(np.dtype(dtype).str[1:], 0)
    return max(math.floor(64 * rate + 0.5), minimum)


def zarrs_chunk(values: np.ndarray, rate: float) -> bytes:
    """The chunk zarrs writes for `values` at `rate`: the expert-mode stream
    with its parameters (no header)."""
    bits = zarrs_bits(rate, values.dtype)
    return engine.compress(values, Mode.from_args(minbits=bits, maxbits=bits, maxprec=64,
                                                  minexp=-1074), header=False)


def zarrs_reading(chunk: bytes, values: np.ndarray, rate: float) -> np.ndarray:
    """What zarrs reads back from its own chunk."""
    bits = zarrs_bits(rate, values.dtype)
    return engine.decompress(chunk, dtype=values.dtype, shape=values.shape,
                             mode=Mode.from_args(minbits=bits, maxbits=bits, maxprec=64,
                                                 minexp=-1074))


def chunk_files(store: Path) -> list[Path]:
    return sorted(p for p in (store / "c").rglob("*") if p.is_file())


def one_chunk_array(path: Path, values: np.ndarray, codec: ZFPCodec):
    array = zarr.create_array(path, shape=values.shape, chunks=values.shape,
                              dtype=values.dtype, serializer=codec, compressors=None)
    array[...] = values
    (chunk,) = chunk_files(path)
    return chunk


def test_the_zarrs_convention_is_zfp_stream_set_rate_with_three_dimensions():
    """Our engine's set_rate with dims=3 gives the bits zarrs_bits computes."""
    for dtype in ("f4", "f8", "i4", "i8"):
        ztype = engine.ztype_of(dtype)
        for rate in (0.05, 0.25, 1, 8, 10.5, 31.99):
            bits = zarrs_bits(rate, dtype)
            assert Mode.from_args(rate=rate).params(3, ztype) == (bits, bits, 64, -1074)


@pytest.mark.parametrize("dtype, shape, rate", ZARRS_CASES)
def test_zarrs_fixed_rate_chunks_of_any_rank_decode_as_zarrs_reads_them(dtype, shape, rate,
                                                                         tmp_path):
    values = smooth(shape, dtype)
    chunk = one_chunk_array(tmp_path / "a.zarr", values, ZFPCodec(rate=rate))
    ours = chunk.read_bytes()
    theirs = zarrs_chunk(values, rate)
    chunk.write_bytes(theirs)
    read = zarr.open_array(tmp_path / "a.zarr", mode="r")[...]
    expected = zarrs_reading(theirs, values, rate)
    assert read.tobytes() == expected.tobytes()
    # and our own chunks still read our way
    chunk.write_bytes(ours)
    read = zarr.open_array(tmp_path / "a.zarr", mode="r")[...]
    assert read.tobytes() == engine.decompress(ours, dtype=dtype, shape=shape,
                                               mode=Mode.from_args(rate=rate)).tobytes()


def test_a_zarrs_chunk_read_the_old_way_was_garbage():
    """Why the convention matters: the zarrs chunk decoded with our rank's
    bits per block is far from the data (what main returned silently)."""
    values = smooth((64,), "f8")
    theirs = zarrs_chunk(values, 8.0)
    wrong = engine.decompress(theirs, dtype="f8", shape=(64,), mode=Mode.from_args(rate=8.0))
    right = zarrs_reading(theirs, values, 8.0)
    assert np.abs(right - values).max() < 1e-3
    assert np.abs(wrong - values).max() > 1


@pytest.mark.parametrize("dtype, shape, rate", [("f4", (4,), 1.0), ("i4", (4,), 0.5),
                                                ("f8", (4, 4), 0.5)])
def test_a_length_both_conventions_give_is_read_by_its_padding(dtype, shape, rate, tmp_path):
    """A one-block chunk at a low rate is 8 bytes either way: our writer pads
    with zeros, so data past our stream's bits means zarrs wrote it."""
    ztype = engine.ztype_of(dtype)
    ours_bits = Mode.from_args(rate=rate).params(len(shape), ztype)[1]
    assert engine.padded_bytes(ours_bits) == engine.padded_bytes(zarrs_bits(rate, dtype))
    values = smooth(shape, dtype, seed=3)
    chunk = one_chunk_array(tmp_path / "a.zarr", values, ZFPCodec(rate=rate))
    ours = chunk.read_bytes()
    assert zarr.open_array(tmp_path / "a.zarr", mode="r")[...].tobytes() == \
        engine.decompress(ours, dtype=dtype, shape=shape,
                          mode=Mode.from_args(rate=rate)).tobytes()
    theirs = zarrs_chunk(values, rate)
    assert len(theirs) == len(ours) and theirs != ours
    chunk.write_bytes(theirs)
    assert zarr.open_array(tmp_path / "a.zarr", mode="r")[...].tobytes() == \
        zarrs_reading(theirs, values, rate).tobytes()


@pytest.mark.parametrize("extra", [8, -8, 16])
def test_a_fixed_rate_chunk_whose_length_fits_neither_convention_raises(extra, tmp_path):
    values = smooth((16, 16), "f4")
    chunk = one_chunk_array(tmp_path / "a.zarr", values, ZFPCodec(rate=8))
    data = chunk.read_bytes()
    chunk.write_bytes(data + bytes(extra) if extra > 0 else data[:extra])
    with pytest.raises(ZFPError, match=r"does not fit its metadata \(fixed_rate 8\.0.*"
                                       r"as zfp does\) it would take 256 bytes.*"
                                       r"as zarrs does\) 1024"):
        zarr.open_array(tmp_path / "a.zarr", mode="r")[...]


VARIABLE = {"fixed_accuracy": ZFPCodec(tolerance=1e-3), "fixed_precision": ZFPCodec(precision=20),
            "reversible": ZFPCodec(), "expert": ZFPCodec(minbits=8, maxbits=2000, maxprec=40,
                                                         minexp=-20)}


@pytest.mark.parametrize("mode_name", sorted(VARIABLE))
def test_a_chunk_with_bytes_added_raises_instead_of_decoding(mode_name, tmp_path):
    values = smooth((24, 24), "f8")
    chunk = one_chunk_array(tmp_path / "a.zarr", values, VARIABLE[mode_name])
    chunk.write_bytes(chunk.read_bytes() + bytes(8))
    with pytest.raises(ZFPError, match="does not fit its description .* it was written "
                                       "with other parameters or for another array"):
        zarr.open_array(tmp_path / "a.zarr", mode="r")[...]


@pytest.mark.parametrize("written, described", [
    (ZFPCodec(tolerance=1e-4), ZFPCodec(tolerance=1e-1)),
    (ZFPCodec(precision=30), ZFPCodec(precision=12)),
    (ZFPCodec(), ZFPCodec(tolerance=1e-3)),
    (ZFPCodec(tolerance=1e-3), ZFPCodec()),
])
def test_a_chunk_written_with_other_parameters_raises(written, described, tmp_path):
    """Metadata that does not match the chunks (edited, or a chunk copied
    from another array): the decoder's blocks end elsewhere."""
    values = smooth((32, 32), "f8", seed=5)
    chunk = one_chunk_array(tmp_path / "w.zarr", values, written).read_bytes()
    target = one_chunk_array(tmp_path / "d.zarr", values, described)
    target.write_bytes(chunk)
    with pytest.raises(ZFPError, match="does not fit|truncated"):
        zarr.open_array(tmp_path / "d.zarr", mode="r")[...]


@pytest.mark.parametrize("mode", [Mode.from_args(tolerance=1e-3), Mode.from_args(rate=8),
                                  Mode.from_args()])
def test_exact_length_refuses_trailing_bytes_and_accepts_the_stream(mode):
    values = smooth((30, 30), "f8")
    for header in (True, False):
        stream = engine.compress(values, mode, header=header, rate_clamp=True)
        described = {} if header else dict(dtype="f8", shape=(30, 30), mode=mode)
        exact = engine.decompress(stream, exact_length=True, **described)
        assert exact.tobytes() == engine.decompress(stream, **described).tobytes()
        # zfp readers ignore trailing data, and so does decompress by default
        assert engine.decompress(stream + bytes(8), **described).tobytes() == exact.tobytes()
        with pytest.raises(ZFPError, match="does not fit its description") as info:
            engine.decompress(stream + bytes(8), exact_length=True, **described)
        assert info.value.status == "length"
