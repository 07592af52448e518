"""Write csrc/plane_table4.h: the bit planes of a 4-value block, coded,
decoded and measured by table lookup (format.md §9.2, §9.6).

A block of four coefficients, n of them significant, codes each bit plane
in at most 8 - n bits: n plain bits, then group tests.  So n and the
plane's four bits decide its whole coding (the encoder's table), and n and
the next 8 bits of the stream decide what a decoder reads: the bits the
plane takes, its four bits and the n after it (the decoder's table).  The
decoder's entry for (n, byte) also says how many whole planes the 8 bits
hold (until all four coefficients are significant), so that the measuring
pass skips runs of planes in one lookup.  Tables replace the coder's
branch per coefficient, which the bits of noisy data make unpredictable.

Run ``python tools/gen_plane_table4.py`` after changing this script;
tests/test_plane_table4.py checks that the header is current.
"""

from __future__ import annotations

import sys
from pathlib import Path

SIZE = 4
WINDOW = 8  # bits looked up at once: 2 * SIZE, the longest plane
HEADER = Path(__file__).resolve().parent.parent / "csrc" / "plane_table4.h"


def decode(window: int, n: int, budget: int = 2 * WINDOW) -> tuple[int, int, int]:
    """Decode one plane from ``window`` (next bit in bit 0, zeros past its
    end) with ``n`` significant, within ``budget`` bits, as the plane
    decoder does; return (bits read, n after, the plane's bits: bit i for
    coefficient i).  Where the budget ends during a scan (or right after a
    1 group test) the coefficient at the scan position becomes significant.
    A result of more bits than the window holds depends on bits past it."""
    used = min(n, budget)
    value = window & ((1 << used) - 1)
    budget -= used
    while budget and n < SIZE:
        budget -= 1
        bit = window >> used & 1
        used += 1
        if not bit:
            break
        limit = min(SIZE - 1 - n, budget)
        zeros = 0
        while zeros < limit and not window >> (used + zeros) & 1:
            zeros += 1
        step = zeros + (zeros < limit)  # at the limit the last 1 is implied
        used += step
        budget -= step
        n += zeros
        value |= 1 << n
        n += 1
    return used, n, value


def encode(value: int, n: int) -> tuple[int, int]:
    """The coding of plane bits ``value`` with ``n`` significant: (the bits,
    the first in bit 0; how many).  The n after it is not in the table: the
    encoder takes it as the bit length of its planes' OR."""
    bits = [value >> i & 1 for i in range(n)]
    while n < SIZE:
        rest = value >> n
        if not rest:
            bits.append(0)  # group test: none of the others is 1
            break
        ahead = (rest & -rest).bit_length() - 1  # zeros before the next 1
        last = n + ahead == SIZE - 1
        bits += [1] + [0] * ahead + ([] if last else [1])
        n += ahead + 1
    return sum(b << i for i, b in enumerate(bits)), len(bits)


def whole_planes(n: int, byte: int, past_all: bool) -> tuple[int, int, int, int]:
    """The planes the byte holds whole, decoded one after another from ``n``
    significant on, up to all four significant, or ``past_all`` (four plain
    bits a plane) too: (how many, the bits they take, n after them, their
    four bits, the first plane's highest)."""
    planes, used, at, values = 0, 0, n, 0
    while past_all or at < SIZE:
        got, after, value = decode(byte >> used, at)
        if got > WINDOW - used:
            break
        planes, used, at, values = planes + 1, used + got, after, values << 4 | value
    return planes, used, at, values


def entry(n: int, byte: int) -> int:
    """Bits 0-3: planes the byte holds whole; 4-7: their bits; 8-10: n
    after them; 12-15, 16-18 and 20-23: the bits, the n after and the
    plane's four bits of the first plane alone."""
    first_used, first_n, first_value = decode(byte, n)
    planes, used, at, _ = whole_planes(n, byte, past_all=False)
    return (
        planes | used << 4 | at << 8 | first_used << 12 | first_n << 16 | first_value << 20
    )


def code_entry(n: int, value: int) -> int:
    """Bits 0-11: the coding of plane bits ``value``; 12-15: its length."""
    code, length = encode(value, n)
    return code | length << 12


def cut_entry(n: int, index: int) -> int:
    """Entry ``(1 << budget) | window`` (budget < 8 bits, window < 2^budget) for
    planes cut by the budget: bits 0-3 the plane's four bits, 4-6 n after."""
    if index < 2:
        return 0  # no budget: no plane
    budget = index.bit_length() - 1
    _, after, value = decode(index & ((1 << budget) - 1), n, budget)
    return value | after << 4


def run_entry(n: int, byte: int) -> int:
    """Every plane the byte holds whole, from ``n`` significant on (all
    four significant included: four plain bits a plane): bits 0-31 their
    four bits, the first plane's highest; 32-35 how many; 36-39 the bits
    they take; 40-42 n after them."""
    planes, used, at, values = whole_planes(n, byte, past_all=True)
    return values | planes << 32 | used << 36 | at << 40


def tail_entry(n: int, index: int) -> int:
    """Entry ``(1 << budget) | window`` (budget < 8 bits, window < 2^budget):
    every plane the decoder reads from ``n`` significant on until the budget
    is spent, the last one cut where the budget ends inside it: bits 0-27
    their four bits, the first plane's highest; 28-30 how many; 32-34 n
    after them."""
    if index < 2:
        return n << 32  # no budget: no plane
    budget = index.bit_length() - 1
    window = index & ((1 << budget) - 1)
    planes, used, at, values = 0, 0, n, 0
    while used < budget:
        got, at, value = decode(window >> used, at, budget - used)
        planes, used, values = planes + 1, used + got, values << 4 | value
    return values | planes << 28 | at << 32


def _rows(name: str, rows: list[list[int]], digits: int, ctype: str = "uint32_t") -> list[str]:
    lines = [f"static const {ctype} {name}[{len(rows)}][{len(rows[0])}] MAYBE_UNUSED = {{"]
    for row in rows:
        values = [f"0x{v:0{digits}x}" for v in row]
        lines.append("  {")
        for i in range(0, len(values), 8):
            lines.append("    " + ", ".join(values[i : i + 8]) + ",")
        lines.append("  },")
    return lines + ["};", ""]


def render() -> str:
    """The header's text."""
    lines = [
        "/* Generated by tools/gen_plane_table4.py; do not edit.",
        " *",
        " * A bit plane of a 4-value block with n coefficients significant",
        " * (format.md §9.2, §9.6).  plane_table4[n][b], for the next 8 stream",
        " * bits b: bits 0-3 how many whole planes the 8 bits hold (until all",
        " * four are significant), 4-7 the bits they take, 8-10 n after them;",
        " * bits 12-15, 16-18 and 20-23 the bits, the n after and the plane's",
        " * four bits (bit i for coefficient i) of the first plane alone.",
        " * plane_code4[n][x], for plane bits x: bits 0-11 its coding, the",
        " * first stream bit in bit 0; 12-15 how many bits (the n after it is",
        " * the bit length of the OR of the planes coded so far).  Its row",
        " * n = 4 (all significant) is the plane's four bits, so that planes",
        " * can be coded four at a time whatever n becomes among them.",
        " * plane_cut4[n][(1 << b) | w], for a plane that takes more than the b",
        " * bits left in the budget (b < 8 - n), the next b stream bits being w:",
        " * bits 0-3 the plane's four bits as the decoder reads them, 4-6 n",
        " * after it.",
        " * plane_run4[n][b], for the next 8 stream bits b, n from 0 to 4:",
        " * bits 0-31 the four bits of every plane the 8 bits hold whole, the",
        " * first plane's highest; 32-35 how many; 36-39 the bits they take;",
        " * 40-42 n after them.",
        " * plane_tail4[n][(1 << b) | w], for a budget of b < 8 bits, the next",
        " * b stream bits being w: bits 0-27 the four bits of every plane read",
        " * until the budget is spent (the last cut as plane_cut4's), the",
        " * first plane's highest; 28-30 how many; 32-34 n after them. */",
        "#ifndef ZFPC_PLANE_TABLE4_H",
        "#define ZFPC_PLANE_TABLE4_H",
        "",
        "#include <stdint.h>",
        '#include "inline.h"',
        "",
    ]
    lines += _rows(
        "plane_table4", [[entry(n, b) for b in range(1 << WINDOW)] for n in range(SIZE)], 6
    )
    lines += _rows(
        "plane_code4",
        [[code_entry(n, x) for x in range(1 << SIZE)] for n in range(SIZE + 1)],
        5,
    )
    lines += _rows(
        "plane_cut4",
        [[cut_entry(n, i) for i in range(1 << WINDOW)] for n in range(SIZE)],
        2,
        "uint8_t",
    )
    lines += _rows(
        "plane_run4",
        [[run_entry(n, b) for b in range(1 << WINDOW)] for n in range(SIZE + 1)],
        11,
        "uint64_t",
    )
    lines += _rows(
        "plane_tail4",
        [[tail_entry(n, i) for i in range(1 << WINDOW)] for n in range(SIZE + 1)],
        9,
        "uint64_t",
    )
    lines += ["#endif", ""]
    return "\n".join(lines)


def main() -> int:
    HEADER.write_text(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
