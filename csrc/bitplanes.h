/* Bit planes of a block: the coder works on plane words (bit r of plane k
 * is bit k of coefficient r, spec 9.1), which a 64 x 64 bit-matrix
 * transpose computes for 64 coefficients at once, instead of one bit per
 * coefficient per plane. */
#ifndef ZFPC_BITPLANES_H
#define ZFPC_BITPLANES_H

#include <stdint.h>

/* One round of the transpose: swap the upper j bits of each row in the
 * first half of every 2j-row band with the lower j bits of the row j
 * below it.  Written as straight loops so the compiler vectorises them. */
static inline void transpose_round(uint64_t a[64], unsigned j, uint64_t mask)
{
  unsigned band, i;
  for (band = 0; band < 64; band += 2 * j)
    for (i = band; i < band + j; i++) {
      uint64_t t = ((a[i] >> j) ^ a[i + j]) & mask;
      a[i + j] ^= t;
      a[i] ^= t << j;
    }
}

/* Transpose the 64 x 64 bit matrix whose row r is a[r] (column c = bit c):
 * afterwards bit c of a[r] is what bit r of a[c] was.  Six rounds swap the
 * off-diagonal j x j sub-blocks for j = 32, 16, ..., 1. */
static inline void transpose64(uint64_t a[64])
{
  transpose_round(a, 32, UINT64_C(0x00000000ffffffff));
  transpose_round(a, 16, UINT64_C(0x0000ffff0000ffff));
  transpose_round(a, 8, UINT64_C(0x00ff00ff00ff00ff));
  transpose_round(a, 4, UINT64_C(0x0f0f0f0f0f0f0f0f));
  transpose_round(a, 2, UINT64_C(0x3333333333333333));
  transpose_round(a, 1, UINT64_C(0x5555555555555555));
}

#endif
