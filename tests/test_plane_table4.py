"""The measuring pass's table of 4-value bit planes (csrc/plane_table4.h)
is what tools/gen_plane_table4.py writes, and the generator's plane
decoder agrees with the format's definition on every byte."""

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


def _plane_by_bits(bits: list[int], n: int) -> tuple[int, int]:
    """format.md §9.6 read bit by bit: n plain bits, then group tests, each
    1 followed by the zeros up to the next significant coefficient and its 1
    (implied for the last coefficient)."""
    at = n
    while n < 4:
        group = bits[at]
        at += 1
        if not group:
            break
        while n < 3 and not bits[at]:
            at += 1
            n += 1
        if n < 3:
            at += 1  # the 1 that ends the run
        n += 1
    return at, n


def test_generator_planes_match_the_bitwise_definition():
    gen = _generator()
    for n in range(4):
        for byte in range(256):
            bits = [byte >> i & 1 for i in range(8)] + [0] * 8
            assert gen.plane(byte, 8, n) == _plane_by_bits(bits, n), (n, byte)


def test_entries_chain_whole_planes():
    # each entry's planes, decoded one by one, take exactly its bits
    gen = _generator()
    for n in range(3):
        for byte in range(256):
            e = gen.entry(n, byte)
            planes, used, after = e & 15, e >> 4 & 15, e >> 8 & 7
            assert planes >= 1 and used <= 8
            assert (e >> 12 & 15, e >> 16 & 7) == gen.plane(byte, 8, n)
            at, m = 0, n
            for _ in range(planes):
                got, m = gen.plane(byte >> at, 8 - at, m)
                at += got
            assert (at, m) == (used, after), (n, byte)
