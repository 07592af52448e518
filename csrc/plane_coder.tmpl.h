/* Template: the embedded bit-plane coder of one word width (format.md §9):
 * the coefficients of a block, in coding order and negabinary, coded plane
 * by plane from the top with group tests, within a bit budget.  Part of the
 * integer block coder, with int_transform.tmpl.h (which must be included
 * before it: the decoder stores each coefficient it rebuilds with
 * FN(put_coefficient), at its place in the block and converted from
 * negabinary) and int_block.tmpl.h.
 *
 * A template is included once per word width, with no include guard.
 * Before each inclusion define:
 *   UINT   uint32_t or uint64_t: a P-bit word
 *   P      the width of UINT in bits, 32u or 64u
 *   FN(x)  x##32 or x##64: the names this instantiation defines
 * It defines, all inline, FN(encode_planes) and FN(decode_planes) (and
 * their helpers, also named FN(...)).  The macros it defines for itself are
 * #undef'd at its end.
 */
#include <stdint.h>
#include "bitplanes.h"
#include "plane_table4.h"
#include "bitstream.h"
#include "inline.h"

/* Bit plane k of the coefficients as a bit set: bit r of word r / 64 is
 * bit k of u[r].  Up to 256 coefficients, so four words. */
typedef uint64_t FN(plane)[4];

/* Blocks of 4 or 16 values take their planes a word at a time: word g
 * holds planes g*G .. g*G+G-1 (G = 64 / size planes of `size` bits, plane
 * by plane from bit 0).  Larger blocks take all planes at once, by
 * transposes: planes[g][k] is bit plane k of coefficients 64g..64g+63. */
#define SMALL_BLOCK 16

/* The bit length of v < 16, from a constant's nibbles. */
#define BIT_LENGTH4(v) ((unsigned)(UINT64_C(0x4444444433332210) >> 4 * (v)) & 15)

/* The `width` (16, 32 or 64) planes of a large block from plane kmin up,
 * or the top `width` where those would pass plane P-1, into
 * planes[g][base..]: row b gets the bits base.. of coefficients b,
 * width + b, .. side by side, and the transpose of those square blocks
 * makes each row a plane. */
static inline ALWAYS_INLINE void FN(planes_at)(uint64_t planes[4][64], const UINT *u,
                                               unsigned size, unsigned kmin, unsigned width)
{
  const uint64_t field = width < 64 ? (UINT64_C(1) << width) - 1 : ~UINT64_C(0);
  unsigned base = kmin < P - width ? kmin : P - width, g, b, f;
  for (g = 0; g * 64 < size; g++) {
    uint64_t *t = planes[g] + base;
    for (b = 0; b < width; b++) {
      uint64_t row = 0;
      for (f = 0; f * width < 64; f++)
        row |= ((uint64_t)u[g * 64 + f * width + b] >> base & field) << (f * width);
      t[b] = row;
    }
    transpose_square_blocks(t, width);
  }
}

/* Planes kmin..top-1 of a large block (the coder reads no others), by
 * transposing only 16 or 32 rows where they hold them, as the decoder's
 * FN(transpose_planes_to) does.  None when top <= kmin. */
static inline ALWAYS_INLINE void FN(planes_of)(uint64_t planes[4][64], const UINT *u,
                                               unsigned size, unsigned kmin, unsigned top)
{
  if (top <= kmin)
    return;
  if (top - kmin <= 16)
    FN(planes_at)(planes, u, size, kmin, 16);
  else if (P == 32 || top - kmin <= 32)
    FN(planes_at)(planes, u, size, kmin, 32);
  else
    FN(planes_at)(planes, u, size, kmin, 64);
}

/* The plane words of a small block, made as the coder comes to them.  For
 * 4 values each word is the coefficients' 16 bits as lanes, turned into a
 * nibble a plane by lanes_to_nibbles4; for 16
 * values the 16 x 16 transpose of the coefficients' bits 16j .. 16j+15
 * makes the four words of planes 16j .. 16j+15 at once (measured: a
 * quarter of the spreads' instructions), kept in `group` (group `at`). */
typedef struct {
  uint64_t group[4];
  unsigned at;
} FN(plane_words);

static inline ALWAYS_INLINE void FN(plane_words_init)(FN(plane_words) *c)
{
  c->at = P / 16;  /* none yet */
}

static inline ALWAYS_INLINE uint64_t FN(plane_word)(FN(plane_words) *c, const UINT *u,
                                                    unsigned size, unsigned g)
{
  unsigned r;
  uint64_t word = 0;
  if (size == 16) {
    unsigned j = g / 4, i;
    if (j != c->at) {
      for (i = 0; i < 4; i++)
        c->group[i] = (uint64_t)(u[4 * i] >> 16 * j & 0xffff) |
                      (uint64_t)(u[4 * i + 1] >> 16 * j & 0xffff) << 16 |
                      (uint64_t)(u[4 * i + 2] >> 16 * j & 0xffff) << 32 |
                      (uint64_t)(u[4 * i + 3] >> 16 * j & 0xffff) << 48;
      transpose16(c->group);
      c->at = j;
    }
    return c->group[g % 4];
  }
  for (r = 0; r < size; r++)  /* bits 16g.. of each coefficient, as lanes */
    word |= ((uint64_t)u[r] >> (g * 16) & 0xffff) << 16 * r;
  return lanes_to_nibbles4(word);
}

/* Bits 16j .. 16j+15 of four coefficients side by side: lane i (bits
 * 16i .. 16i+15) holds coefficient i's. */
static inline ALWAYS_INLINE uint64_t FN(lanes4)(const UINT *u, unsigned j)
{
  return (uint64_t)(u[0] >> 16 * j & 0xffff) | (uint64_t)(u[1] >> 16 * j & 0xffff) << 16 |
         (uint64_t)(u[2] >> 16 * j & 0xffff) << 32 | (uint64_t)(u[3] >> 16 * j & 0xffff) << 48;
}

/* The planes k, k-1, .. of a small block down to the first of its word,
 * plane k in the word's top `size` bits; `left` gets how many they are. */
static inline ALWAYS_INLINE uint64_t FN(planes_from)(FN(plane_words) *c, const UINT *u,
                                                     unsigned size, unsigned k,
                                                     unsigned *left)
{
  unsigned per = 64 / size;
  *left = k % per + 1;
  return FN(plane_word)(c, u, size, k / per) << (per - *left) * size;
}

/* Coefficients from planes kstop..top-1 (top - kstop <= width; the others
 * are zero), stored into q as FN(put_coefficient) does, by transposing only the `width` rows from plane kstop up, or
 * the top `width` rows where those would pass plane P-1: fewer rows and
 * rounds than the full transpose, measured to pay for the few planes a
 * lossy block usually has. */
static inline ALWAYS_INLINE void FN(transpose_planes_to)(UINT *q, const uint8_t *order,
                                                         uint64_t planes[4][64],
                                                         unsigned size, unsigned kstop,
                                                         unsigned width)
{
  unsigned base = kstop < P - width ? kstop : P - width, g, f, i, k;
  const uint64_t field = width < 64 ? (UINT64_C(1) << width) - 1 : ~UINT64_C(0);
  for (g = 0; g * 64 < size; g++) {
    for (k = base; k < kstop; k++)
      planes[g][k] = 0;
    transpose_square_blocks(planes[g] + base, width);
    {
      /* extracted in a loop that vectorises, then stored (measured: fewer
       * instructions than storing each as it is extracted) */
      UINT u[64];
      for (f = 0; f * width < 64; f++)
        for (i = 0; i < width; i++)
          u[f * width + i] = (UINT)(((planes[g][base + i] >> (f * width)) & field) << base);
      UNROLL(64)
      for (i = 0; i < 64; i++)
        FN(put_coefficient)(q, order, g * 64 + i, u[i]);
    }
  }
}

/* The block from its decoded planes kstop..top-1 (the others are zero):
 * coefficient r's bits gathered, then stored as FN(put_coefficient) does,
 * by whichever way is cheaper: `ones` bounds the planes' set bits.  Sparse
 * planes scatter their set bits; denser ones transpose (measured in
 * instructions: the transpose wins from about P set bits on, for every
 * block size).  16-value blocks whose planes lie in one band of 16, all
 * that low rates and precisions leave, transpose whatever their bits: one
 * transpose then does, where the scatter's loop per plane ends where the
 * plane's bits say, which a branch predictor cannot know (measured, 2-D
 * float64: 156 -> 106 ns a block at rate 4, 146 -> 104 at precision 12;
 * wider bands and 3-D blocks gained nothing, or lost, transposing). */
#define SCATTER_LIMIT P

static inline ALWAYS_INLINE void FN(coefficients_of)(UINT *q, const uint8_t *order,
                                                     uint64_t planes[4][64], unsigned size,
                                                     unsigned kstop, unsigned top, unsigned ones)
{
  unsigned g, r, k;
  if (ones <= SCATTER_LIMIT && (size != 16 || top - kstop > 16)) {
    UINT u[256];
    for (r = 0; r < size; r++)
      u[r] = 0;
    for (g = 0; g * 64 < size; g++)
      for (k = kstop; k < P; k++)
        for (uint64_t x = planes[g][k]; x; x &= x - 1)
          u[g * 64 + (unsigned)CTZ64(x)] |= (UINT)1 << k;
    UNROLL(64)
    for (r = 0; r < size; r++)
      FN(put_coefficient)(q, order, r, u[r]);
    return;
  }
  if (size == 16) {
    /* 16 planes at a time, four to a word, by the 16 x 16 transpose: from
     * plane kstop up, or the top 16 where those would pass plane P-1 (the
     * groups may then overlap, which the ORs make harmless) */
    UINT v[16] = {0};
    unsigned base = kstop < P - 16 ? kstop : P - 16, i;
    for (k = base; k < kstop; k++)
      planes[0][k] = 0;
    for (;;) {
      uint64_t w[4];
      for (i = 0; i < 4; i++) {
        const uint64_t *p = planes[0] + base + 4 * i;
        w[i] = p[0] | p[1] << 16 | p[2] << 32 | p[3] << 48;
      }
      transpose16(w);
      UNROLL(16)
      for (r = 0; r < 16; r++)
        v[r] |= (UINT)((w[r / 4] >> 16 * (r % 4) & 0xffff) << base);
      if (base + 16 >= top)
        break;
      base = base + 16 < P - 16 ? base + 16 : P - 16;
    }
    UNROLL(16)
    for (r = 0; r < 16; r++)
      FN(put_coefficient)(q, order, r, v[r]);
    return;
  }
  if (top - kstop <= 16)
    FN(transpose_planes_to)(q, order, planes, size, kstop, 16);
  else if (P == 32 || top - kstop <= 32)
    FN(transpose_planes_to)(q, order, planes, size, kstop, 32);
  else
    FN(transpose_planes_to)(q, order, planes, size, kstop, 64);
}

/* Emit the plane's bits 0..m-1, lowest first (format.md §9.2, part a). */
static inline ALWAYS_INLINE void FN(write_plane_prefix)(bit_writer *w, const FN(plane) x,
                                          unsigned m, unsigned size)
{
  unsigned i;
  if (size <= 64) {  /* one word: keep x[0] in a register */
    write_bits(w, size < 64 ? x[0] & ((UINT64_C(1) << m) - 1) /* m < 64 */
                            : low_bits(x[0], m), m);
    return;
  }
  for (i = 0; m >= 64; m -= 64)
    write_bits(w, x[i++], 64);
  if (m)  /* x[i] is past the plane when all 256 bits were written */
    write_bits(w, low_bits(x[i], m), m);
}

static inline ALWAYS_INLINE void FN(read_plane_prefix)(bit_reader *r, FN(plane) x, unsigned m,
                                         unsigned size)
{
  unsigned i;
  if (size <= 64) {
    x[0] = read_bits(r, m);
    return;
  }
  for (i = 0; m >= 64; m -= 64)
    x[i++] = read_bits(r, 64);
  if (m)
    x[i] = read_bits(r, m);
}

/* Position of the first set bit at or after n, or `size` when there is
 * none. */
static inline ALWAYS_INLINE unsigned FN(plane_next_one)(const FN(plane) x, unsigned n,
                                          unsigned size)
{
  unsigned i = n / 64;
  uint64_t word;
  if (size <= 64) {
    word = n < 64 ? x[0] >> n : 0;
    return word ? n + (unsigned)CTZ64(word) : size;
  }
  word = x[i] >> (n % 64);
  if (word)
    return n + (unsigned)CTZ64(word);
  for (i++; i * 64 < size; i++)
    if (x[i])
      return i * 64 + (unsigned)CTZ64(x[i]);
  return size;
}

/* Code planes P-1 down to P-prec of u[0..size-1] within `budget` bits
 * (format.md §9.2); returns the bits written.  The `budget` is unsigned
 * 32-bit because zfp's is (a wrapped budget means "unlimited"). */
static inline ALWAYS_INLINE uint32_t
FN(encode_planes_sized)(bit_writer *w, const UINT *u, unsigned size,
                        unsigned prec, uint32_t budget, int sparse)
{
  unsigned kmin = prec < P ? P - prec : 0, k = P, n = 0, g;
  uint32_t bits = budget;
  uint64_t planes[4][64];
  FN(plane) x = {0, 0, 0, 0};
  uint64_t word = 0;
  unsigned left = 0;  /* planes left in word */
  uint64_t lanes = 0;  /* size 4: bits 16j.. of each coefficient, as lanes */
  unsigned lanes_at = P / 16;  /* which j; none yet */
  unsigned seen = 0;  /* size 4: the OR of the planes coded */
  FN(plane_words) words;
  if (sparse) {
    /* The planes above the highest set bit are empty and nothing is
     * significant yet (n = 0): each is one 0 group bit. */
    UINT any = 0;
    unsigned empty;
    for (g = 0; g < size; g++)
      any |= u[g];
    empty = any ? (unsigned)CLZ64((uint64_t)any) - (64 - P) : P;
    if (empty > P - kmin)
      empty = P - kmin;
    if (empty > bits)
      empty = bits;
    write_bits(w, 0, empty);  /* empty <= P <= 64 */
    bits -= empty;
    k -= empty;
  }
  /* the loop below reads planes k-1 down to kmin, and none when the
   * budget is spent */
  if (size > SMALL_BLOCK)
    FN(planes_of)(planes, u, size, kmin, bits ? k : kmin);
  else
    FN(plane_words_init)(&words);
  while (bits && k > kmin && (size > SMALL_BLOCK || n < size)) {
    unsigned m = n < bits ? n : bits;
    if (size == 4) {
      /* Up to four planes at once (fewer where the lanes or the precision
       * end first), each coded by table (plane_table4.h), joined, and cut
       * to the budget.  The group tests leave every coefficient up to the
       * planes' highest 1 significant, so n is the bit length of their OR:
       * the four lookups need not wait for each other.  One budget test per
       * four planes, where one a plane made the loop's exit a branch that
       * the plane bits decide (measured against a plane at a time, 1-D
       * float64, ns a block: noisy at rate 4 39.4 -> 32.5, smooth at
       * tolerance 1e-3 73.0 -> 55.0, at rate 8 52.8 -> 47.3; smooth at
       * rate 4, two planes a block, 27.8 -> 29.3).  Each plane is taken
       * from the coefficients' bits side by side by a multiply
       * (lane_plane4), four independent ones where the word of 16 planes
       * was a chain of four exchanges (then: smooth at rate 4 29.0 ->
       * 28.0, noisy 33.0 -> 30.8; int32 at precision 20 29.0 -> 25.1). */
      unsigned top = (k - 1) % 16, g = top + 1 < 4 ? top + 1 : 4, total = 0, i, take;
      uint64_t code = 0;
      if ((k - 1) / 16 != lanes_at) {
        lanes_at = (k - 1) / 16;
        lanes = FN(lanes4)(u, lanes_at);
      }
      if (g > k - kmin)
        g = k - kmin;
      for (i = 0; i < 4; i++) {
        unsigned plane = i < g ? lane_plane4(lanes, (top - i) & 15) : 0;
        uint32_t e = plane_code4[n][plane];
        code |= (uint64_t)(e & 0xfff) << total;
        total += i < g ? e >> 12 : 0;
        seen |= plane;
        n = BIT_LENGTH4(seen);
      }
      take = total < bits ? total : bits;
      write_bits(w, low_bits(code, take), take);
      bits -= take;
      k -= g;
      continue;
    }
    if (size <= SMALL_BLOCK && !left)
      word = FN(planes_from)(&words, u, size, k - 1, &left);
    k--;
    if (size <= SMALL_BLOCK) {
      /* the word's top plane is plane k: take it and shift it out */
      x[0] = word >> (64 - size);
      word <<= size;
      left--;
    }
    else
      for (g = 0; g * 64 < size; g++)
        x[g] = planes[g][k];
    /* (a) refinement bits of the n significant coefficients */
    FN(write_plane_prefix)(w, x, m, size);
    bits -= m;
    /* (b) group test of n..size-1, then the run of zeros up to the next
     * one, whose own 1 bit is implied when it is the last coefficient */
    while (bits && n < size) {
      unsigned next = FN(plane_next_one)(x, n, size);
      unsigned last = next == size - 1, cost;
      if (next == size) {
        write_bit(w, 0);
        bits--;
        break;
      }
      /* group bit 1, next - n zeros, then a 1 unless it is implied */
      cost = 1 + (next - n) + !last;
      if (cost <= bits && cost <= 64)
        write_bits(w, 1 | (uint64_t)!last << (cost - 1), cost);
      else {
        /* a long run, or the budget ends inside it: piece by piece */
        unsigned zeros = next - n;
        cost = cost < bits ? cost : bits;
        write_bit(w, 1);
        write_zeros(w, cost - 1 < zeros ? cost - 1 : zeros);
        if (!last && cost == 2 + zeros)
          write_bit(w, 1);
      }
      bits -= cost;
      n = next + 1;
    }
  }
  /* Every coefficient significant: each remaining plane is `size` plain
   * bits (format.md §9.2 (a) alone), which small blocks write a word at a
   * time, their fields reversed into stream order (plane k-1 first). */
  while (size <= SMALL_BLOCK && bits && k > kmin) {
    unsigned count, take;
    if (!left)
      word = FN(planes_from)(&words, u, size, k - 1, &left);
    count = left < k - kmin ? left : k - kmin;
    take = count * size < bits ? count * size : bits;
    write_bits(w, low_bits(reverse_fields(word, size), take), take);
    word = count * size < 64 ? word << count * size : 0;
    left -= count;
    k -= count;
    bits -= take;
  }
  return budget - bits;
}

/* Planes k, k+1, .. of a block of four coefficients into their values:
 * lane i (bits 16i..16i+15) of `lanes` holds coefficient i's bits of
 * planes k, k+1, .. from bit 0 up. */
static inline ALWAYS_INLINE void FN(deposit_lanes4)(UINT *u0, UINT *u1, UINT *u2, UINT *u3,
                                                    uint64_t lanes, unsigned k)
{
  *u0 |= (UINT)((lanes & 0xffff) << k);
  *u1 |= (UINT)((lanes >> 16 & 0xffff) << k);
  *u2 |= (UINT)((lanes >> 32 & 0xffff) << k);
  *u3 |= (UINT)((lanes >> 48) << k);
}

/* One plane (format.md §9.6, including the decoder's habit of setting the
 * bit at the scan position when the budget runs out inside a scan) into x,
 * within `bits`; advances n, the coefficients significant so far, and
 * takes the bits read from `bits`. */
static inline ALWAYS_INLINE void FN(decode_plane)(bit_reader *r, FN(plane) x, unsigned size,
                                                  unsigned *n_io, uint32_t *bits_io)
{
  unsigned n = *n_io, m = n < *bits_io ? n : *bits_io, g;
  uint32_t bits = *bits_io;
  for (g = 0; g * 64 < size; g++)
    x[g] = 0;
  FN(read_plane_prefix)(r, x, m, size);
  bits -= m;
  while (bits && n < size) {
    unsigned limit, zeros;
    bits--;
    if (!read_bit(r))
      break;
    /* scan for the next one among at most `limit` bits */
    limit = size - 1 - n < bits ? size - 1 - n : bits;
    zeros = r->buffer ? (unsigned)CTZ64(r->buffer) : 64;
    if (size > SMALL_BLOCK && zeros < limit && zeros < r->avail) {
      /* the run and its 1 lie in the buffer (the common case; measured
       * to pay for large blocks only) */
      r->buffer = zeros < 63 ? r->buffer >> (zeros + 1) : 0;
      r->avail -= zeros + 1;
      bits -= zeros + 1;
    }
    else {
      zeros = read_zero_run(r, limit);
      bits -= zeros + (zeros < limit);
    }
    n += zeros;
    if (size <= 64)
      x[0] |= UINT64_C(1) << n;
    else
      x[n / 64] |= UINT64_C(1) << (n % 64);
    n++;
  }
  *n_io = n;
  *bits_io = bits;
}

/* One plane of a 4-value block where the bits it reads lie in the reader's
 * buffer: by table (plane_table4.h), the whole plane, or the budget's last
 * bits where the budget ends inside it (the decoder's reading of a cut
 * plane, FN(decode_plane)'s, is in the table too); else by
 * FN(decode_plane).  The tables take the branch per coefficient that the
 * bits of noisy data make unpredictable (measured, 1-D float64: 28 -> 22
 * ns a block at rate 4).  A plane whose group test is 0, n plain bits and
 * the 0, is taken without them: a lookup would hold up the next plane's,
 * which smooth data, whose planes are mostly such, felt (37.6 -> 41.9 ns
 * a block at rate 8 with the table alone, 36.1 with this).  The decoder
 * now takes most planes 8 bits at a time (FN(decode_planes_sized)); this
 * takes those it cannot: the last 7 above kmin, and those at the stream's
 * end. */
static inline ALWAYS_INLINE void FN(decode_plane4)(bit_reader *r, FN(plane) x, unsigned *n_io,
                                                   uint32_t *bits_io)
{
  unsigned n = *n_io, left = *bits_io, used;
  if (!(r->buffer >> n & 1) && n < left && n < r->avail) {
    used = n + 1;
    x[0] = r->buffer & ((1u << n) - 1);
  }
  else {
    uint32_t e = plane_table4[n][r->buffer & 0xff];
    used = e >> 12 & 15;
    if (used <= left && used <= r->avail) {
      x[0] = e >> 20 & 15;
      *n_io = e >> 16 & 7;
    }
    else if (left < used && left <= r->avail) {  /* left < used <= 8 */
      unsigned cut = plane_cut4[n][1u << left | (unsigned)(r->buffer & ((1u << left) - 1))];
      used = left;
      x[0] = cut & 15;
      *n_io = cut >> 4;
    }
    else {
      FN(decode_plane)(r, x, 4, n_io, bits_io);
      return;
    }
  }
  r->buffer >>= used;
  r->avail -= used;
  *bits_io -= used;
}

/* One plane of a small block (format.md §9.6) when its longest coding,
 * 2 size - n bits (n plain bits, then a group test and a run of zeros
 * closed by a 1 for each coefficient left), lies inside both the budget and
 * the reader's buffer: the bits are taken from a copy of the buffer, with
 * no refill and no budget test per bit.  Returns the plane; advances n and
 * takes the bits read from `bits`. */
static inline ALWAYS_INLINE uint64_t FN(decode_plane_buffered)(bit_reader *r, unsigned size,
                                                               unsigned *n_io, uint32_t *bits)
{
  uint64_t buffer = r->buffer, x;
  unsigned n = *n_io, used = n;
  x = buffer & ((UINT64_C(1) << n) - 1);  /* n < size <= 16 */
  buffer >>= n;
  while (n < size) {
    unsigned limit = size - 1 - n, zeros, run;
    used++;
    if (!(buffer & 1)) {
      buffer >>= 1;
      break;
    }
    /* the zeros before the next 1, at most `limit`: at the limit the last
     * coefficient's 1 is implied, not read */
    zeros = (unsigned)CTZ64(buffer >> 1 | UINT64_C(1) << limit);
    run = 1 + zeros + (zeros < limit);
    buffer >>= run;
    used += run - 1;
    n += zeros;
    x |= UINT64_C(1) << n;
    n++;
  }
  r->buffer = buffer;
  r->avail -= used;
  *bits -= used;
  *n_io = n;
  return x;
}

/* format.md §9.6: the planes of a block, within `budget` bits, into the
 * block's coefficients q, stored as FN(put_coefficient) does.  Returns n,
 * how many coefficients became significant: those after them (in coding
 * order) are zero, and where n <= 1 only q[0] (the first coefficient's
 * place) is stored. */
static inline ALWAYS_INLINE unsigned
FN(decode_planes_sized)(bit_reader *r, UINT *q, const uint8_t *order, unsigned size,
                        unsigned prec, uint32_t budget, int sparse)
{
  unsigned kmin = prec < P ? P - prec : 0, k = P, n = 0, ones = 0, g, top;
  uint32_t bits = budget;
  uint64_t planes[4][64];
  UINT u0 = 0, u1 = 0, u2 = 0, u3 = 0;
  /* size 4: the planes decoded since the last deposit, a nibble each, the
   * latest (plane k) in bits 0..3, and how many they are (under 16) */
  uint64_t held = 0;
  unsigned count = 0;
  if (sparse) {
    /* leading empty planes: a run of 0 group bits while n = 0 */
    unsigned empty = skip_zeros(r, bits < P - kmin ? bits : P - kmin);
    bits -= empty;
    for (; empty; empty--) {
      k--;
      for (g = 0; g * 64 < size; g++)
        planes[g][k] = 0;
    }
  }
  top = k;  /* the planes above are empty */
  while (bits && k > kmin && (size > SMALL_BLOCK || n < size)) {
    FN(plane) x;
    if (size == 4) {
      /* Every plane the next 8 bits hold whole, or every plane a budget of
       * fewer bits holds, in one lookup (plane_table4.h) where the
       * precision leaves at least as many planes and the buffer holds the
       * bits; else a plane by FN(decode_plane4).  Each lookup waits only
       * for the bits the last one took, and a low-rate block is one or two
       * lookups, with no exit a plane's bits decide (measured against a
       * plane at a time, ns a block: 1-D float64 at rate 4 14.2 -> 11.7,
       * noisy 22.5 -> 15.8, at rate 8 32.9 -> 21.6, at tolerance 1e-3 66.1
       * -> 54.8; 1-D float32 noisy at rate 4 27.5 -> 13.4). */
      unsigned c = 1;
      uint64_t values;
      if (r->avail < 8)
        reader_top_up(r);
      if (k - kmin >= 8 && r->avail >= 8) {
        uint64_t e;
        unsigned used;
        if (bits >= 8) {
          e = plane_run4[n][r->buffer & 0xff];
          values = e & 0xffffffff;
          c = e >> 32 & 15;
          used = e >> 36 & 15;
          n = e >> 40 & 7;
        }
        else {
          e = plane_tail4[n][1u << bits | (unsigned)(r->buffer & ((1u << bits) - 1))];
          values = e & 0xfffffff;
          c = e >> 28 & 7;
          used = bits;
          n = e >> 32 & 7;
        }
        r->buffer >>= used;
        r->avail -= used;
        bits -= used;
      }
      else {
        FN(decode_plane4)(r, x, &n, &bits);
        values = x[0];
      }
      /* gather the planes in a word, then deposit them into registers at
       * once */
      k -= c;
      held = held << 4 * c | values;
      count += c;
      if (count >= 8) {
        FN(deposit_lanes4)(&u0, &u1, &u2, &u3, nibbles_to_lanes4(held), k);
        held = 0;
        count = 0;
      }
      continue;
    }
    k--;
    /* a buffer running low would send the plane down the bit-by-bit path
     * (measured on 2-D blocks: 8-16 % of decoding's instructions) */
    if (size <= SMALL_BLOCK && r->avail < 2 * size - n)
      reader_top_up(r);
    if (size <= SMALL_BLOCK && bits >= 2 * size - n && r->avail >= 2 * size - n)
      x[0] = FN(decode_plane_buffered)(r, size, &n, &bits);
    else
      FN(decode_plane)(r, x, size, &n, &bits);
    for (g = 0; g * 64 < size; g++)
      planes[g][k] = x[g];
    ones += n;
  }
  if (count)
    FN(deposit_lanes4)(&u0, &u1, &u2, &u3, nibbles_to_lanes4(held), k);
  /* Every coefficient significant: each remaining plane is `size` plain
   * bits (format.md §9.2 (a) alone), so small blocks read them a word at a
   * time. */
  while (size <= SMALL_BLOCK && bits && k > kmin) {
    unsigned count = k - kmin < 64 / size ? k - kmin : 64 / size;
    unsigned take = count * size < bits ? count * size : bits, j;
    uint64_t word = read_bits(r, take);  /* plane k-1 in bits 0.. */
    count = (take + size - 1) / size;  /* the last plane may be cut short */
    bits -= take;
    k -= count;
    if (size == 4) {
      word = reverse_fields(word, 4) >> (64 - 4 * count);  /* plane k in bits 0.. */
      FN(deposit_lanes4)(&u0, &u1, &u2, &u3, nibbles_to_lanes4(word), k);
    }
    else {
      for (j = 0; j < count; j++)
        planes[0][k + count - 1 - j] = word >> (16 * j) & 0xffff;
      ones += size * count;
    }
  }
  if (n <= 1) {
    /* only the first coefficient can be nonzero: it alone is stored, from
     * bit 0 of its planes (sparse blocks are often like that) */
    UINT dc = u0;
    unsigned j;
    if (size > 4)
      for (j = k; j < top; j++)
        dc |= (UINT)(planes[0][j] & 1) << j;
    FN(put_coefficient)(q, order, 0, dc);
  }
  else if (size == 4) {
    FN(put_coefficient)(q, order, 0, u0);
    FN(put_coefficient)(q, order, 1, u1);
    FN(put_coefficient)(q, order, 2, u2);
    FN(put_coefficient)(q, order, 3, u3);
  }
  else
    FN(coefficients_of)(q, order, planes, size, k, top, ones);
  return n;
}

/* The bits FN(decode_planes_sized) reads, read without building the
 * coefficients: how multi-threaded decompression and random access find
 * where blocks start (blocks.c measures whole chunks).  Planes are read as
 * the decoder reads them until all coefficients but the last are
 * significant.  From there on every plane is `size` bits (format.md §9.2:
 * n plain bits and a group bit, the last coefficient's 1 being implied
 * when that is 1; then `size` plain bits), and the decoder reads a plane
 * cut by the budget up to the budget's end: the planes left are skipped in
 * one step, which is most of a block's bits at fine tolerances.  4-value
 * blocks take their planes by table lookup, all the whole planes in the
 * next 8 bits at once (plane_table4.h); 16-value blocks skip runs of quiet
 * planes at once (skip_quiet_planes); larger blocks rarely have such runs,
 * and paid for looking.  Measured (callgrind) on smooth 1-D fields of
 * 256K values, tolerance 1e-3 and precision 20: measuring was 0.45-0.47 of
 * decoding's instructions; the table took it to 0.31-0.33 (skip_quiet_planes
 * and then a one-plane lookup, as 16-value blocks do: 0.35-0.38), and
 * block_codec.c's measure-only range loop to 0.29-0.30.  Returns n, or size - 1
 * where it is at least that (the measuring caller has no use for it). */
static inline ALWAYS_INLINE unsigned
FN(measure_planes_sized)(bit_reader *r, unsigned size, unsigned prec, uint32_t budget,
                         int sparse)
{
  unsigned kmin = prec < P ? P - prec : 0, k = P, n = 0;
  uint32_t bits = budget;
  if (sparse) {
    /* leading empty planes: a run of 0 group bits while n = 0 */
    unsigned empty = skip_zeros(r, bits < P - kmin ? bits : P - kmin);
    bits -= empty;
    k -= empty;
  }
  while (bits && k > kmin && n < size - 1) {
    FN(plane) unused;
    if (size == 4) {
      /* the whole planes in the next 8 bits, or only the first where those
       * would pass plane kmin */
      if (r->avail < 8)
        reader_top_up(r);
      if (bits >= 8 && r->avail >= 8) {
        uint32_t e = plane_table4[n][r->buffer & 0xff];
        unsigned planes = e & 15, used = e >> 4 & 15;
        n = e >> 8 & 7;
        if (planes > k - kmin) {
          planes = 1;
          used = e >> 12 & 15;
          n = e >> 16 & 7;
        }
        r->buffer >>= used;
        r->avail -= used;
        bits -= used;
        k -= planes;
        continue;
      }
    }
    else if (size <= SMALL_BLOCK) {
      /* none to skip when the next plane's group bit is 1 (a 0 above
       * `avail` may still be one: that case looks); the test took 2-D
       * measuring from 0.39-0.48 of decoding's instructions to 0.31-0.41
       * (callgrind, smooth fields, tolerance 1e-3, precision 20) */
      if (!(r->buffer >> n & 1)) {
        k -= skip_quiet_planes(r, n, k - kmin, &bits);
        if (!bits || k == kmin)
          break;
      }
      if (r->avail < 2 * size - n)
        reader_top_up(r);
      if (bits >= 2 * size - n && r->avail >= 2 * size - n) {
        k--;
        FN(decode_plane_buffered)(r, size, &n, &bits);
        continue;
      }
    }
    k--;
    FN(decode_plane)(r, unused, size, &n, &bits);
  }
  if (bits && k > kmin) {  /* n >= size - 1: planes of `size` bits */
    uint64_t left = (uint64_t)(k - kmin) * size;
    reader_skip(r, left < bits ? left : bits);
  }
  return n;
}

/* The coders as the per-rank block coders inline them, with the block size
 * a constant: each size gets loops and plane words of its own (one word up
 * to 64 coefficients), and the stream state a local copy that lives in
 * registers. */
static inline ALWAYS_INLINE uint32_t FN(encode_planes)(bit_writer *w, const UINT *u,
                                         unsigned size, unsigned prec,
                                         uint32_t budget, int sparse)
{
  bit_writer local = *w;
  uint32_t bits = FN(encode_planes_sized)(&local, u, size, prec, budget, sparse);
  *w = local;
  return bits;
}

/* q NULL: only measure the block. */
static inline ALWAYS_INLINE unsigned FN(decode_planes)(bit_reader *r, UINT *q,
                                         const uint8_t *order, unsigned size,
                                         unsigned prec, uint32_t budget, int sparse)
{
  bit_reader local = *r;
  unsigned n = q ? FN(decode_planes_sized)(&local, q, order, size, prec, budget, sparse)
                 : FN(measure_planes_sized)(&local, size, prec, budget, sparse);
  *r = local;
  return n;
}

#undef SMALL_BLOCK
#undef BIT_LENGTH4
#undef SCATTER_LIMIT
