/* The masked container's passes over an array (docs/masked-format.md):
 * finding the missing values, filling the gaps they leave with values that
 * zfp codes cheaply, block by block, so that no block's exponent grows, and
 * writing the missing values back after decoding.
 *
 * zfpc_find_missing makes one pass in C order: it compares every value
 * with the fill value (and, for floats, tests it for NaN and +-inf),
 * writes the container's bitmap and counts.  The fill finds the same
 * gaps: fill_block tests each block's values by that rule as zfp's coder
 * gathers it (zfpc_compress_filled: cheaper than reading the bitmap's
 * rows of every block) and, asked to, records what it finds in the
 * bitmap (record_gaps), so that the container's encoder makes no pass of
 * its own; zfpc_fill_gaps reads the bitmap over a whole array.  Per
 * block: no gap inside the array
 * -> unchanged; no valid value -> the gaps become 0; else the gaps of each
 * line along x that has known values take the values of the polynomial
 * of least degree through them (constant, line or parabola), then the gaps
 * left do the same along y with the values known by then, then z, then w;
 * filled values are clipped to the magnitudes below the block's power of
 * two (fill_limit).  Positions past the array's end are gaps too.  The
 * polynomials are evaluated in double precision, scaled so that values
 * near the type's maximum cannot overflow; integers are
 * rounded to nearest (ties to even), toward zero where that would leave
 * the block's power of two.  Loops over
 * values select rather than branch where they can: which values are
 * missing follows no pattern a branch predictor learns. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "format.h"
#include "inline.h"
#include "portable.h"
#include "zfpc.h"

#define SIDE 4          /* zfp blocks are 4^d values (format.md §4) */
#define MAX_BLOCK 256   /* 4^4 */
#define LANES 4         /* two SSE registers of doubles */

/* ------------------------------------------------------------------ */
/* Finding the missing values                                          */

/* The missing rule, shared by the find pass and the fill: ACTION(T, U,
 * MISSING) expanded for the scalar type `type` (T, its bit pattern U),
 * where MISSING(x, bits) holds for a missing value.  For floats: NaN and
 * +-inf (all exponent bits set: an equality test, which vectorises
 * without the unsigned comparison SSE2 lacks), and the fill value `fill`
 * points to (held in `value`), if any (a rule without the comparison when
 * there is none: it is a third of the test's instructions); for integers,
 * the fill value, which must be given. */
#define IS_FILL(x, bits) ((x) == value)
#define IS_NONFINITE32(x, bits) (((bits) & UINT32_C(0x7f800000)) == UINT32_C(0x7f800000))
#define IS_NONFINITE64(x, bits)                                              \
  (((bits) & UINT64_C(0x7ff0000000000000)) == UINT64_C(0x7ff0000000000000))
#define IS_GAP32(x, bits) (IS_NONFINITE32(x, bits) | ((x) == value))
#define IS_GAP64(x, bits) (IS_NONFINITE64(x, bits) | ((x) == value))
#define FOR_MISSING_RULE(type, fill, ACTION)                                 \
  switch (type) {                                                            \
    case ZFPC_TYPE_INT32: {                                                  \
      int32_t value;                                                         \
      memcpy(&value, fill, sizeof value);                                    \
      ACTION(int32_t, uint32_t, IS_FILL);                                    \
      break;                                                                 \
    }                                                                        \
    case ZFPC_TYPE_INT64: {                                                  \
      int64_t value;                                                         \
      memcpy(&value, fill, sizeof value);                                    \
      ACTION(int64_t, uint64_t, IS_FILL);                                    \
      break;                                                                 \
    }                                                                        \
    case ZFPC_TYPE_FLOAT:                                                    \
      FLOAT_MISSING_RULE(float, uint32_t, IS_NONFINITE32, IS_GAP32, fill, ACTION); \
      break;                                                                 \
    default:                                                                 \
      FLOAT_MISSING_RULE(double, uint64_t, IS_NONFINITE64, IS_GAP64, fill, ACTION); \
      break;                                                                 \
  }
/* The rule for a float type T: NONFINITE without a fill value, else GAP. */
#define FLOAT_MISSING_RULE(T, U, NONFINITE, GAP, fill, ACTION)               \
  do {                                                                       \
    T value;                                                                 \
    if (!(fill)) {                                                           \
      ACTION(T, U, NONFINITE);                                               \
      break;                                                                 \
    }                                                                        \
    memcpy(&value, fill, sizeof value);                                      \
    ACTION(T, U, GAP);                                                       \
  } while (0)

/* Values are tested GROUP at a time into flags, in loops without branches
 * that compilers vectorise, then packed 8 to a byte. */
#define GROUP 64

/* The bitmap of `count` values: 8 a byte, least significant bit first; a
 * value is missing when MISSING(v, bits) holds (the value and its bit
 * pattern); `diff` gathers the bits in which missing values' patterns
 * differ from the first one's (`first`, at index `head`). */
#define FIND(T, U, MISSING)                                                  \
  do {                                                                       \
    const T *v = (const T *)data;                                            \
    const U *bits = (const U *)data;                                         \
    U first = 0, diff = 0;                                                   \
    size_t i, head;                                                          \
    (void)v;  /* the rules without a fill value read bits only */            \
    for (head = 0; head < count && !(MISSING(v[head], bits[head])); head++)  \
      ;                                                                      \
    if (head < count)                                                        \
      first = bits[head];                                                    \
    for (i = 0; i < count; i += GROUP) {                                     \
      unsigned char m[GROUP];                                                \
      size_t k, end = count - i < GROUP ? count - i : GROUP;                 \
      if (end == GROUP)                                                      \
        for (k = 0; k < GROUP; k++)                                          \
          m[k] = (unsigned char)(MISSING(v[i + k], bits[i + k]));            \
      else {                                                                 \
        memset(m, 0, sizeof m);                                              \
        for (k = 0; k < end; k++)                                            \
          m[k] = (unsigned char)(MISSING(v[i + k], bits[i + k]));            \
      }                                                                      \
      for (k = 0; k < end; k++) {                                            \
        total += m[k];                                                       \
        diff |= (bits[i + k] ^ first) & ((U)0 - (U)m[k]);                    \
      }                                                                      \
      pack_flags(bitmap + i / 8, m, (end + 7) / 8);                          \
    }                                                                        \
    *uniform = !diff;                                                        \
    *first_missing = head;                                                   \
  } while (0)

/* Flags (0 or 1) into `bytes` bytes, 8 a byte, the first in bit 0: the
 * multiplication moves flag k of a word of 8 to bit 56 + k, no two
 * products overlapping. */
static void pack_flags(unsigned char *out, const unsigned char *flags, size_t bytes)
{
  size_t b;
  for (b = 0; b < bytes; b++) {
    uint64_t word;
    memcpy(&word, flags + 8 * b, sizeof word);
    out[b] = (unsigned char)((word * UINT64_C(0x0102040810204080)) >> 56);
  }
}

zfpc_status zfpc_find_missing(zfpc_type type, size_t count, const void *data,
                              const void *fill, unsigned char *bitmap,
                              size_t *missing, size_t *first_missing, int *uniform)
{
  size_t total = 0;
  if (!fill && (type == ZFPC_TYPE_INT32 || type == ZFPC_TYPE_INT64)) {
    memset(bitmap, 0, (count + 7) / 8);  /* integers are all finite */
    *missing = 0;
    *first_missing = count;
    *uniform = 1;
    return ZFPC_OK;
  }
  if (type < ZFPC_TYPE_INT32 || type > ZFPC_TYPE_DOUBLE)
    return ZFPC_ERR_FIELD;
  FOR_MISSING_RULE(type, fill, FIND);
  *missing = total;
  return ZFPC_OK;
}

/* ------------------------------------------------------------------ */
/* Filling the gaps                                                    */

/* Set bits of a 4-bit row, from a table packed in one word. */
#define NIBBLE_COUNT(bits) ((unsigned)(UINT64_C(0x4332322132212110) >> (4 * (bits))) & 15u)

/* THROUGH[p][at][k]: the weight of the known value at position k of a
 * line of 4 whose known positions are the set bits of p, in the value at
 * position `at` of the polynomial of least degree through the known values
 * (Lagrange's weights): a constant through one, a line through two, a
 * parabola through three.  These are the values that zero the top 3, 2 or
 * 1 coefficients of zfp's decorrelating transform of the line (format.md
 * §6), so the line costs what its known values need.  Rows of known
 * positions are 0: those keep their values.  Comments show p from position
 * 0 ('k' known). */
static const double THROUGH[16][SIDE][SIDE] = {
    {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},  /* ____ */
    {{0, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}},  /* k___ */
    {{0, 1, 0, 0}, {0, 0, 0, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}},  /* _k__ */
    {{0, 0, 0, 0}, {0, 0, 0, 0}, {-1, 2, 0, 0}, {-2, 3, 0, 0}},  /* kk__ */
    {{0, 0, 1, 0}, {0, 0, 1, 0}, {0, 0, 0, 0}, {0, 0, 1, 0}},  /* __k_ */
    {{0, 0, 0, 0}, {1.0 / 2, 0, 1.0 / 2, 0}, {0, 0, 0, 0}, {-1.0 / 2, 0, 3.0 / 2, 0}},  /* k_k_ */
    {{0, 2, -1, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, -1, 2, 0}},  /* _kk_ */
    {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {1, -3, 3, 0}},  /* kkk_ */
    {{0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 0}},  /* ___k */
    {{0, 0, 0, 0}, {2.0 / 3, 0, 0, 1.0 / 3}, {1.0 / 3, 0, 0, 2.0 / 3}, {0, 0, 0, 0}},  /* k__k */
    {{0, 3.0 / 2, 0, -1.0 / 2}, {0, 0, 0, 0}, {0, 1.0 / 2, 0, 1.0 / 2}, {0, 0, 0, 0}},  /* _k_k */
    {{0, 0, 0, 0}, {0, 0, 0, 0}, {-1.0 / 3, 1, 0, 1.0 / 3}, {0, 0, 0, 0}},  /* kk_k */
    {{0, 0, 3, -2}, {0, 0, 2, -1}, {0, 0, 0, 0}, {0, 0, 0, 0}},  /* __kk */
    {{0, 0, 0, 0}, {1.0 / 3, 0, 1, -1.0 / 3}, {0, 0, 0, 0}, {0, 0, 0, 0}},  /* k_kk */
    {{0, 3, -3, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},  /* _kkk */
    {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},  /* kkkk */
};

/* Flags (0 or 1) of a block's `size` values (known, or missing) as bits: value i
 * in bit i % 64 of word[i / 64].  Eight flags at a time by pack_flags'
 * multiplication. */
static inline ALWAYS_INLINE void known_bits(uint64_t *word, const unsigned char *known,
                                            unsigned size)
{
  unsigned i;
  for (i = 0; i < (size + 63) / 64; i++)
    word[i] = 0;
  if (size < 8) {  /* one line: 4 flags */
    for (i = 0; i < size; i++)
      word[0] |= (uint64_t)known[i] << i;
    return;
  }
  for (i = 0; i < size; i += 8) {
    uint64_t eight;
    memcpy(&eight, known + i, sizeof eight);
    word[i / 64] |= ((eight * UINT64_C(0x0102040810204080)) >> 56) << (i % 64);
  }
}

/* The bits of a line of 4 values `step` apart (step < 64) from bit 0. */
#define LINE_BITS(step)                                                      \
  (1u | (uint64_t)1 << (step) | (uint64_t)1 << 2 * (step) | (uint64_t)1 << 3 * (step))

/* The known pattern (bit k: position k known) of a line of 4 values
 * `step` apart (step < 64) from bit 0 of `bits`.  Along x it is 4 adjacent
 * bits; else the multiplication by 2^0 + 2^(s-1) + 2^2(s-1) + 2^3(s-1) (s
 * the step) moves bit k s to bit 3(s-1) + k, the partial products sharing
 * no bit. */
static inline ALWAYS_INLINE unsigned line_pattern(uint64_t bits, unsigned step)
{
  if (step == 1)
    return (unsigned)bits & 15u;
  bits &= LINE_BITS(step);
  bits *= 1u | (uint64_t)1 << (step - 1) | (uint64_t)1 << 2 * (step - 1) |
          (uint64_t)1 << 3 * (step - 1);
  return (unsigned)(bits >> 3 * (step - 1)) & 15u;
}

/* Fill the gaps of one line of 4 values `step` apart whose known
 * positions are the set bits of `pattern` (some, not all), from the
 * polynomial through its known values (THROUGH), kept within +-`limit`.
 * The values are scaled by 1/8 first: the weights' magnitudes sum to at
 * most 7, so no sum can overflow. */
static inline ALWAYS_INLINE void fill_line(double *line, unsigned step, unsigned pattern,
                                           double limit)
{
  const double(*weight)[SIDE] = THROUGH[pattern];
  double eighth[SIDE], low = -limit;
  unsigned k, j;
  for (k = 0; k < SIDE; k++)  /* gaps hold 0 (LOAD) */
    eighth[k] = line[k * step] * 0.125;
  for (k = 0; k < SIDE; k++)
    if (!(pattern >> k & 1)) {
      double value = 0;
      for (j = 0; j < SIDE; j++)
        value += weight[k][j] * eighth[j];
      value *= 8;
      /* two selects, each a max or min instruction: limit >= 0, so no
         value is beyond both bounds */
      value = value < low ? low : value;
      line[k * step] = value > limit ? limit : value;
    }
}

/* Fill the lines along the axis whose values lie `step` apart (a constant
 * at each call, so the loops unroll) that have both kinds of value, and
 * mark their values known in `word` (known_bits); returns whether every
 * value of the block is known then.  The lines are found a word at a
 * time: at a line's first bit, the OR of the word shifted by 0..3 steps
 * is 1 when one of its values is known, the AND when all are.  Lines of
 * one axis are disjoint, so filling one changes no other's pattern. */
static inline ALWAYS_INLINE int fill_axis(double *v, uint64_t *word, unsigned size,
                                          unsigned step, double limit)
{
  /* the lines' first bits: where the coordinate along the axis is 0 */
  const uint64_t starts = step == 1    ? UINT64_C(0x1111111111111111)
                          : step == 4  ? UINT64_C(0x000f000f000f000f)
                          : step == 16 ? UINT64_C(0x000000000000ffff)
                                       : ~UINT64_C(0);
  unsigned w, words = (size + 63) / 64;
  uint64_t full = size < 64 ? ((uint64_t)1 << size) - 1 : ~UINT64_C(0), known = full;
  if (step == 64) {  /* 4-D, along w: line l's values are bit l of each word */
    uint64_t any = word[0] | word[1] | word[2] | word[3];
    uint64_t need = any & ~(word[0] & word[1] & word[2] & word[3]);
    for (; need; need &= need - 1) {
      unsigned at = (unsigned)CTZ64(need), pattern = 0, k;
      for (k = 0; k < SIDE; k++)
        pattern |= (unsigned)(word[k] >> at & 1) << k;
      fill_line(v + at, step, pattern, limit);
    }
    return 1;  /* the last axis */
  }
  for (w = 0; w < words; w++) {
    uint64_t m = word[w], need, lines;
    need = (m | m >> step | m >> 2 * step | m >> 3 * step) &
           ~(m & m >> step & m >> 2 * step & m >> 3 * step) & starts;
    for (lines = need; lines; lines &= lines - 1) {
      unsigned at = (unsigned)CTZ64(lines);
      fill_line(v + 64 * w + at, step, line_pattern(m >> at, step), limit);
    }
    m |= need | need << step | need << 2 * step | need << 3 * step;
    word[w] = m;
    known &= m;
  }
  return known == full;
}

/* Fill the gaps of one block of values `v` (local index x + 4y + 16z +
 * 64w) that has at least one known value, whose known positions are the
 * bits of `word` (known_bits), line by line along x, then y, z and w,
 * stopping when none is left; filled values stay within +-`limit`. */
static inline ALWAYS_INLINE void fill_lines(double *v, uint64_t *word, unsigned dims,
                                            double limit)
{
  unsigned size = 1u << (2 * dims);
  if (fill_axis(v, word, size, 1, limit) || dims < 2)
    return;
  if (fill_axis(v, word, size, 4, limit) || dims < 3)
    return;
  if (fill_axis(v, word, size, 16, limit) || dims < 4)
    return;
  fill_axis(v, word, size, 64, limit);
}

/* The largest magnitude below 2^e of the scalar type `type`, where
 * |v[i]| < 2^e for every value of the block (gaps are 0 here) and e is
 * the least such (zfp's block exponent for floats).  Filled values within
 * it leave a float block's exponent, and so its bit planes and its error
 * bound, as the known values alone set them.  (Integer blocks have no
 * exponent in zfp; int_fill_limit applies the same rule to them, to keep
 * their filled values near the known ones.)  For a normal magnitude 1.m x 2^E the power is 2^(E + 1): its
 * exponent field plus one, mantissa 0; one less as a bit pattern is the
 * largest value below it (FLT_MAX or DBL_MAX when 2^(E + 1) overflows). */
static inline ALWAYS_INLINE double fill_limit(zfpc_type type, const double *v, unsigned size)
{
  /* partial maxima over every LANES-th value, so that the loop vectorises
     (SIMD_LOOP: max instructions) */
  double lane[LANES] = {0}, largest, limit;
  unsigned i, j;
  int e;
  for (i = 0; i < size; i += LANES)
    SIMD_LOOP
    for (j = 0; j < LANES; j++) {
      double magnitude = fabs(v[i + j]);
      lane[j] = magnitude > lane[j] ? magnitude : lane[j];
    }
  largest = lane[0];
  for (j = 1; j < LANES; j++)
    largest = lane[j] > largest ? lane[j] : largest;
  if (type == ZFPC_TYPE_FLOAT && largest >= FLT_MIN) {
    float below;
    uint32_t bits;
    below = (float)largest;  /* exact: a float's magnitude */
    memcpy(&bits, &below, sizeof bits);
    bits = (bits & UINT32_C(0x7f800000)) + UINT32_C(0x00800000) - 1;
    memcpy(&below, &bits, sizeof below);
    return below;
  }
  if (type != ZFPC_TYPE_FLOAT && largest >= DBL_MIN) {
    uint64_t bits;
    memcpy(&bits, &largest, sizeof bits);
    bits = (bits & UINT64_C(0x7ff0000000000000)) + (UINT64_C(1) << 52) - 1;
    memcpy(&limit, &bits, sizeof limit);
    return limit;
  }
  if (largest == 0)
    return 0;
  frexp(largest, &e);  /* subnormal */
  return type == ZFPC_TYPE_FLOAT ? nextafterf(ldexpf(1, e), 0) : nextafter(ldexp(1, e), 0);
}

/* fill_limit for integers, from the known values themselves (`block`
 * as gathered): as doubles, int64 magnitudes just below a power of two
 * round up to it (2^62 - 1 becomes 2^62), which would double the limit and
 * let filled values leave zfp's integer range where the known ones are
 * within it.  The bit length of the OR of the magnitudes is that of the
 * largest.  Nor does a filled value come within WRAP_EDGE of the range's
 * ends (the known ones may): so filling never makes a block span the
 * range, which the encoder flags (beyond_int_range). */
#define KNOWN_MAGNITUDES(T, U)                                               \
  for (i = 0; i < size; i++) {                                               \
    T x = ((const T *)block)[i];                                             \
    U magnitude = x < 0 ? (U)0 - (U)x : (U)x;                                \
    bits |= magnitude & ((U)0 - was_known[i]);                               \
  }

static double int_fill_limit(zfpc_type type, const void *block,
                             const unsigned char *was_known, unsigned size)
{
  uint64_t bits = 0;
  unsigned i;
  /* an exact double for int32; for int64 the largest below 2^62 is
     2^62 - 512 (doubles there are 512 apart), clear of the edge already */
  double limit, edge = type == ZFPC_TYPE_INT32 ? ldexp(1, 30) - (WRAP_EDGE + 1)
                                               : nextafter(ldexp(1, 62), 0);
  if (type == ZFPC_TYPE_INT32) {
    KNOWN_MAGNITUDES(int32_t, uint32_t)
  } else {
    KNOWN_MAGNITUDES(int64_t, uint64_t)
  }
  limit = bits ? nextafter(ldexp(1, (int)(64 - CLZ64(bits))), 0) : 0;
  return limit < edge ? limit : edge;
}

/* The gap bits of values at .. at + length - 1 (length <= 4) of a bitmap
 * of `bytes` bytes, value at in bit 0.  They span at most two bytes. */
static unsigned row_gaps(const unsigned char *bitmap, size_t bytes, size_t at,
                         unsigned length)
{
  size_t byte = at / 8;
  unsigned word = bitmap[byte] | (byte + 1 < bytes ? (unsigned)bitmap[byte + 1] << 8 : 0);
  return (word >> (at % 8)) & ((1u << length) - 1);
}

/* The rows along x of one block that lie inside a C-ordered array: where
 * each starts in the array and in the block (x + 4y + 16z + 64w), and its
 * gap bits. */
typedef struct {
  unsigned run;                    /* values per row inside the array */
  unsigned rows;
  size_t at[MAX_BLOCK / SIDE];
  unsigned local[MAX_BLOCK / SIDE];
  unsigned gaps[MAX_BLOCK / SIDE];
} block_rows;

/* The rows of the block at block coordinates b of an array of sizes
 * n[0..3] (1 past dims) with C-order strides `stride` (in values) whose
 * bitmap has `bytes` bytes; returns the number of gaps inside the array. */
static unsigned find_rows(block_rows *r, const size_t n[4],
                          const size_t stride[4], const size_t b[4],
                          const unsigned char *bitmap, size_t bytes)
{
  size_t origin = 0;
  unsigned extent[4], a, j, k, l, missing = 0;
  for (a = 0; a < 4; a++) {
    size_t left = n[a] - SIDE * b[a];
    extent[a] = left < SIDE ? (unsigned)left : SIDE;
    origin += SIDE * b[a] * stride[a];
  }
  r->run = extent[0];
  r->rows = 0;
  for (l = 0; l < extent[3]; l++)
    for (k = 0; k < extent[2]; k++)
      for (j = 0; j < extent[1]; j++) {
        size_t at = origin + j * stride[1] + k * stride[2] + l * stride[3];
        unsigned gaps = row_gaps(bitmap, bytes, at, r->run);
        r->at[r->rows] = at;
        r->local[r->rows] = SIDE * (j + SIDE * (k + SIDE * l));
        r->gaps[r->rows++] = gaps;
        missing += NIBBLE_COUNT(gaps);
      }
  return missing;
}

/* A block's values as doubles, the gaps 0 (they may be NaN): masked by
 * their bits in the source type (U, T's bit pattern; the masks of 4-byte
 * types take half the unpacking of 8-byte ones), in a loop compilers
 * vectorise. */
#define LOAD(T, U)                                                           \
  for (i = 0; i < size; i++) {                                               \
    T value;                                                                 \
    U bits;                                                                  \
    memcpy(&bits, (const char *)block + i * sizeof bits, sizeof bits);      \
    bits &= (U)0 - was_known[i];                                             \
    memcpy(&value, &bits, sizeof value);                                     \
    v[i] = (double)value;                                                    \
  }

/* The filled values back.  A float or a double makes the trip through
 * double exactly, so every value is stored (a loop compilers vectorise);
 * integers keep their known values (int64 ones above 2^53 would not come
 * back) and take the filled ones rounded (round_within) and clamped to
 * their type: a block holding INT32_MIN has the power of two 2^32, and
 * (double)INT64_MAX is 2^63, just out of range. */
#define STORE(T, LOW, HIGH)                                                  \
  for (i = 0; i < size; i++) {                                               \
    double r = round_within(v[i], limit);                                    \
    T kept = ((T *)block)[i];                                                \
    T filled = r >= (double)HIGH ? HIGH : r <= (double)LOW ? LOW : (T)r;     \
    ((T *)block)[i] = was_known[i] ? kept : filled;                          \
  }
#define STORE_FLOAT(T)                                                       \
  for (i = 0; i < size; i++)                                                 \
    ((T *)block)[i] = (T)v[i];

/* A filled integer: `x` (|x| <= limit, the largest double below the
 * block's power of two 2^e) rounded to nearest, ties to even, or toward
 * zero where that would reach 2^e.  So it stays below the power of two of
 * the known values, and within zfp's integer range wherever they are
 * (rounding 2^30 - 0.4 up would leave it). */
static double round_within(double x, double limit)
{
  double r = nearbyint(x);
  return fabs(r) > limit ? trunc(x) : r;
}

/* Fill the gaps of a block of scalars of `type` (x + 4y + 16z + 64w):
 * every position whose `was_known` flag is 0 (missing values and the
 * positions past the array's end), `valid` of them being 1; `word` holds
 * the flags as bits (known_bits), and receives those of the filled block.  `dims` is a
 * constant at each call, so the loops over the block have a fixed
 * length. */
static inline ALWAYS_INLINE void fill_values_of(zfpc_type type,
                                                const unsigned char *was_known,
                                                uint64_t *word, unsigned valid,
                                                void *block, unsigned dims)
{
  unsigned size = 1u << (2 * dims), i;
  unsigned itemsize = type == ZFPC_TYPE_INT32 || type == ZFPC_TYPE_FLOAT ? 4 : 8;
  double v[MAX_BLOCK], limit;
  if (!valid) {
    /* no valid value: zeros (all bits 0 in every type); sizes constant at
       each call, so the compiler stores them inline (a memset of a
       variable size is a string instruction slow to start, and most
       blocks of a field with land are like this) */
    if (itemsize == 4)
      memset(block, 0, size * 4);
    else
      memset(block, 0, size * 8);
    return;
  }
  switch (type) {
    case ZFPC_TYPE_INT32: LOAD(int32_t, uint32_t); break;
    case ZFPC_TYPE_INT64: LOAD(int64_t, uint64_t); break;
    case ZFPC_TYPE_FLOAT: LOAD(float, uint32_t); break;
    default: LOAD(double, uint64_t); break;
  }
  limit = type == ZFPC_TYPE_INT32 || type == ZFPC_TYPE_INT64
          ? int_fill_limit(type, block, was_known, size) : fill_limit(type, v, size);
  fill_lines(v, word, dims, limit);
  switch (type) {
    case ZFPC_TYPE_INT32: STORE(int32_t, INT32_MIN, INT32_MAX); break;
    case ZFPC_TYPE_INT64: STORE(int64_t, INT64_MIN, INT64_MAX); break;
    case ZFPC_TYPE_FLOAT: STORE_FLOAT(float); break;
    default: STORE_FLOAT(double); break;
  }
}

static void fill_values(zfpc_type type, unsigned dims, const unsigned char *was_known,
                        unsigned valid, void *block)
{
  uint64_t word[MAX_BLOCK / 64];
  known_bits(word, was_known, 1u << (2 * dims));
  switch (dims) {
    case 1: fill_values_of(type, was_known, word, valid, block, 1); break;
    case 2: fill_values_of(type, was_known, word, valid, block, 2); break;
    case 3: fill_values_of(type, was_known, word, valid, block, 3); break;
    default: fill_values_of(type, was_known, word, valid, block, 4); break;
  }
}

/* Sizes n[0..3] (1 past dims) and C-order strides in values of an array
 * of sizes `sizes`; returns the number of values. */
static size_t c_order(unsigned dims, const size_t sizes[4], size_t n[4], size_t stride[4])
{
  size_t total = 1;
  unsigned a;
  for (a = 0; a < 4; a++) {
    n[a] = a < dims ? sizes[a] : 1;
    stride[a] = total;  /* x fastest */
    total *= n[a];
  }
  return total;
}

/* STEP, with x the i-th of the gathered block's `size` values (type T)
 * and bits its bit pattern (U), for each value, in a loop compilers
 * vectorise. */
#define FOR_BLOCK_VALUES(T, U, STEP)                                         \
  for (i = 0; i < size; i++) {                                               \
    T x;                                                                     \
    U bits;                                                                  \
    memcpy(&x, (const char *)block + i * sizeof x, sizeof x);                \
    memcpy(&bits, &x, sizeof bits);                                          \
    STEP;                                                                    \
  }

/* How many of the gathered block's values are missing by the rule of
 * zfpc_find_missing (MISSING(value, bits)): a sum of the tests, which
 * compilers vectorise without packing the tests into bytes. */
#define GAP_COUNT(T, U, MISSING) FOR_BLOCK_VALUES(T, U, gaps += (unsigned)(MISSING(x, bits)))

/* Flags of the gathered block's values, 1 where one is known (not missing
 * by the rule of zfpc_find_missing, MISSING(value, bits)). */
#define KNOWN_FLAGS(T, U, MISSING)                                           \
  FOR_BLOCK_VALUES(T, U, known[i] = (unsigned char)!(MISSING(x, bits)))

/* The OR and the AND of the bit patterns of a block's missing values:
 * they all share one pattern when the two are equal. */
typedef struct {
  uint64_t any, every;
} gap_patterns;

/* One value's step of gap_patterns: `gap` all ones for a missing value, 0
 * for a known one (no branch: whether a value is missing follows no
 * pattern a predictor learns). */
#define PATTERN_STEP(gap)                                                    \
  do {                                                                       \
    any |= bits & (gap);                                                     \
    every &= bits | ~(gap);                                                  \
  } while (0)

/* KNOWN_FLAGS, and in the same loop the block's gap_patterns (`patterns`),
 * for record_gaps. */
#define KNOWN_FLAGS_AND_PATTERNS(T, U, MISSING)                              \
  do {                                                                       \
    U any = 0, every = (U)~(U)0;                                             \
    FOR_BLOCK_VALUES(T, U, {                                                 \
      U gap = (U)0 - (U)(MISSING(x, bits));                                  \
      known[i] = (unsigned char)(1 + gap);                                   \
      PATTERN_STEP(gap);                                                     \
    })                                                                       \
    patterns.any = any;                                                      \
    patterns.every = every;                                                  \
  } while (0)

/* gap_patterns of the values of a gathered block whose `miss` flags are 1,
 * or of all of them when `miss` is NULL. */
#define FLAGGED_PATTERNS(U)                                                  \
  do {                                                                       \
    U any = 0, every = (U)~(U)0;                                             \
    if (miss)                                                                \
      FOR_BLOCK_VALUES(U, U, PATTERN_STEP((U)0 - (U)miss[i]))                \
    else                                                                     \
      FOR_BLOCK_VALUES(U, U, PATTERN_STEP(~(U)0))                            \
    patterns.any = any;                                                      \
    patterns.every = every;                                                  \
  } while (0)

static inline ALWAYS_INLINE gap_patterns flagged_patterns(zfpc_type type, const void *block,
                                                          const unsigned char *miss,
                                                          unsigned size)
{
  gap_patterns patterns;
  unsigned i;
  if (type == ZFPC_TYPE_INT32 || type == ZFPC_TYPE_FLOAT)
    FLAGGED_PATTERNS(uint32_t);
  else
    FLAGGED_PATTERNS(uint64_t);
  return patterns;
}

/* Record the missing values of the block at block coordinates b[0..3] of
 * `f` (`extent` values along each axis inside the array) in `found`: the
 * set bits of `miss` (value i in bit i % 64 of miss[i / 64]), or every value
 * when `miss` is NULL (a whole block with no valid value, as many fields'
 * land is), `gaps` in all, whose bit patterns' OR and AND are `patterns`.
 * The first block with gaps sets the reference pattern (one of them when
 * they all share it: then the OR is it); the bitmap receives a row of up to
 * 4 bits at a time (the rows along x are contiguous in C order). */
static inline ALWAYS_INLINE void record_gaps(zfpc_found *found, const zfpc_field *f,
                                             const size_t b[4], const unsigned extent[4],
                                             const uint64_t *miss, unsigned gaps,
                                             gap_patterns patterns, unsigned dims)
{
  unsigned i, y, z, w;
  size_t n[4], at[4];
  unsigned char *bitmap = found->bitmap;  /* a local: the stores below cannot move it */
  for (i = 0; i < 4; i++) {
    n[i] = i < dims ? f->n[i] : 1;
    at[i] = i < dims ? SIDE * b[i] : 0;
  }
  if (!found->count)
    found->pattern = patterns.any;
  found->differ |= (patterns.any ^ patterns.every) | (patterns.any ^ found->pattern);
  found->count += gaps;
  for (w = 0; w < (dims > 3 ? extent[3] : 1u); w++)
    for (z = 0; z < (dims > 2 ? extent[2] : 1u); z++) {
      size_t bit = (((at[3] + w) * n[2] + at[2] + z) * n[1] + at[1]) * n[0] + at[0];
      for (y = 0; y < (dims > 1 ? extent[1] : 1u); y++, bit += n[0]) {
        unsigned row = y + SIDE * z + SIDE * SIDE * w;
        unsigned nibble = miss ? (unsigned)(miss[row / 16] >> (4 * (row % 16))) & 15u : 15u;
        nibble <<= bit % 8;
        bitmap[bit / 8] |= (unsigned char)nibble;
        if (nibble >> 8)
          bitmap[bit / 8 + 1] |= (unsigned char)(nibble >> 8);
      }
    }
}

static inline ALWAYS_INLINE void fill_block_of(const zfpc_field *f, const size_t b[4],
                                               int whole, const zfpc_missing *missing,
                                               void *block, unsigned dims)
{
  unsigned size = 1u << (2 * dims), i, a, gaps = 0, valid = 0;
  unsigned char known[MAX_BLOCK];
  uint64_t word[MAX_BLOCK / 64];  /* the known values' flags as bits */
  if (!missing->fill && (f->type == ZFPC_TYPE_INT32 || f->type == ZFPC_TYPE_INT64))
    return;  /* integers are all finite */
  if (whole) {
    static const unsigned sides[4] = {SIDE, SIDE, SIDE, SIDE};  /* loops unroll */
    /* most blocks of a field have no gap or no valid value: a count tells
       them apart before any flag is built */
    FOR_MISSING_RULE(f->type, missing->fill, GAP_COUNT);
    if (!gaps)
      return;
    valid = size - gaps;
    if (!valid) {
      if (missing->found)
        record_gaps(missing->found, f, b, sides, NULL, gaps,
                    flagged_patterns(f->type, block, NULL, size), dims);
    } else if (missing->found) {
      gap_patterns patterns;
      uint64_t miss[MAX_BLOCK / 64];
      FOR_MISSING_RULE(f->type, missing->fill, KNOWN_FLAGS_AND_PATTERNS);
      known_bits(word, known, size);
      for (i = 0; i < (size + 63) / 64; i++)
        miss[i] = ~word[i] & (size < 64 ? ((uint64_t)1 << size) - 1 : ~UINT64_C(0));
      record_gaps(missing->found, f, b, sides, miss, gaps, patterns, dims);
    } else {
      FOR_MISSING_RULE(f->type, missing->fill, KNOWN_FLAGS);
      known_bits(word, known, size);
    }
  } else {
    unsigned inside_count = 0, extent[4] = {SIDE, SIDE, SIDE, SIDE};
    unsigned char miss[MAX_BLOCK];  /* missing inside the array */
    for (a = 0; a < dims; a++) {
      size_t left = f->n[a] - SIDE * b[a];
      extent[a] = left < SIDE ? (unsigned)left : SIDE;
    }
    FOR_MISSING_RULE(f->type, missing->fill, KNOWN_FLAGS);
    /* the padded positions are gaps too, when the block has any inside */
    for (i = 0; i < size; i++) {
      /* & not &&: no branches, so the loop vectorises */
      unsigned inside = ((i & 3) < extent[0]) & ((i >> 2 & 3) < extent[1]) &
                        ((i >> 4 & 3) < extent[2]) & ((i >> 6 & 3) < extent[3]);
      miss[i] = (unsigned char)(inside & !known[i]);
      known[i] = (unsigned char)(known[i] & inside);
      valid += known[i];
      inside_count += inside;
    }
    gaps = inside_count - valid;
    if (!gaps)
      return;
    if (missing->found) {
      uint64_t miss_word[MAX_BLOCK / 64];
      known_bits(miss_word, miss, size);
      record_gaps(missing->found, f, b, extent, miss_word, gaps,
                  flagged_patterns(f->type, block, miss, size), dims);
    }
    known_bits(word, known, size);
  }
  fill_values_of(f->type, known, word, valid, block, dims);
}

void fill_block(const zfpc_field *f, const size_t b[4], int whole,
                const zfpc_missing *missing, void *block)
{
  switch (f->dims) {
    case 1: fill_block_of(f, b, whole, missing, block, 1); break;
    case 2: fill_block_of(f, b, whole, missing, block, 2); break;
    case 3: fill_block_of(f, b, whole, missing, block, 3); break;
    default: fill_block_of(f, b, whole, missing, block, 4); break;
  }
}

static size_t field_values(const zfpc_field *f)
{
  size_t count = 1;
  unsigned a;
  for (a = 0; a < f->dims; a++)
    count *= f->n[a];
  return count;
}

void found_clear(const zfpc_field *f, zfpc_found *found)
{
  memset(found->bitmap, 0, (field_values(f) + 7) / 8);
  found->count = 0;
  found->pattern = found->differ = 0;
}

void found_by_pass(const zfpc_field *f, const zfpc_missing *missing)
{
  zfpc_found *found = missing->found;
  size_t count = field_values(f), first;
  int uniform;
  zfpc_find_missing(f->type, count, f->data, missing->fill, found->bitmap,
                    &found->count, &first, &uniform);
  found->pattern = 0;
  if (found->count) {
    uint32_t narrow;
    if (f->type == ZFPC_TYPE_INT32 || f->type == ZFPC_TYPE_FLOAT) {
      memcpy(&narrow, (const char *)f->data + first * sizeof narrow, sizeof narrow);
      found->pattern = narrow;
    } else
      memcpy(&found->pattern, (const char *)f->data + first * sizeof found->pattern,
             sizeof found->pattern);
  }
  found->differ = !uniform;  /* zfpc_find_missing tells only whether they differ */
}

zfpc_status zfpc_fill_gaps(zfpc_type type, unsigned dims, const size_t sizes[4],
                           const void *src, void *data, const unsigned char *bitmap)
{
  size_t n[4], stride[4], blocks[4], b[4], total;
  unsigned a, itemsize;
  uint64_t block[MAX_BLOCK];
  if (type < ZFPC_TYPE_INT32 || type > ZFPC_TYPE_DOUBLE || dims < 1 || dims > 4)
    return ZFPC_ERR_FIELD;
  for (a = 0; a < dims; a++)
    if (!sizes[a])
      return ZFPC_ERR_FIELD;
  itemsize = type == ZFPC_TYPE_INT32 || type == ZFPC_TYPE_FLOAT ? 4 : 8;
  total = c_order(dims, sizes, n, stride);
  for (a = 0; a < 4; a++)
    blocks[a] = (n[a] + SIDE - 1) / SIDE;
  if (src != data)
    memcpy(data, src, total * itemsize);
  for (b[3] = 0; b[3] < blocks[3]; b[3]++)
  for (b[2] = 0; b[2] < blocks[2]; b[2]++)
  for (b[1] = 0; b[1] < blocks[1]; b[1]++)
  for (b[0] = 0; b[0] < blocks[0]; b[0]++) {
    block_rows r;
    unsigned char known[MAX_BLOCK];
    unsigned row, x, missing = find_rows(&r, n, stride, b, bitmap, (total + 7) / 8);
    if (!missing)
      continue;
    memset(known, 0, sizeof known);
    for (row = 0; row < r.rows; row++) {
      for (x = 0; x < r.run; x++)
        known[r.local[row] + x] = !(r.gaps[row] >> x & 1);
      memcpy((char *)block + r.local[row] * itemsize,
             (char *)data + r.at[row] * itemsize, r.run * itemsize);
    }
    fill_values(type, dims, known, r.rows * r.run - missing, block);
    for (row = 0; row < r.rows; row++)
      memcpy((char *)data + r.at[row] * itemsize,
             (char *)block + r.local[row] * itemsize, r.run * itemsize);
  }
  return ZFPC_OK;
}

/* ------------------------------------------------------------------ */
/* Reading a container back                                            */

/* Set bits of a 64-bit word (no builtin: portable.h has none). */
static unsigned count_bits(uint64_t x)
{
  x -= (x >> 1) & UINT64_C(0x5555555555555555);
  x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
  x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
  return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

size_t zfpc_bitmap_count(const unsigned char *bitmap, size_t count, int *past)
{
  size_t bytes = (count + 7) / 8, i, total = 0;
  unsigned tail = (unsigned)(count % 8);
  for (i = 0; i + 8 <= bytes; i += 8) {
    uint64_t word;
    memcpy(&word, bitmap + i, sizeof word);
    total += count_bits(word);
  }
  for (; i < bytes; i++)
    total += count_bits(bitmap[i]);
  *past = tail && bytes && (bitmap[bytes - 1] >> tail) != 0;
  return total;
}

/* Patterns of `size` bytes to the set bits: one for all, or the next. */
#define RESTORE(U)                                                           \
  do {                                                                       \
    U *out = (U *)data;                                                      \
    const U *in = (const U *)patterns;                                       \
    U one = in[0];                                                           \
    for (i = 0; i < bytes; i++) {                                            \
      unsigned byte = bitmap[i], k;                                          \
      if (byte == 0xff && uniform) { /* runs of missing values: 8 at once */ \
        for (k = 0; k < 8; k++)                                              \
          out[8 * i + k] = one;                                              \
        continue;                                                            \
      }                                                                      \
      while (byte) {                                                         \
        unsigned bit = (unsigned)CTZ64(byte);                                \
        out[8 * i + bit] = uniform ? one : *in++;                            \
        byte &= byte - 1;                                                    \
      }                                                                      \
    }                                                                        \
  } while (0)

void zfpc_restore_missing(void *data, unsigned itemsize, size_t count,
                          const unsigned char *bitmap, const void *patterns,
                          int uniform)
{
  size_t bytes = (count + 7) / 8, i;
  if (itemsize == 4)
    RESTORE(uint32_t);
  else
    RESTORE(uint64_t);
}
