/* Bit planes of a block: the coder works on plane words (bit r of plane k
 * is bit k of coefficient r, format.md §9.1), which a 64 x 64 bit-matrix
 * transpose computes for 64 coefficients at once, instead of one bit per
 * coefficient per plane. */
#ifndef ZFPC_BITPLANES_H
#define ZFPC_BITPLANES_H

#include <stdint.h>
#include "bitstream.h"
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

/* Bit b of each of four 16-bit lanes as a nibble, lane i's in bit i: the
 * multiply moves bit 16i + b (shifted to 16i) to bit 48 + i, and its other
 * products land, apart, below bit 48 or past bit 63. */
static inline unsigned lane_plane4(uint64_t lanes, unsigned b)
{
  return (unsigned)(((lanes >> b) & UINT64_C(0x0001000100010001)) *
                    UINT64_C(0x0001000200040008) >> 48);
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

/* Planes whose group test is 0 (format.md §9.2: no coefficient becomes
 * significant) while n < QUIET_MAX_N coefficients are: each is n plain bits
 * and a 0 group bit, so a run of them in the reader's buffer is found by
 * one mask of their group bits and skipped at once.  Measuring needs only
 * their length; smooth fields have long runs of such planes while the
 * small coefficients are still below the plane. */
#define QUIET_MAX_N 16

/* For n significant: bit n + j (n + 1) set for every j (the group bits of
 * consecutive quiet planes), and ceil(2^16 / (n + 1)), which divides any
 * count of bits up to 64 by n + 1 exactly with a multiply and a shift. */
static const struct {
  uint64_t groups;
  uint32_t inverse;
} quiet_planes[QUIET_MAX_N] = {
    {UINT64_C(0xffffffffffffffff), 65536},
    {UINT64_C(0xaaaaaaaaaaaaaaaa), 32768},
    {UINT64_C(0x4924924924924924), 21846},
    {UINT64_C(0x8888888888888888), 16384},
    {UINT64_C(0x0842108421084210), 13108},
    {UINT64_C(0x0820820820820820), 10923},
    {UINT64_C(0x4081020408102040), 9363},
    {UINT64_C(0x8080808080808080), 8192},
    {UINT64_C(0x4020100804020100), 7282},
    {UINT64_C(0x0802008020080200), 6554},
    {UINT64_C(0x0040080100200400), 5958},
    {UINT64_C(0x0800800800800800), 5462},
    {UINT64_C(0x0008004002001000), 5042},
    {UINT64_C(0x0080020008002000), 4682},
    {UINT64_C(0x0800100020004000), 4370},
    {UINT64_C(0x8000800080008000), 4096},
};

/* Skip the quiet planes at the head of the reader's buffer, at most
 * `planes` of them and within *bits; returns how many. */
static inline ALWAYS_INLINE unsigned skip_quiet_planes(bit_reader *r, unsigned n,
                                                       unsigned planes, uint32_t *bits)
{
  const uint64_t groups = quiet_planes[n].groups;
  const uint32_t inverse = quiet_planes[n].inverse;
  uint64_t found = r->buffer & groups;  /* bits above avail are zero */
  unsigned room = r->avail < *bits ? r->avail : *bits;
  unsigned quiet = (unsigned)((room * inverse) >> 16), used;
  if (found) {  /* the first plane where a coefficient becomes significant */
    unsigned first = (unsigned)(((CTZ64(found) - n) * inverse) >> 16);
    quiet = first < quiet ? first : quiet;
  }
  quiet = quiet < planes ? quiet : planes;
  used = quiet * (n + 1);  /* <= avail */
  r->buffer = used < 64 ? r->buffer >> used : 0;
  r->avail -= used;
  *bits -= used;
  return quiet;
}

#endif
