/* The masked container's encoding passes (docs/masked-format.md,
 * "Writing"): finding the missing values of an array, and filling the gaps
 * they leave with values that zfp codes cheaply, block by block, so that
 * no block's range widens.
 *
 * zfpc_find_missing makes one pass in C order: it compares every value
 * with the fill value (and, for floats, tests it for NaN and +-inf),
 * writes the container's bitmap and counts.  zfpc_fill_gaps then reads
 * those bits as it walks the 4^d blocks, copying the array as it goes.
 * Per block: no gap inside the
 * array -> unchanged; no valid value -> the gaps become 0; else each gap
 * takes the mean of the known values on its line along x, where that line
 * has any, then the gaps left take the mean along y of the values known by
 * then, then z, then w.  Positions past the array's end are gaps too (they
 * are filled, never stored).  Means are taken in double precision and
 * summed a quarter at a time, so that double values near the type's
 * maximum cannot overflow; integers are rounded to nearest (ties to even)
 * and clamped to their type.  Loops over a block's values select rather
 * than branch: which values are missing follows no pattern a branch
 * predictor learns. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "zfpc.h"

#define SIDE 4          /* zfp blocks are 4^d values (format.md §4) */
#define MAX_BLOCK 256   /* 4^4 */

/* ------------------------------------------------------------------ */
/* Finding the missing values                                          */

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
  switch (type) {
    case ZFPC_TYPE_INT32: {
      int32_t f;
      memcpy(&f, fill, sizeof f);
#define IS_FILL(x, bits) ((x) == f)
      FIND(int32_t, uint32_t, IS_FILL);
      break;
    }
    case ZFPC_TYPE_INT64: {
      int64_t f;
      memcpy(&f, fill, sizeof f);
      FIND(int64_t, uint64_t, IS_FILL);
      break;
    }
    /* NaN equals nothing: without a fill value, non-finite values only */
    case ZFPC_TYPE_FLOAT: {
      float f = NAN;
      if (fill)
        memcpy(&f, fill, sizeof f);
/* NaN and +-inf: all exponent bits set */
#define IS_GAP(x, bits) ((((bits) & ABS) >= INF) | ((x) == f))
#define ABS UINT32_C(0x7fffffff)
#define INF UINT32_C(0x7f800000)
      FIND(float, uint32_t, IS_GAP);
#undef ABS
#undef INF
      break;
    }
    case ZFPC_TYPE_DOUBLE: {
      double f = NAN;
      if (fill)
        memcpy(&f, fill, sizeof f);
#define ABS UINT64_C(0x7fffffffffffffff)
#define INF UINT64_C(0x7ff0000000000000)
      FIND(double, uint64_t, IS_GAP);
#undef ABS
#undef INF
      break;
    }
    default:
      return ZFPC_ERR_FIELD;
  }
#undef IS_FILL
#undef IS_GAP
  *missing = total;
  return ZFPC_OK;
}

/* ------------------------------------------------------------------ */
/* Filling the gaps                                                    */

/* One row of a block: values at .. at + length - 1 of the array into v as
 * doubles (gaps: 0), the type switched once per row. */
#define ROW_LOAD(T)                                                          \
  for (x = 0; x < length; x++) {                                             \
    double value = (double)((const T *)data)[at + x];                        \
    v[x] = known[x] ? value : 0;                                             \
  }

static void load_row(zfpc_type type, const void *data, size_t at, unsigned length,
                     const unsigned char *known, double *v)
{
  unsigned x;
  switch (type) {
    case ZFPC_TYPE_INT32: ROW_LOAD(int32_t); break;
    case ZFPC_TYPE_INT64: ROW_LOAD(int64_t); break;
    case ZFPC_TYPE_FLOAT: ROW_LOAD(float); break;
    default: ROW_LOAD(double); break;
  }
}

/* Integers round to nearest (ties to even) and clamp: (double)INT64_MAX is
 * 2^63, just out of range.  `gaps`: bit x set where value x is one. */
#define ROW_STORE(T, LO, HI)                                                 \
  for (x = 0; x < length; x++)                                               \
    if (gaps >> x & 1) {                                                     \
      double r = nearbyint(v[x]);                                            \
      ((T *)data)[at + x] = r >= (double)(HI) ? (T)(HI)                      \
                            : r <= (double)(LO) ? (T)(LO) : (T)r;            \
    }

static void store_row(zfpc_type type, void *data, size_t at, unsigned length,
                      unsigned gaps, const double *v)
{
  unsigned x;
  switch (type) {
    case ZFPC_TYPE_INT32: ROW_STORE(int32_t, INT32_MIN, INT32_MAX); break;
    case ZFPC_TYPE_INT64: ROW_STORE(int64_t, INT64_MIN, INT64_MAX); break;
    case ZFPC_TYPE_FLOAT:
      for (x = 0; x < length; x++)
        if (gaps >> x & 1)
          ((float *)data)[at + x] = (float)v[x];
      break;
    default:
      for (x = 0; x < length; x++)
        if (gaps >> x & 1)
          ((double *)data)[at + x] = v[x];
      break;
  }
}

/* Fill the `unknown` gaps of one block of values `v` (local index x + 4y +
 * 16z + 64w) that has at least one known value, with line means axis by
 * axis, stopping when none is left. */
static void fill_lines(double *v, unsigned char *known, unsigned dims, unsigned unknown)
{
  unsigned a, size = 1u << (2 * dims);
  for (a = 0; a < dims && unknown; a++) {
    unsigned step = 1u << (2 * a), high, low, k;
    /* the lines along axis a start where its coordinate is 0 */
    for (high = 0; high < size; high += SIDE * step)
      for (low = 0; low < step; low++) {
        double *line = v + high + low;
        unsigned char *ok = known + high + low;
        double sum = 0, mean;
        unsigned count = 0;
        for (k = 0; k < SIDE; k++)
          count += ok[k * step];
        if (!count || count == SIDE)
          continue;
        for (k = 0; k < SIDE; k++) {
          double quarter = line[k * step] * (1.0 / SIDE);
          sum += ok[k * step] ? quarter : 0;
        }
        mean = sum / count * SIDE;
        for (k = 0; k < SIDE; k++) {
          line[k * step] = ok[k * step] ? line[k * step] : mean;
          ok[k * step] = 1;
        }
        unknown -= SIDE - count;
      }
  }
}

/* The rows along x of the block at `origin` that lie inside the array:
 * the first value's index in the array and in the block (x + 4y + 16z +
 * 64w).  Returns the number of rows. */
static unsigned block_rows(const size_t n[4], unsigned dims, const size_t origin[4],
                           const size_t stride[4], size_t *at, unsigned *local)
{
  size_t end[4], c[4];
  unsigned a, rows = 0;
  for (a = 1; a < 4; a++)
    end[a] = a >= dims ? 1 : origin[a] + SIDE < n[a] ? origin[a] + SIDE : n[a];
  for (c[3] = origin[3]; c[3] < end[3]; c[3]++)
  for (c[2] = origin[2]; c[2] < end[2]; c[2]++)
  for (c[1] = origin[1]; c[1] < end[1]; c[1]++) {
    at[rows] = origin[0] + c[1] * stride[1] + c[2] * stride[2] + c[3] * stride[3];
    local[rows++] = (unsigned)(SIDE * ((c[1] - origin[1]) + SIDE * ((c[2] - origin[2]) +
                                                            SIDE * (c[3] - origin[3]))));
  }
  return rows;
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

/* Set bits of a 4-bit row, from a table packed in one word. */
#define NIBBLE_COUNT(bits) ((unsigned)(UINT64_C(0x4332322132212110) >> (4 * (bits))) & 15u)

zfpc_status zfpc_fill_gaps(zfpc_type type, unsigned dims, const size_t n[4],
                           const void *src, void *data, const unsigned char *bitmap)
{
  size_t blocks[4], origin[4], b[4], stride[4], total = 1, bytes;
  size_t first[MAX_BLOCK / SIDE], at[MAX_BLOCK / SIDE];
  unsigned local[MAX_BLOCK / SIDE], gaps[MAX_BLOCK / SIDE];
  double v[MAX_BLOCK];
  unsigned char known[MAX_BLOCK];
  unsigned a, itemsize;
  if (type < ZFPC_TYPE_INT32 || type > ZFPC_TYPE_DOUBLE || dims < 1 || dims > 4)
    return ZFPC_ERR_FIELD;
  itemsize = type == ZFPC_TYPE_INT32 || type == ZFPC_TYPE_FLOAT ? 4 : 8;
  for (a = 0; a < 4; a++) {
    size_t len = a < dims ? n[a] : 1;
    if (!len)
      return ZFPC_ERR_FIELD;
    stride[a] = total;  /* C order: x fastest */
    blocks[a] = (len + SIDE - 1) / SIDE;
    total *= len;
  }
  bytes = (total + 7) / 8;
  /* The rows of a block are those of the first block of its row of
   * blocks along x, shifted: found once per row of blocks. */
  for (b[3] = 0; b[3] < blocks[3]; b[3]++)
  for (b[2] = 0; b[2] < blocks[2]; b[2]++)
  for (b[1] = 0; b[1] < blocks[1]; b[1]++) {
    unsigned rows, r;
    for (a = 0; a < 4; a++)
      origin[a] = SIDE * b[a];
    origin[0] = 0;
    rows = block_rows(n, dims, origin, stride, first, local);
    /* Copied a row of blocks at a time, so that the blocks filled next
     * are still in cache (a whole-array copy first would have left them). */
    if (src != data)
      for (r = 0; r < rows; r++)
        memcpy((char *)data + first[r] * itemsize,
               (const char *)src + first[r] * itemsize, n[0] * itemsize);
    for (b[0] = 0; b[0] < blocks[0]; b[0]++) {
      unsigned x, inside, any = 0, missing = 0,
               run = n[0] - SIDE * b[0] < SIDE ? (unsigned)(n[0] - SIDE * b[0]) : SIDE;
      for (r = 0; r < rows; r++) {
        at[r] = first[r] + SIDE * b[0];
        gaps[r] = row_gaps(bitmap, bytes, at[r], run);
        any |= gaps[r];
      }
      if (!any)
        continue;
      for (r = 0; r < rows; r++)
        missing += NIBBLE_COUNT(gaps[r]);
      inside = rows * run;
      if (missing == inside) {
        /* no valid value: zeros (all bits 0 in every type) */
        for (r = 0; r < rows; r++)
          memset((char *)data + at[r] * itemsize, 0, run * itemsize);
        continue;
      }
      /* positions past the array's end: gaps */
      memset(known, 0, (size_t)1 << (2 * dims));
      for (r = 0; r < rows; r++) {
        for (x = 0; x < run; x++)
          known[local[r] + x] = !(gaps[r] >> x & 1);
        load_row(type, data, at[r], run, known + local[r], v + local[r]);
      }
      fill_lines(v, known, dims, (1u << (2 * dims)) - (inside - missing));
      for (r = 0; r < rows; r++)
        if (gaps[r])
          store_row(type, data, at[r], run, gaps[r], v + local[r]);
    }
  }
  return ZFPC_OK;
}
