/* The array as a grid of 4^d blocks (format.md §4): block order, gathering with
 * partial-block padding, scattering of the in-range values. */
#ifndef ZFPC_TRAVERSE_H
#define ZFPC_TRAVERSE_H

#include <stddef.h>
#include <string.h>
#include "inline.h"
#include "portable.h"
#include "zfpc.h"

typedef struct {
  size_t blocks[4];  /* ceil(n / 4) per axis, 1 for unused axes */
  size_t count;      /* blocks in all */
} block_grid;

/* The grid of an array of sizes n[0..dims-1] (dims 1..4): ZFPC_ERR_FIELD
 * for a size of 0, ZFPC_ERR_TOO_LARGE when the block count overflows. */
zfpc_status grid_of_sizes(block_grid *g, unsigned dims, const size_t n[4]);

/* Validates the field's type, rank, data pointer and sizes and fills the
 * grid. */
zfpc_status grid_init(block_grid *g, const zfpc_field *f);

/* A position in the block order of format.md §4.2: block coordinates along x,
 * y, z, w, advanced without divisions. */
typedef struct {
  size_t b[4];
} block_cursor;

void cursor_at(const block_grid *g, size_t index, block_cursor *c);

static inline ALWAYS_INLINE void cursor_next(const block_grid *g,
                                             block_cursor *c)
{
  unsigned a;
  for (a = 0; a < 4 && ++c->b[a] == g->blocks[a]; a++)
    if (a < 3)
      c->b[a] = 0;
}

/* The block at `c` into `block`, padded, in format.md §4.3 layout: any block,
 * but the coders use it for partial blocks only. */
void gather_block(const zfpc_field *f, const block_cursor *c, void *block);

/* The in-range values of the block at `c` from `block` into the array. */
void scatter_block(const zfpc_field *f, const block_cursor *c,
                   const void *block);

/* The inline path for the common case, a block wholly inside the array,
 * for coders specialised by rank: where it starts, or NULL for a partial
 * block (which gather_block and scatter_block pad or clip). */
static inline ALWAYS_INLINE char *full_block_origin(const zfpc_field *f,
                                                    const block_cursor *c,
                                                    unsigned dims)
{
  char *origin = (char *)f->data;
  unsigned a;
  for (a = 0; a < dims; a++) {
    if (4 * c->b[a] + 4 > f->n[a])
      return NULL;
    origin += (ptrdiff_t)(4 * c->b[a]) * f->stride[a];
  }
  return origin;
}

/* Copy one scalar of `size` (a constant: 4 or 8) bytes, swapping its bytes
 * if asked. */
static inline ALWAYS_INLINE void copy_value(void *dst, const void *src,
                                            unsigned size, int swap)
{
  if (size == 4) {
    uint32_t v;
    memcpy(&v, src, 4);
    if (swap)
      v = BSWAP32(v);
    memcpy(dst, &v, 4);
  }
  else {
    uint64_t v;
    memcpy(&v, src, 8);
    if (swap)
      v = BSWAP64(v);
    memcpy(dst, &v, 8);
  }
}

/* Byte offsets of a partial block's four positions along each used axis
 * (from the array's first value, padding repeated, format.md §4.4), and
 * how many of them lie inside the array. */
typedef struct {
  ptrdiff_t offset[4][4];
  unsigned valid[4];
} block_span;

/* Where in-block position i along axis a lies, in bytes: from the block's
 * first value for a whole block (`s` NULL), from `s` for a partial one. */
static inline ALWAYS_INLINE ptrdiff_t block_position(const ptrdiff_t *stride,
                                                     const block_span *s,
                                                     unsigned a, unsigned i)
{
  return s ? s->offset[a][i] : i * stride[a];
}

/* What copy_block moves: the array's values into the block, the block's
 * into the array, or zeros into the array (+0.0 or 0: zero bytes in every
 * type and byte order; the block is not read). */
typedef enum { TO_BLOCK, FROM_BLOCK, ZEROS_TO_ARRAY } copy_direction;

/* Copy the positions (i, j, k, l) with i < extent[0], ... (all 4^dims
 * positions when `extent` is NULL) between `block` (the linear order of
 * format.md §4.3) and the array, whose value at position (i, j, k, l) is
 * at `origin` + the positions' offsets along each axis, in `direction`.
 * Rows of four adjacent values move as one copy.  Callers pass the rank,
 * the value size, the direction and whether `s` and `extent` are NULL as
 * constants, so each combination gets loops of its own: a whole block's
 * are those of a plain strided copy. */
static inline ALWAYS_INLINE void
copy_block(const zfpc_field *f, const block_span *s, unsigned dims,
           const unsigned *extent, char *origin, char *block, unsigned size,
           copy_direction direction)
{
  unsigned n0 = extent ? extent[0] : 4, n1 = dims < 2 ? 1 : extent ? extent[1] : 4;
  unsigned n2 = dims < 3 ? 1 : extent ? extent[2] : 4;
  unsigned n3 = dims < 4 ? 1 : extent ? extent[3] : 4, i, j, k, l;
  const ptrdiff_t *st = f->stride;
  int swap = f->byteswap;
  int contiguous_rows = !swap && n0 == 4 && (!s || s->valid[0] == 4) &&
                        block_position(st, s, 0, 1) - block_position(st, s, 0, 0) ==
                          (ptrdiff_t)size;
  /* The test is made once, outside the loops (GCC did not unswitch them),
   * so that the rows' loop of the contiguous case is a plain copy. */
  if (contiguous_rows) {  /* four adjacent values: one copy */
    /* the strides used, in a copy that the stores into the array cannot
     * alias, so that they stay in registers */
    ptrdiff_t rs[4];
    for (i = 0; i < dims; i++)
      rs[i] = st[i];
    st = rs;
    for (l = 0; l < n3; l++)
      for (k = 0; k < n2; k++)
        for (j = 0; j < n1; j++) {
          char *row = origin + block_position(st, s, 0, 0) +
                      (dims > 1 ? block_position(st, s, 1, j) : 0) +
                      (dims > 2 ? block_position(st, s, 2, k) : 0) +
                      (dims > 3 ? block_position(st, s, 3, l) : 0);
          char *values = block + (size_t)size * (4 * j + 16 * k + 64 * l);
          if (direction == TO_BLOCK)
            memcpy(values, row, 4 * size);
          else if (direction == FROM_BLOCK)
            memcpy(row, values, 4 * size);
          else
            memset(row, 0, 4 * size);
        }
    return;
  }
  for (l = 0; l < n3; l++)
    for (k = 0; k < n2; k++)
      for (j = 0; j < n1; j++) {
        char *row = origin + (dims > 1 ? block_position(st, s, 1, j) : 0) +
                    (dims > 2 ? block_position(st, s, 2, k) : 0) +
                    (dims > 3 ? block_position(st, s, 3, l) : 0);
        char *values = block + (size_t)size * (4 * j + 16 * k + 64 * l);
        for (i = 0; i < n0; i++) {
          if (direction == TO_BLOCK)
            copy_value(values + size * i, row + block_position(st, s, 0, i), size, swap);
          else if (direction == FROM_BLOCK)
            copy_value(row + block_position(st, s, 0, i), values + size * i, size, swap);
          else
            memset(row + block_position(st, s, 0, i), 0, size);
        }
      }
}

/* Copy a whole block that starts at `origin` between the array and
 * `block`.  dims, size and direction are constants at every call. */
static inline ALWAYS_INLINE void
copy_full_block(const zfpc_field *f, unsigned dims, char *origin,
                char *block, unsigned size, copy_direction direction)
{
  copy_block(f, NULL, dims, NULL, origin, block, size, direction);
}

#endif
