"""Concurrency: the engine releases the GIL while it codes, so Python threads
really run it at once; many of them, compressing and decompressing
different and shared inputs, must get exactly the bytes and values one
thread gets.  The engine's own worker threads (`threads=`) must not change
the bytes either.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import zfpy
from oracle import Call
from zfpcodec import ZFPError, engine
from zfpcodec.modes import Mode

WORKERS = 8
ROUNDS = 6


def _inputs():
    """(array, zfpy keyword arguments) covering every type and rank."""
    rng = np.random.default_rng(7)
    cases = []
    for dtype in ("int32", "int64", "float32", "float64"):
        for shape in ((300,), (40, 30), (12, 10, 9), (5, 6, 4, 7)):
            if dtype.startswith("int"):
                values = rng.integers(-10**6, 10**6, size=shape).astype(dtype)
                modes = ({}, {"rate": 12.0}, {"precision": 20})
            else:
                grid = np.indices(shape).sum(axis=0)
                values = (np.cos(0.2 * grid) + 0.001 * rng.standard_normal(shape)).astype(dtype)
                modes = ({}, {"tolerance": 1e-4}, {"rate": 10.0}, {"precision": 16})
            for kwargs in modes:
                cases.append((values, kwargs))
    return cases


CASES = _inputs()
SHARED_ARRAY = np.sin(np.linspace(0, 40, 64 * 64 * 16)).reshape(64, 64, 16)


def _reference():
    streams = [zfpy.compress_numpy(values, **kwargs) for values, kwargs in CASES]
    bare = [zfpy.compress_numpy(values, write_header=False, **kwargs)
            for values, kwargs in CASES]
    decoded = [zfpy.decompress_numpy(stream) for stream in streams]
    return streams, bare, decoded


def _run_together(tasks):
    """Run the callables on WORKERS threads that start together."""
    barrier = threading.Barrier(WORKERS)

    def start_together(task):
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        return task()

    with ThreadPoolExecutor(WORKERS) as pool:
        first = [pool.submit(start_together, task) for task in tasks[:WORKERS]]
        rest = [pool.submit(task) for task in tasks[WORKERS:]]
        return [future.result() for future in first + rest]


def test_threads_compressing_different_and_shared_arrays_get_the_same_bytes():
    streams, bare, _ = _reference()
    shared_stream = zfpy.compress_numpy(SHARED_ARRAY, tolerance=1e-6)
    tasks, expected = [], []
    for _ in range(ROUNDS):
        for index, (values, kwargs) in enumerate(CASES):
            tasks.append(lambda v=values, k=kwargs: zfpy.compress_numpy(v, **k))
            expected.append(streams[index])
            tasks.append(lambda v=values, k=kwargs:
                         zfpy.compress_numpy(v, write_header=False, **k))
            expected.append(bare[index])
        for _ in range(WORKERS):
            tasks.append(lambda: zfpy.compress_numpy(SHARED_ARRAY, tolerance=1e-6))
            expected.append(shared_stream)
    results = _run_together(tasks)
    mismatches = [i for i, (got, want) in enumerate(zip(results, expected)) if got != want]
    assert not mismatches, f"{len(mismatches)} of {len(tasks)} streams differ"


def test_threads_decompressing_different_and_shared_streams_get_the_same_values():
    streams, bare, decoded = _reference()
    shared_stream = zfpy.compress_numpy(SHARED_ARRAY, rate=16.0)
    shared_values = zfpy.decompress_numpy(shared_stream)
    tasks, expected = [], []
    for _ in range(ROUNDS):
        for index, (values, kwargs) in enumerate(CASES):
            tasks.append(lambda s=streams[index]: zfpy.decompress_numpy(s))
            expected.append(decoded[index])
            ztype = zfpy.dtype_to_ztype(values.dtype)
            tasks.append(lambda s=bare[index], z=ztype, shape=list(values.shape), k=kwargs:
                         zfpy._decompress(s, z, shape, **k))
            expected.append(decoded[index])
        for _ in range(WORKERS):
            tasks.append(lambda: zfpy.decompress_numpy(shared_stream))
            expected.append(shared_values)
    results = _run_together(tasks)
    mismatches = [i for i, (got, want) in enumerate(zip(results, expected))
                  if got.tobytes() != want.tobytes() or got.shape != want.shape]
    assert not mismatches, f"{len(mismatches)} of {len(tasks)} arrays differ"


def test_threads_decompressing_into_their_own_outs_of_one_array():
    # every thread writes a different row of one shared output array
    values = np.random.default_rng(3).standard_normal((WORKERS * 4, 50, 40))
    bare = [zfpy.compress_numpy(plane, write_header=False, precision=30) for plane in values]
    expected = np.stack([zfpy._decompress(s, 4, [50, 40], precision=30) for s in bare])
    out = np.zeros_like(values)
    _run_together([lambda i=i: zfpy._decompress(bare[i], 4, [50, 40], out=out[i],
                                                precision=30)
                   for i in range(len(bare))])
    np.testing.assert_array_equal(out, expected)


def test_threads_hitting_errors_do_not_disturb_threads_that_succeed():
    streams, _, decoded = _reference()
    good = list(range(len(streams)))

    def failing(index):
        with pytest.raises(ZFPError):
            zfpy.decompress_numpy(streams[index][:len(streams[index]) // 2])

    tasks, expected = [], []
    for _ in range(ROUNDS):
        for index in good:
            tasks.append(lambda i=index: zfpy.decompress_numpy(streams[i]))
            expected.append(decoded[index])
            tasks.append(lambda i=index: failing(i))
            expected.append(None)
    results = _run_together(tasks)
    for got, want in zip(results, expected):
        if want is None:
            assert got is None
        else:
            assert got.tobytes() == want.tobytes()


# --------------------------------------------------------------------------
# The engine's worker threads

LARGE = {
    "float64": np.sin(np.linspace(0, 100, 300 * 400)).reshape(300, 400),
    "float32": np.cos(np.linspace(0, 50, 48 * 50 * 60)).reshape(48, 50, 60).astype("f4"),
    "int32": (np.arange(200 * 300, dtype=np.int32) * 7919 % 100003).reshape(200, 300),
    "int64": np.arange(100_000, dtype=np.int64) ** 2 % (2**40),
}


@pytest.mark.parametrize("dtype", sorted(LARGE))
@pytest.mark.parametrize("kwargs", [{}, {"rate": 9.0}, {"precision": 18}, {"tolerance": 1e-5}],
                         ids=["reversible", "rate", "precision", "tolerance"])
def test_worker_thread_counts_give_the_same_bytes_and_values(dtype, kwargs):
    values = LARGE[dtype]
    stream = zfpy.compress_numpy(values, **kwargs)
    decoded = zfpy.decompress_numpy(stream)
    for threads in (0, 2, 3, 4, 7, 16):
        assert zfpy.compress_numpy(values, threads=threads, **kwargs) == stream, threads
        again = zfpy.decompress_numpy(stream, threads=threads)
        assert again.tobytes() == decoded.tobytes(), threads
        mode = Mode.from_args(**{k: v for k, v in kwargs.items()}) if kwargs else Mode.from_args()
        assert engine.compress(values, mode, threads=threads) == stream, threads


def _sparse_fields(seed):
    """Arrays whose chunks (64 blocks and up) code to a few words or less: the
    empty blocks of a lossy mode are a bit each, so chunk joins land inside
    words, on word boundaries, and a short last chunk inside one word."""
    rng = np.random.default_rng(seed)
    for _ in range(12):
        rank = int(rng.integers(1, 5))
        side = round(float(rng.integers(100, 3000)) ** (1 / rank))
        shape = tuple(max(1, 4 * side + int(rng.integers(-3, 4))) for _ in range(rank))
        spikes = rng.random(shape) < rng.choice([0.0, 0.001, 0.03])
        values = np.where(spikes, rng.standard_normal(shape), 0.0)
        dtype = str(rng.choice(["int32", "int64", "float32", "float64"]))
        if dtype.startswith("int"):
            values = np.round(values * 1000)
            kwargs = rng.choice([{}, {"precision": int(rng.integers(1, 30))}])
        else:
            kwargs = rng.choice([{}, {"tolerance": 1e-3}, {"precision": int(rng.integers(1, 30))}])
        yield values.astype(dtype), dict(kwargs), bool(rng.integers(0, 2))


def test_worker_threads_join_chunks_inside_words(seed, oracle):
    # each worker copies the words its chunk alone covers; the words two
    # chunks share are written after, from their heads and tails
    cases = list(_sparse_fields(seed))
    calls = [Call("compress_numpy", values, write_header=header, **kwargs)
             for values, kwargs, header in cases]
    for (values, kwargs, header), theirs in zip(cases, oracle.run(calls)):
        assert theirs.ok and theirs.value == zfpy.compress_numpy(
            values, write_header=header, **kwargs)
        for threads in (2, 3, 5, 8):
            assert zfpy.compress_numpy(values, write_header=header, threads=threads,
                                       **kwargs) == theirs.value, (values.shape, kwargs, threads)


@pytest.mark.parametrize("threads", [1, 2, 4, 9])
@pytest.mark.parametrize("kwargs", [{"rate": 8.0}, {"tolerance": 1e-5}],
                         ids=["fixed-rate", "variable-rate"])
def test_worker_threads_report_truncation(threads, kwargs):
    # variable-rate cuts land in chunks the measuring thread locates and in
    # the last ones, which it decodes itself
    values = LARGE["float64"]
    stream = zfpy.compress_numpy(values, **kwargs)
    for cut in (len(stream) // 3, 3 * len(stream) // 4, len(stream) - 8, 20):
        with pytest.raises(ZFPError, match="truncated"):
            zfpy.decompress_numpy(stream[:cut], threads=threads)


def test_python_threads_each_using_worker_threads():
    values = LARGE["float32"]
    stream = zfpy.compress_numpy(values, rate=12.0)
    decoded = zfpy.decompress_numpy(stream)
    tasks = []
    for i in range(WORKERS * 2):
        if i % 2:
            tasks.append(lambda: zfpy.compress_numpy(values, rate=12.0, threads=3))
        else:
            tasks.append(lambda: zfpy.decompress_numpy(stream, threads=3).tobytes())
    for i, result in enumerate(_run_together(tasks)):
        assert result == (stream if i % 2 else decoded.tobytes())


def _small_block_fields():
    """1-D and 2-D arrays whose blocks go quiet for runs of planes (smooth
    parts) and not at all (noise), with zeros between."""
    rng = np.random.default_rng(7)
    walk = np.cumsum(rng.normal(size=40_000))
    walk[5_000:9_000] = 0
    walk[20_000:24_000] = rng.normal(size=4_000) * 1e3
    return {"1-D": walk, "2-D": walk.reshape(200, 200)}


SMALL_BLOCK_MODES = {
    "accuracy": Mode.from_args(tolerance=1e-4),
    "precision 7": Mode.from_args(precision=7),
    "precision 40": Mode.from_args(precision=40),
    "reversible": Mode.from_args(reversible=True),
    # budgets that end inside runs of quiet planes
    "expert 1-D budget": Mode.from_args(minbits=0, maxbits=37, maxprec=64, minexp=-1074),
    "expert 2-D budget": Mode.from_args(minbits=20, maxbits=131, maxprec=50, minexp=-30),
    # budgets under 8 bits for the planes: 1-D blocks leave the table
    "expert short budget": Mode.from_args(minbits=0, maxbits=21, maxprec=64, minexp=-1074),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("rank", ["1-D", "2-D"])
@pytest.mark.parametrize("mode_name", sorted(SMALL_BLOCK_MODES))
def test_measuring_pass_finds_the_decoders_block_ends(dtype, rank, mode_name):
    # several threads start each chunk where the measuring pass says the
    # previous one ends: any block it measures differently from the decoder
    # moves every later chunk, and the values (or the stream's end) differ
    values = _small_block_fields()[rank]
    if dtype.startswith("int"):
        values = np.round(values * 1000)
    values = values.astype(dtype)
    mode = SMALL_BLOCK_MODES[mode_name]
    if mode_name == "accuracy" and dtype.startswith("int"):
        mode = Mode.from_args(precision=20)
    stream = engine.compress(values, mode)
    one = engine.decompress(stream, exact_length=True)
    assert engine.padded_bytes(engine.stream_bits(stream)) == len(stream)
    for threads in (2, 3, 8):
        many = engine.decompress(stream, threads=threads, exact_length=True)
        assert many.tobytes() == one.tobytes(), threads


def _long_fields():
    """Arrays of at least 16384 blocks, in each rank: long enough for two
    threads to split a variable-rate stream at a guessed bit."""
    rng = np.random.default_rng(11)
    fields = {}
    for rank, shape in ((1, (1 << 17,)), (2, (512, 512)), (3, (128, 128, 64)),
                        (4, (32, 32, 32, 32))):
        values = rng.normal(size=shape)
        for axis in range(rank):
            values = np.cumsum(values, axis=axis)
        fields[rank] = values / np.abs(values).max()
    return fields


LONG_FIELDS = _long_fields()
LONG_MODES = {
    "accuracy": Mode.from_args(tolerance=1e-4),
    "precision": Mode.from_args(precision=20),
    "reversible": Mode.from_args(reversible=True),
    "expert": Mode.from_args(minbits=8, maxbits=700, maxprec=40, minexp=-30),
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("rank", [1, 2, 3, 4])
@pytest.mark.parametrize("mode_name", sorted(LONG_MODES))
def test_two_threads_split_long_streams_where_one_thread_would(dtype, rank, mode_name):
    # The calling thread parses from a guessed bit, which may fall inside
    # a block (measuring a prefix and then decoding early, or measuring
    # only where the prefix would be long);
    # only a block start both threads' parses share lets them be placed, or
    # it decode the last blocks.  Its timing varies, so each stream is
    # decoded thrice.
    values = LONG_FIELDS[rank]
    if dtype.startswith("int"):
        values = np.round(values * 2**20)
    values = values.astype(dtype)
    mode = LONG_MODES[mode_name]
    if mode_name == "accuracy" and dtype.startswith("int"):
        mode = Mode.from_args(precision=12)
    stream = engine.compress(values, mode)
    one = engine.decompress(stream, exact_length=True).tobytes()
    for _ in range(3):
        assert engine.decompress(stream, threads=2, exact_length=True).tobytes() == one
    for cut in (len(stream) // 5, len(stream) // 2, len(stream) - 9):
        with pytest.raises(ZFPError, match="truncated"):
            engine.decompress(stream[:cut], threads=2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_two_threads_decode_3d_streams_early_after_a_measured_prefix(dtype, oracle):
    # 3-D garbage parses run hundreds of blocks: in lossy streams the
    # calling thread measures a prefix of about twice the mean block's bits
    # in blocks, then decodes early; the worker decodes the prefix's blocks
    # past the agreement (reversible ones are measured from the first block)
    values = LONG_FIELDS[3].astype(dtype)
    streams = [zfpy.compress_numpy(values, **kwargs)
               for kwargs in ({"tolerance": 1e-4}, {"tolerance": 1e-2}, {"precision": 20},
                              {"precision": 8}, {})]
    theirs = oracle.run([Call("decompress_numpy", stream) for stream in streams])
    for stream, result in zip(streams, theirs):
        assert result.ok
        for _ in range(3):
            assert zfpy.decompress_numpy(stream, threads=2).tobytes() == result.value.tobytes()


def test_two_threads_measure_from_the_guess_where_early_blocks_would_take_too_much():
    # 2**25 float32 values (128 MiB) would take more than the 64 MiB that
    # blocks decoded early may: the calling thread only measures them
    walk = np.cumsum(np.random.default_rng(3).standard_normal(2**25, dtype="float32"))
    stream = engine.compress(walk, Mode.from_args(tolerance=1e-2))
    one = engine.decompress(stream, exact_length=True).tobytes()
    assert engine.decompress(stream, threads=2, exact_length=True).tobytes() == one
    with pytest.raises(ZFPError, match="truncated"):
        engine.decompress(stream[:len(stream) // 2], threads=2)


@pytest.mark.parametrize("seed", range(6))
def test_two_threads_decode_corrupt_long_streams_as_one_does(seed):
    # flipped bits change the blocks' lengths from there on: what one
    # thread decodes (values or an error) two threads decode too
    rng = np.random.default_rng(seed)
    values = LONG_FIELDS[1 + seed % 4].astype("float32")
    stream = bytearray(engine.compress(values, Mode.from_args(tolerance=1e-3)))
    for at in rng.integers(8 * 16, 8 * len(stream), size=1 + seed):
        stream[at // 8] ^= 1 << (at % 8)
    stream = bytes(stream)

    def outcome(threads):
        try:
            return engine.decompress(stream, threads=threads).tobytes()
        except ZFPError as error:
            return str(error)
    one = outcome(1)
    assert all(outcome(2) == one for _ in range(3))
