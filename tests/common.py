"""The shared battery of codec checks (after numcodecs' tests/common.py, our own
code): every numcodecs-style codec test calls these, over every mode and
type.  Each check states the property it verifies.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures"


def memory_bytes(arr: np.ndarray) -> bytes:
    """The bytes of `arr` in its own memory order (what numcodecs compares)."""
    return np.asarray(arr).tobytes(order="A")


def logical(dec, like: np.ndarray) -> np.ndarray:
    """A decoded buffer read back the way numcodecs and Zarr v2 do: its bytes
    in memory order, reshaped in the memory order of the original."""
    flat = np.asarray(dec).reshape(-1, order="A").view(like.dtype)
    order = "F" if like.flags.f_contiguous and not like.flags.c_contiguous else "C"
    return flat.reshape(like.shape, order=order)


def assert_close(actual: np.ndarray, expected: np.ndarray, bound: float | None) -> None:
    """Exact equality (bound None) or |actual - expected| <= bound everywhere."""
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    if bound is None:
        np.testing.assert_array_equal(actual, expected)
    else:
        error = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        assert error.max(initial=0) <= bound, f"max error {error.max()} > {bound}"


def check_encode_decode(codec, arr: np.ndarray, bound: float | None = None) -> bytes:
    """Round trip: decoding what `codec` encodes gives the values back (exactly
    or within `bound`) whether the stream arrives as bytes, bytearray,
    memoryview or uint8 array, and whether it decodes into a new array, an
    `out` array like the input, or a raw writable buffer; all decodings
    carry identical bytes."""
    enc = codec.encode(arr)
    dec = codec.decode(enc)
    assert_close(logical(dec, arr), arr, bound)
    reference = memory_bytes(dec)
    for stream in (bytearray(enc), memoryview(enc), np.frombuffer(enc, dtype=np.uint8)):
        assert memory_bytes(codec.decode(stream)) == reference
    out = np.empty_like(arr)
    assert codec.decode(enc, out=out) is out
    assert memory_bytes(out) == reference
    raw = bytearray(arr.nbytes)
    codec.decode(enc, out=raw)
    assert bytes(raw) == reference
    assert codec.encode(arr) == enc, "encoding is not deterministic"
    return enc


def check_encode_decode_array(codec, arr: np.ndarray) -> None:
    """Exact round trip as numcodecs' own battery demands it of every codec:
    decoding gives an ndarray of the input's dtype and size whose values, in
    memory order, are the input's; so does decoding into an `out` like the
    input, and decoding the stream handed over as a uint8 ndarray."""
    enc = codec.encode(arr)
    for dec in (codec.decode(enc), codec.decode(enc, out=np.empty_like(arr)),
                codec.decode(np.frombuffer(enc, dtype=np.uint8))):
        assert isinstance(dec, np.ndarray)
        assert dec.dtype == arr.dtype and dec.size == arr.size
        np.testing.assert_array_equal(dec.reshape(-1, order="A"), arr.reshape(-1, order="A"))


def check_config(codec) -> None:
    """The configuration survives JSON, resolves through the numcodecs
    registry to an equal codec, and is a plain JSON object with an id."""
    from numcodecs import get_codec

    config = codec.get_config()
    assert config["id"] == codec.codec_id
    again = json.loads(json.dumps(config))
    assert again == config
    resolved = get_codec(again)
    assert resolved == codec and type(resolved) is type(codec)
    assert resolved.get_config() == config


def check_repr(codec, namespace: dict) -> None:
    """repr is a constructor call that rebuilds an equal codec (and the same repr)."""
    text = repr(codec)
    rebuilt = eval(text, dict(namespace))
    assert rebuilt == codec and repr(rebuilt) == text


def check_pickle_and_copy(codec) -> None:
    """Pickle (every protocol), copy and deepcopy give equal, equally hashed
    codecs that encode alike (what dask and xarray rely on)."""
    clones = [pickle.loads(pickle.dumps(codec, protocol=p))
              for p in range(2, pickle.HIGHEST_PROTOCOL + 1)]
    clones += [copy.copy(codec), copy.deepcopy(codec)]
    for clone in clones:
        assert clone == codec and hash(clone) == hash(codec) and repr(clone) == repr(codec)


def check_immutable(codec, names=("mode", "tolerance", "threads")) -> None:
    """Attributes cannot be rebound: a shared codec cannot change under a pool."""
    for name in names:
        with pytest.raises(AttributeError):
            setattr(codec, name, 1)


def check_err_encode_object_buffer(codec) -> None:
    """Object arrays are refused with TypeError (numcodecs' rule)."""
    with pytest.raises(TypeError):
        codec.encode(np.array(["foo", "bar", "baz"], dtype=object))


def check_err_decode_object_buffer(codec, dtypes=(np.int32, np.int64, np.float64)) -> None:
    """Decoding into an object array is refused with TypeError (numcodecs' rule:
    writing pointers would crash the interpreter), whatever the stream's type
    (of `dtypes`, those the codec encodes)."""
    for dtype in dtypes:
        enc = codec.encode(np.arange(10, dtype=dtype))
        with pytest.raises(TypeError):
            codec.decode(enc, out=np.empty(10, dtype=object))


def check_backwards_compatibility(codec_id: str, codec_from_config, encode=True) -> int:
    """Committed fixtures (tests/data/fixtures/<codec_id>, see its manifest)
    still decode to the recorded bytes, their configurations still resolve to
    the same codec, and today's codec encodes the arrays to the committed
    streams.  Never writes fixtures.  Returns the number of streams checked."""
    root = FIXTURES / codec_id
    manifest = json.loads((root / "manifest.json").read_text())
    arrays = {path.name.split(".")[1]: np.load(path) for path in root.glob("array.*.npy")}
    checked = 0
    for codec_dir in sorted(root.glob("codec.*")):
        config = json.loads((codec_dir / "config.json").read_text())
        codec = codec_from_config(config)
        assert codec.get_config() == config, f"{codec_dir.name}: configuration changed"
        for stream_path in sorted(codec_dir.glob("encoded.*.dat")):
            name = f"{codec_dir.name}/{stream_path.name}"
            arr = arrays[stream_path.name.split(".")[1]]
            stream = stream_path.read_bytes()
            dec = codec.decode(stream)
            assert hashlib.sha256(memory_bytes(dec)).hexdigest() == \
                manifest["decoded_sha256"][name], f"{name} decodes differently"
            if encode:
                assert codec.encode(arr) == stream, \
                    f"{name} ({manifest['writer'][name]}) encodes differently"
            checked += 1
    assert checked == len(manifest["writer"])
    return checked


def corrupt_zarr_source(folder: Path) -> Path:
    """A 40x40 float32 Zarr v3 array in folder/src.zarr, zstd chunks of 10x10,
    one of them replaced by garbage (what a CLI command reading it must
    report in one line)."""
    import zarr

    path = folder / "src.zarr"
    zarr.create_array(path, shape=(40, 40), chunks=(10, 10), dtype="f4")[...] = np.arange(
        1600, dtype="f4").reshape(40, 40)
    (path / "c" / "1" / "2").write_bytes(b"garbage\n")
    return path
