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


def decode(window: int, avail: int, n: int) -> tuple[int, int, int]:
    """Decode one plane from ``window`` (next bit in bit 0) with ``n``
    significant; return (bits read, n after, the plane's bits: bit i for
    coefficient i), as the plane decoder does.  Bits at ``avail`` and above
    read as zero: a result with more than ``avail`` bits read depends on
    bits outside the window."""
    value = window & ((1 << n) - 1)
    used = n
    while n < SIZE:
        limit = SIZE - 1 - n
        bit = window >> used & 1
        used += 1
        if not bit:
            break
        zeros = 0
        while zeros < limit and not window >> (used + zeros) & 1:
            zeros += 1
        used += zeros + (zeros < limit)  # at the limit the last 1 is implied
        n += zeros
        value |= 1 << n
        n += 1
    return used, n, value


def plane(window: int, avail: int, n: int) -> tuple[int, int]:
    """(bits read, n after) of ``decode``."""
    used, after, _ = decode(window, avail, n)
    return used, after


def decode_cut(window: int, budget: int, n: int) -> tuple[int, int]:
    """Decode one plane with ``n`` significant from the ``budget`` bits of
    ``window`` where the plane takes more (budget < 8 - n): (n after, the
    plane's bits).  As the decoder does, a run of zeros that the budget
    ends makes the coefficient at the scan position significant."""
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
        used += zeros + (zeros < limit)
        budget -= zeros + (zeros < limit)
        n += zeros
        value |= 1 << n
        n += 1
    return n, value


def encode(value: int, n: int) -> tuple[int, int, int]:
    """The coding of plane bits ``value`` with ``n`` significant: (the bits,
    the first in bit 0; how many; n after)."""
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
    return sum(b << i for i, b in enumerate(bits)), len(bits), n


def entry(n: int, byte: int) -> int:
    """Bits 0-3: planes the byte holds whole; 4-7: their bits; 8-10: n
    after them; 12-15, 16-18 and 20-23: the bits, the n after and the
    plane's four bits of the first plane alone."""
    first_used, first_n, first_value = decode(byte, WINDOW, n)
    planes, used, at = 0, 0, n
    while at < SIZE:
        got, after = plane(byte >> used, WINDOW - used, at)
        if got > WINDOW - used:
            break
        planes, used, at = planes + 1, used + got, after
    return (
        planes | used << 4 | at << 8 | first_used << 12 | first_n << 16 | first_value << 20
    )


def code_entry(n: int, value: int) -> int:
    """Bits 0-11: the coding of plane bits ``value``; 12-15: its length;
    16-18: n after it."""
    code, length, after = encode(value, n)
    return code | length << 12 | after << 16


def cut_entry(n: int, index: int) -> int:
    """Entry ``(1 << budget) | window`` (budget < 8 bits, window < 2^budget) for
    planes cut by the budget: bits 0-3 the plane's four bits, 4-6 n after."""
    if index < 2:
        return 0  # no budget: no plane
    budget = index.bit_length() - 1
    after, value = decode_cut(index & ((1 << budget) - 1), budget, n)
    return value | after << 4


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
        " * first stream bit in bit 0; 12-15 how many bits; 16-18 n after it.",
        " * plane_cut4[n][(1 << b) | w], for a plane that takes more than the b",
        " * bits left in the budget (b < 8 - n), the next b stream bits being w:",
        " * bits 0-3 the plane's four bits as the decoder reads them, 4-6 n",
        " * after it. */",
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
        "plane_code4", [[code_entry(n, x) for x in range(1 << SIZE)] for n in range(SIZE)], 5
    )
    lines += _rows(
        "plane_cut4",
        [[cut_entry(n, i) for i in range(1 << WINDOW)] for n in range(SIZE)],
        2,
        "uint8_t",
    )
    lines += ["#endif", ""]
    return "\n".join(lines)


def main() -> int:
    HEADER.write_text(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
