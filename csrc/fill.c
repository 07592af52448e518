/* Filling the gaps of an array before zfp codes it (the masked container,
 * docs/masked-format.md, "Writing"): values that stand in for missing ones,
 * chosen block by block so that zfp codes them cheaply and no block's range
 * widens.
 *
 * Per 4^d block: no gap inside the array -> unchanged; no valid value ->
 * the gaps become 0; else each gap takes the mean of the known values on
 * its line along x, where that line has any, then the gaps left take the
 * mean along y of the values known by then, then z, then w.  Positions past
 * the array's end are gaps too (they are filled, never stored).  Means are
 * taken in double precision and summed a quarter at a time, so that double
 * values near the type's maximum cannot overflow; integers are rounded to
 * nearest (ties to even) and clamped to their type. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "zfpc.h"

#define SIDE 4          /* zfp blocks are 4^d values (format.md §4) */
#define MAX_BLOCK 256   /* 4^4 */

/* One row of a block: values at .. at + length - 1 of the array into v as
 * doubles (gaps: 0), the type switched once per row. */
#define ROW_LOAD(T)                                                          \
  for (x = 0; x < length; x++)                                               \
    v[x] = known[x] ? (double)((const T *)data)[at + x] : 0

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
 * 2^63, just out of range. */
#define ROW_STORE(T, LO, HI)                                                 \
  for (x = 0; x < length; x++)                                               \
    if (gaps[x]) {                                                           \
      double r = nearbyint(v[x]);                                            \
      ((T *)data)[at + x] = r >= (double)(HI) ? (T)(HI)                      \
                            : r <= (double)(LO) ? (T)(LO) : (T)r;            \
    }

static void store_row(zfpc_type type, void *data, size_t at, unsigned length,
                      const unsigned char *gaps, const double *v)
{
  unsigned x;
  switch (type) {
    case ZFPC_TYPE_INT32: ROW_STORE(int32_t, INT32_MIN, INT32_MAX); break;
    case ZFPC_TYPE_INT64: ROW_STORE(int64_t, INT64_MIN, INT64_MAX); break;
    case ZFPC_TYPE_FLOAT:
      for (x = 0; x < length; x++)
        if (gaps[x])
          ((float *)data)[at + x] = (float)v[x];
      break;
    default:
      for (x = 0; x < length; x++)
        if (gaps[x])
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
        double sum = 0;
        unsigned count = 0;
        for (k = 0; k < SIDE; k++)
          if (ok[k * step]) {
            sum += line[k * step] * (1.0 / SIDE);
            count++;
          }
        if (!count || count == SIDE)
          continue;
        sum = sum / count * SIDE;
        for (k = 0; k < SIDE; k++)
          if (!ok[k * step]) {
            line[k * step] = sum;
            ok[k * step] = 1;
            unknown--;
          }
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

/* How many of a row's `length` gap flags (0 or 1 each) are set: a whole
 * row of 4 is one word whose bytes a multiplication adds up. */
static unsigned row_gaps(const unsigned char *gaps, unsigned length)
{
  unsigned x, count = 0;
  if (length == SIDE) {
    uint32_t word;
    memcpy(&word, gaps, sizeof word);
    return (word * 0x01010101u) >> 24;
  }
  for (x = 0; x < length; x++)
    count += gaps[x];
  return count;
}

zfpc_status zfpc_fill_gaps(zfpc_type type, unsigned dims, const size_t n[4],
                           void *data, const unsigned char *gaps)
{
  size_t blocks[4], origin[4], b[4], stride[4], total = 1;
  size_t first[MAX_BLOCK / SIDE], at[MAX_BLOCK / SIDE];
  unsigned local[MAX_BLOCK / SIDE];
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
  /* The rows of a block are those of the first block of its row of
   * blocks along x, shifted: found once per row of blocks. */
  for (b[3] = 0; b[3] < blocks[3]; b[3]++)
  for (b[2] = 0; b[2] < blocks[2]; b[2]++)
  for (b[1] = 0; b[1] < blocks[1]; b[1]++) {
    unsigned rows;
    for (a = 0; a < 4; a++)
      origin[a] = SIDE * b[a];
    origin[0] = 0;
    rows = block_rows(n, dims, origin, stride, first, local);
    for (b[0] = 0; b[0] < blocks[0]; b[0]++) {
      unsigned r, x, inside, missing = 0, run = n[0] - SIDE * b[0] < SIDE
                                                  ? (unsigned)(n[0] - SIDE * b[0]) : SIDE;
      for (r = 0; r < rows; r++) {
        at[r] = first[r] + SIDE * b[0];
        missing += row_gaps(gaps + at[r], run);
      }
      if (!missing)
        continue;
      inside = rows * run;
      if (missing == inside) {
        /* no valid value: zeros (all bits 0 in every type) */
        for (r = 0; r < rows; r++)
          memset((char *)data + at[r] * itemsize, 0, run * itemsize);
        continue;
      }
      memset(known, 0, sizeof known);  /* positions past the array's end: gaps */
      for (r = 0; r < rows; r++) {
        for (x = 0; x < run; x++)
          known[local[r] + x] = !gaps[at[r] + x];
        load_row(type, data, at[r], run, known + local[r], v + local[r]);
      }
      fill_lines(v, known, dims, (1u << (2 * dims)) - (inside - missing));
      for (r = 0; r < rows; r++)
        store_row(type, data, at[r], run, gaps + at[r], v + local[r]);
    }
  }
  return ZFPC_OK;
}
