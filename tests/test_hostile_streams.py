"""Truncation and bit-flip sweeps over streams of every type and mode: no
crash, no hang, and a stream cut before its last bit always raises.

Every sweep runs in a child process (tests/hostile_runner.py) with a
timeout, so a crash or an endless loop in the decoder fails the test
instead of killing pytest.  CI runs a seeded sample (the seed is printed on
failure; set ZFPCODEC_SEED to replay it); the ``slow`` variants sweep every
prefix and many more flips.

The invariants, for a stream S whose decoder reads exactly the bits its
encoder wrote (every zfpy stream but those of format.md §14.1):

* a prefix of S either raises ZFPError or decodes to exactly what S does
  (it can only lack zero padding of the last 64-bit word, format.md §1.4);
* a prefix at least 8 bytes shorter than S lacks a bit the decoder reads,
  so it raises ZFPError ("truncated", or a header error for the first
  bytes);
* S with any bits flipped decodes to some array or raises ZFPError;
* 1 and 3 worker threads (csrc/blocks.c splits large streams into chunks)
  decode every such input to the same array, or both raise ZFPError.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_runner import run_functions  # noqa: E402

SEED_VARIABLE = "ZFPCODEC_SWEEP_SEED"

SHAPES = ((37,), (9, 11), (5, 6, 7), (3, 4, 5, 6))
DTYPES = ("int32", "int64", "float32", "float64")
MODES = (("reversible", {}), ("tolerance", {"tolerance": 1e-3}), ("rate", {"rate": 8.0}),
         ("low rate", {"rate": 0.03}), ("precision", {"precision": 12}))


def _seed() -> int:
    return int(os.environ.get(SEED_VARIABLE, "20241125"))


def _values(dtype: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if dtype.startswith("int"):
        return rng.integers(-2**20, 2**20, size=shape).astype(dtype)
    grid = np.indices(shape).sum(axis=0)
    values = np.sin(0.4 * grid) * 100 + rng.standard_normal(shape)
    values.flat[::7] = 0.0
    return values.astype(dtype)


def _streams(seed: int, shapes=SHAPES, threads: int = 1):
    """(label, stream, decode, consistent) for every type, mode and rank,
    with and without header.  `consistent` is False where the decoder does
    not read what the encoder wrote (format.md §14.1)."""
    import zfpy
    from zfpcodec import engine
    from zfpcodec.modes import Mode
    rng = np.random.default_rng(seed)
    for dtype in DTYPES:
        ztype = zfpy.dtype_to_ztype(np.dtype(dtype))
        ebits = {"float32": 8, "float64": 11}.get(dtype, 0)
        for shape in shapes:
            values = _values(dtype, shape, rng)
            for mode, kwargs in MODES:
                bits = np.floor(4**len(shape) * kwargs.get("rate", 1e9) + 0.5)
                if mode == "low rate" and (not ebits or bits >= 1 + ebits):
                    continue            # only the float rates below the header
                label = f"{dtype} {shape} {mode}"
                stream = zfpy.compress_numpy(values, **kwargs)

                def decode_numpy(data):
                    return zfpy.decompress_numpy(data, threads=threads)
                yield label + " with header", stream, decode_numpy, True
                if mode == "low rate":
                    # zfpy's bytes, which compress_numpy no longer writes
                    # without a header (no reader told the rate reads them)
                    bare = engine.compress(values, Mode.from_args(**kwargs), header=False,
                                           rate_clamp=False)
                else:
                    bare = zfpy.compress_numpy(values, write_header=False, **kwargs)

                def decode(data, shape=shape, ztype=ztype, kwargs=kwargs):
                    return zfpy._decompress(data, ztype, list(shape), threads=threads,
                                            **kwargs)
                # headerless low rates: _decompress clamps the rate (format.md §14.1)
                yield label + " without header", bare, decode, mode != "low rate"


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return (a.dtype == b.dtype and a.shape == b.shape
            and a.tobytes() == b.tobytes())


def _decode(decode, data):
    """('ok', array) or ('error', ZFPError); anything else propagates."""
    from zfpcodec import ZFPError
    try:
        return "ok", decode(data)
    except ZFPError as error:
        return "error", error


def _truncation_sweep(prefixes_per_stream: int | None) -> str:
    seed = _seed()
    rng = random.Random(seed)
    checked = 0
    for label, stream, decode, consistent in _streams(seed):
        full_kind, full = _decode(decode, stream)
        assert full_kind == "ok" or not consistent, f"{label}: the whole stream fails: {full}"
        lengths = list(range(len(stream)))
        if prefixes_per_stream is not None and len(lengths) > prefixes_per_stream:
            edge = [0, 1, 11, 12, 15, 16, 18, 19] + list(range(len(stream) - 9, len(stream)))
            lengths = sorted({n for n in edge if 0 <= n < len(stream)}
                             | set(rng.sample(lengths, prefixes_per_stream)))
        for length in lengths:
            kind, result = _decode(decode, stream[:length])
            checked += 1
            if kind == "ok":
                assert full_kind == "ok" and _same(result, full), (
                    f"{label}: the {length}-byte prefix of {len(stream)} bytes decodes "
                    "to something else than the whole stream")
                assert not consistent or length > len(stream) - 8, (
                    f"{label}: the {length}-byte prefix of {len(stream)} bytes decodes "
                    "although it lacks bits of the last block")
    return f"{checked} prefixes (seed {seed})"


def _bit_flip_sweep(flips_per_stream: int) -> str:
    seed = _seed()
    rng = random.Random(seed + 1)
    checked = 0
    for label, stream, decode, _ in _streams(seed):
        for _ in range(flips_per_stream):
            corrupt = bytearray(stream)
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                bit = rng.randrange(len(stream) * 8)
                corrupt[bit // 8] ^= 1 << (bit % 8)
            kind, result = _decode(decode, bytes(corrupt))
            checked += 1
            if kind == "ok":
                assert isinstance(result, np.ndarray), label
    return f"{checked} corrupted streams (seed {seed})"


# Large enough for several chunks of blocks, so that worker threads split
# the decoding (csrc/blocks.c), fixed-rate and variable-rate streams alike.
THREADED_SHAPES = ((700,), (48, 48), (16, 16, 20))


def _threads_sweep(cuts_per_stream: int, flips_per_stream: int) -> str:
    """Truncated and corrupted streams decode to the same array, or fail
    alike, with 1 and with 3 worker threads."""
    seed = _seed()
    rng = random.Random(seed + 3)
    checked = 0
    serial = _streams(seed, THREADED_SHAPES, threads=1)
    parallel = _streams(seed, THREADED_SHAPES, threads=3)
    for (label, stream, decode, _), (_, same, decode_3, _) in zip(serial, parallel):
        assert stream == same
        inputs = [stream] + [stream[:rng.randrange(len(stream))]
                             for _ in range(cuts_per_stream)]
        for _ in range(flips_per_stream):
            corrupt = bytearray(stream)
            bit = rng.randrange(len(stream) * 8)
            corrupt[bit // 8] ^= 1 << (bit % 8)
            inputs.append(bytes(corrupt))
        for data in inputs:
            kind, result = _decode(decode, data)
            kind_3, result_3 = _decode(decode_3, data)
            checked += 1
            assert kind == kind_3, (
                f"{label}, {len(data)} bytes: 1 thread {kind}, 3 threads {kind_3}")
            if kind == "ok":
                assert _same(result, result_3), f"{label}: 3 threads decode other values"
    return f"{checked} streams decoded twice (seed {seed})"


def _random_payload_sweep(count: int) -> str:
    """Valid headers followed by random bytes of random length, and bytes
    that are random from the start."""
    import zfpy
    seed = _seed()
    rng = random.Random(seed + 2)
    headers = {stream[:16] for _, stream, _, _ in _streams(seed)}
    headers = sorted(headers)
    for _ in range(count):
        data = rng.choice(headers)[:rng.choice((12, 16))] if rng.random() < 0.8 else b""
        data += rng.randbytes(rng.randrange(0, 600))
        if data:
            kind, result = _decode(zfpy.decompress_numpy, data)
            if kind == "ok":
                assert isinstance(result, np.ndarray)
    return f"{count} random payloads (seed {seed})"


# The functions the child runs (no arguments).

def sweep_truncation_sample():
    return _truncation_sweep(prefixes_per_stream=64)


def sweep_truncation_all():
    return _truncation_sweep(prefixes_per_stream=None)


def sweep_bit_flips_sample():
    return _bit_flip_sweep(flips_per_stream=60)


def sweep_bit_flips_many():
    return _bit_flip_sweep(flips_per_stream=400)


def sweep_random_payloads_sample():
    return _random_payload_sweep(5000)


def sweep_random_payloads_many():
    return _random_payload_sweep(50000)


def sweep_threads_sample():
    return _threads_sweep(cuts_per_stream=6, flips_per_stream=6)


def sweep_threads_many():
    return _threads_sweep(cuts_per_stream=100, flips_per_stream=100)


def _run_in_child(name: str, seed, monkeypatch, timeout: float) -> None:
    if seed is not None:
        monkeypatch.setenv(SEED_VARIABLE, str(seed))
    outcome = run_functions(Path(__file__), [name], timeout=timeout)[name]
    assert outcome.kind == "returned", outcome.describe() + "\n" + outcome.detail
    print(name, outcome.value)


@pytest.fixture
def sweep_seed(seed):
    """The session seed (ZFPCODEC_SEED / --hypothesis-seed) or a fixed one."""
    return seed if isinstance(seed, int) else None


def test_truncated_prefixes_raise_or_decode_identically(sweep_seed, monkeypatch):
    _run_in_child("sweep_truncation_sample", sweep_seed, monkeypatch, timeout=120)


def test_bit_flips_never_crash_or_hang(sweep_seed, monkeypatch):
    _run_in_child("sweep_bit_flips_sample", sweep_seed, monkeypatch, timeout=120)


def test_random_payloads_after_valid_headers_never_crash(sweep_seed, monkeypatch):
    _run_in_child("sweep_random_payloads_sample", sweep_seed, monkeypatch, timeout=120)


def test_worker_threads_agree_on_truncated_and_corrupt_streams(sweep_seed, monkeypatch):
    _run_in_child("sweep_threads_sample", sweep_seed, monkeypatch, timeout=120)


@pytest.mark.slow
def test_worker_threads_agree_on_many_corrupt_streams(sweep_seed, monkeypatch):
    _run_in_child("sweep_threads_many", sweep_seed, monkeypatch, timeout=1200)


@pytest.mark.slow
def test_every_truncated_prefix_raises_or_decodes_identically(sweep_seed, monkeypatch):
    _run_in_child("sweep_truncation_all", sweep_seed, monkeypatch, timeout=1200)


@pytest.mark.slow
def test_many_bit_flips_never_crash_or_hang(sweep_seed, monkeypatch):
    _run_in_child("sweep_bit_flips_many", sweep_seed, monkeypatch, timeout=1200)


@pytest.mark.slow
def test_many_random_payloads_never_crash(sweep_seed, monkeypatch):
    _run_in_child("sweep_random_payloads_many", sweep_seed, monkeypatch, timeout=1200)
