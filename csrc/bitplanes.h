/* Bit planes of a block: the coder works on plane words (bit r of plane k
 * is bit k of coefficient r, format.md §9.1), which a 64 x 64 bit-matrix
 * transpose computes for 64 coefficients at once, instead of one bit per
 * coefficient per plane. */
#ifndef ZFPC_BITPLANES_H
#define ZFPC_BITPLANES_H

#include <stdint.h>
#include "inline.h"
#include "portable.h"

/* One round of the transpose over rows 0..rows-1: swap the upper j bits
 * of each row in the first half of every 2j-row band with the lower j bits
 * of the row j below it.  Straight loops, so the compiler vectorises them.
 * The rounds j = 32, 16, ..., 1 commute; all six transpose the matrix. */
static inline void transpose_round(uint64_t a[64], unsigned rows, unsigned j,
                                   uint64_t mask)
{
  unsigned band, i;
  for (band = 0; band < rows; band += 2 * j)
    for (i = band; i < band + j; i++) {
      uint64_t t = ((a[i] >> j) ^ a[i + j]) & mask;
      a[i + j] ^= t;
      a[i] ^= t << j;
    }
}

/* Rounds j = width/2 .. 1 over the rows t[0..width-1] (width 16, 32 or
 * 64): they transpose the 64 / width square blocks of width x width bits
 * that lie side by side in those rows (block f in the bits of field f), so
 * that field f of row i then holds what was column i of block f. */
static inline ALWAYS_INLINE void transpose_square_blocks(uint64_t *t, unsigned width)
{
  if (width == 64)
    transpose_round(t, 64, 32, UINT64_C(0x00000000ffffffff));
  if (width >= 32)
    transpose_round(t, width, 16, UINT64_C(0x0000ffff0000ffff));
  transpose_round(t, width, 8, UINT64_C(0x00ff00ff00ff00ff));
  transpose_round(t, width, 4, UINT64_C(0x0f0f0f0f0f0f0f0f));
  transpose_round(t, width, 2, UINT64_C(0x3333333333333333));
  transpose_round(t, width, 1, UINT64_C(0x5555555555555555));
}

/* A 16 x 16 bit matrix transposed in place: bit c of row i is bit
 * 16 (i % 4) + c of w[i / 4].  One round per bit b of the indices swaps the
 * elements whose row has bit b clear and column bit b set with their
 * mirror images: for b = 3, 2 between words, for b = 1, 0 inside each
 * word (the mirror lies 32 - 2 and 16 - 1 bits up).  The rounds commute. */
static inline void transpose16(uint64_t w[4])
{
  unsigned q;
  for (q = 0; q < 2; q++) {
    uint64_t t = ((w[q] >> 8) ^ w[q + 2]) & UINT64_C(0x00ff00ff00ff00ff);
    w[q + 2] ^= t;
    w[q] ^= t << 8;
  }
  for (q = 0; q < 4; q += 2) {
    uint64_t t = ((w[q] >> 4) ^ w[q + 1]) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    w[q + 1] ^= t;
    w[q] ^= t << 4;
  }
  for (q = 0; q < 4; q++) {
    uint64_t t = (w[q] ^ w[q] >> 30) & UINT64_C(0x00000000cccccccc);
    w[q] ^= t ^ t << 30;
    t = (w[q] ^ w[q] >> 15) & UINT64_C(0x0000aaaa0000aaaa);
    w[q] ^= t ^ t << 15;
  }
}

/* Exchange the bits of v at the positions in `mask` with those d places
 * above them. */
static inline uint64_t delta_swap(uint64_t v, unsigned d, uint64_t mask)
{
  uint64_t t = ((v >> d) ^ v) & mask;
  return v ^ t ^ (t << d);
}

/* Up to 16 planes of four coefficients, plane j in bits 4j..4j+3, as
 * lanes: bit j of lane i (bits 16i..16i+15) is bit i of plane j.  Bit
 * 4j + i moves to 16i + j: the six bits of its position rotate right by
 * two, as four exchanges of two position bits (0 and 2, 1 and 3, 2 and 4,
 * 3 and 5), each a delta swap. */
static inline uint64_t nibbles_to_lanes4(uint64_t v)
{
  v = delta_swap(v, 3, UINT64_C(0x0a0a0a0a0a0a0a0a));
  v = delta_swap(v, 6, UINT64_C(0x00cc00cc00cc00cc));
  v = delta_swap(v, 12, UINT64_C(0x0000f0f00000f0f0));
  return delta_swap(v, 24, UINT64_C(0x00000000ff00ff00));
}

/* The inverse: the same exchanges in the opposite order. */
static inline uint64_t lanes_to_nibbles4(uint64_t v)
{
  v = delta_swap(v, 24, UINT64_C(0x00000000ff00ff00));
  v = delta_swap(v, 12, UINT64_C(0x0000f0f00000f0f0));
  v = delta_swap(v, 6, UINT64_C(0x00cc00cc00cc00cc));
  return delta_swap(v, 3, UINT64_C(0x0a0a0a0a0a0a0a0a));
}

/* The 64 / size fields of `size` (4 or 16) bits of v in reverse order. */
static inline uint64_t reverse_fields(uint64_t v, unsigned size)
{
  const uint64_t m4 = UINT64_C(0x0f0f0f0f0f0f0f0f), m16 = UINT64_C(0x0000ffff0000ffff);
  if (size == 4) {
    v = BSWAP64(v);
    return (v >> 4 & m4) | (v & m4) << 4;
  }
  v = v >> 32 | v << 32;
  return (v >> 16 & m16) | (v & m16) << 16;
}

#endif
