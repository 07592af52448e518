"""The tables of 4-value bit planes (csrc/plane_table4.h) are what
tools/gen_plane_table4.py writes, and the generator's planes agree with the
format's definition, read bit by bit, on every byte, code and budget."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_plane_table4", ROOT / "tools" / "gen_plane_table4.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_header_is_what_the_generator_writes():
    gen = _generator()
    assert (ROOT / "csrc" / "plane_table4.h").read_text() == gen.render(), (
        "csrc/plane_table4.h is stale: run python tools/gen_plane_table4.py"
    )


def _plane_by_bits(bits: list[int], n: int, budget: int = 1 << 30) -> tuple[int, int, int]:
    """format.md §9.6 read bit by bit within ``budget``: n plain bits, then
    group tests, each 1 followed by the zeros up to the next significant
    coefficient and its 1 (implied for the last coefficient); where the
    budget ends during a scan, or right after a 1 group test, the
    coefficient at the scan position becomes significant.  Returns (bits
    read, n after, the plane's bits, bit i for coefficient i)."""
    at = min(n, budget)
    value = sum(bits[i] << i for i in range(at))
    budget -= at
    while budget and n < 4:
        group = bits[at]
        at += 1
        budget -= 1
        if not group:
            break
        while n < 3 and budget:
            one = bits[at]
            at += 1
            budget -= 1
            if one:
                break
            n += 1
        value |= 1 << n
        n += 1
    return at, n, value


def test_generator_planes_match_the_bitwise_definition():
    gen = _generator()
    for n in range(4):
        for byte in range(256):
            bits = [byte >> i & 1 for i in range(8)] + [0] * 8
            expected = _plane_by_bits(bits, n)
            assert gen.decode(byte, n) == expected, (n, byte)
            assert gen.plane(byte, n) == expected[:2], (n, byte)


def test_entries_chain_whole_planes():
    # each entry's planes, decoded one by one, take exactly its bits
    gen = _generator()
    for n in range(3):
        for byte in range(256):
            e = gen.entry(n, byte)
            planes, used, after = e & 15, e >> 4 & 15, e >> 8 & 7
            assert planes >= 1 and used <= 8
            assert (e >> 12 & 15, e >> 16 & 7, e >> 20 & 15) == gen.decode(byte, n)
            at, m = 0, n
            for _ in range(planes):
                got, m = gen.plane(byte >> at, m)
                at += got
            assert (at, m) == (used, after), (n, byte)


def test_codes_decode_to_their_planes():
    # the encoder's table: each plane's coding, read back by the bitwise
    # definition, gives the plane and its length, and leaves n at the bit
    # length of the planes so far (n's own, or the plane's), which is how the
    # encoder takes n without the table
    gen = _generator()
    for n in range(4):
        for value in range(16):
            e = gen.code_entry(n, value)
            code, length = e & 0xFFF, e >> 12 & 15
            assert e >> 16 == 0
            assert code < 1 << length and length <= 8 - n
            bits = [code >> i & 1 for i in range(length)] + [1] * 8  # past it: anything
            after = max(n, value.bit_length())
            assert _plane_by_bits(bits, n) == (length, after, value), (n, value)


def test_cut_planes_match_the_bitwise_definition():
    # planes the budget ends inside, for every budget the decoder looks up
    gen = _generator()
    for n in range(4):
        for budget in range(1, 8):
            for window in range(1 << budget):
                bits = [window >> i & 1 for i in range(budget)]
                _, after, value = _plane_by_bits(bits, n, budget)
                e = gen.cut_entry(n, 1 << budget | window)
                assert (e & 15, e >> 4) == (value, after), (n, budget, window)
