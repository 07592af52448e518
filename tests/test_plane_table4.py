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
                got, m, _ = gen.decode(byte >> at, m)
                at += got
            assert (at, m) == (used, after), (n, byte)


def test_codes_decode_to_their_planes():
    # the encoder's table: each plane's coding, read back by the bitwise
    # definition, gives the plane and its length, and leaves n at the bit
    # length of the planes so far (n's own, or the plane's), which is how the
    # encoder takes n without the table; with all four significant (n = 4)
    # a plane is its four bits
    gen = _generator()
    for n in range(5):
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


def _planes_by_bits(bits: list[int], n: int, budget: int,
                    whole: bool) -> tuple[list[int], int, int]:
    """Planes read one after another by the bitwise definition from ``bits``
    with ``n`` significant: those lying whole in the bits (``whole``), or
    those read until ``budget`` is spent, the last one cut.  Returns (their
    values, the bits they take, n after)."""
    values: list[int] = []
    at = 0
    while at < budget:
        left = 1 << 30 if whole else budget - at
        got, after, value = _plane_by_bits(bits[at:] + [0] * 16, n, left)
        if whole and at + got > budget:
            break
        values.append(value)
        at, n = at + got, after
    return values, at, n


def _packed(values: list[int]) -> int:
    return sum(v << 4 * (len(values) - 1 - i) for i, v in enumerate(values))


def test_runs_hold_every_whole_plane_of_the_byte():
    # the decoder's 8-bit steps: every plane lying whole in the byte, with n
    # from 0 to 4 (all four significant: four plain bits a plane)
    gen = _generator()
    for n in range(5):
        for byte in range(256):
            bits = [byte >> i & 1 for i in range(8)]
            values, used, after = _planes_by_bits(bits, n, 8, whole=True)
            e = gen.run_entry(n, byte)
            assert values, (n, byte)  # a plane takes at most 8 - n bits
            assert (e & 0xFFFFFFFF, e >> 32 & 15, e >> 36 & 15, e >> 40) == (
                _packed(values), len(values), used, after), (n, byte)


def test_tails_read_planes_until_the_budget_is_spent():
    # the decoder's last step, a budget under 8 bits: every plane it reads,
    # the last one cut as the bitwise definition cuts it
    gen = _generator()
    for n in range(5):
        assert gen.tail_entry(n, 1) == n << 32  # no budget, no plane
        for budget in range(1, 8):
            for window in range(1 << budget):
                bits = [window >> i & 1 for i in range(budget)]
                values, used, after = _planes_by_bits(bits, n, budget, whole=False)
                e = gen.tail_entry(n, 1 << budget | window)
                assert used == budget
                assert (e & 0xFFFFFFF, e >> 28 & 15, e >> 32) == (
                    _packed(values), len(values), after), (n, budget, window)
