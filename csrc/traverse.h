/* The array as a grid of 4^d blocks (spec 4): block order, gathering with
 * partial-block padding, scattering of the in-range values. */
#ifndef ZFPC_TRAVERSE_H
#define ZFPC_TRAVERSE_H

#include <stddef.h>
#include <string.h>
#include "inline.h"
#include "zfpc.h"

typedef struct {
  size_t blocks[4];  /* ceil(n / 4) per axis, 1 for unused axes */
  size_t count;      /* blocks in all */
} block_grid;

/* Validates the field's type, rank and sizes and fills the grid. */
zfpc_status grid_init(block_grid *g, const zfpc_field *f);

/* A position in the block order of spec 4.2: block coordinates along x,
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

/* The block at `c` into `block`, padded, in spec 4.3 layout: any block,
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
      v = __builtin_bswap32(v);
    memcpy(dst, &v, 4);
  }
  else {
    uint64_t v;
    memcpy(&v, src, 8);
    if (swap)
      v = __builtin_bswap64(v);
    memcpy(dst, &v, 8);
  }
}

/* Copy a whole block between the array (values at origin + i*s0 + j*s1
 * + ...) and `block` (spec 4.3 order); rows of four adjacent values move
 * as one copy.  dims and size are constants at every call. */
static inline ALWAYS_INLINE void
copy_full_block(const zfpc_field *f, unsigned dims, char *origin,
                char *block, unsigned size, int to_block)
{
  const ptrdiff_t *s = f->stride;
  unsigned n1 = dims > 1 ? 4 : 1, n2 = dims > 2 ? 4 : 1;
  unsigned n3 = dims > 3 ? 4 : 1, i, j, k, l;
  int swap = f->byteswap, contiguous_rows = !swap && s[0] == (ptrdiff_t)size;
  for (l = 0; l < n3; l++)
    for (k = 0; k < n2; k++)
      for (j = 0; j < n1; j++) {
        char *row = origin + (dims > 1 ? j * s[1] : 0) +
                    (dims > 2 ? k * s[2] : 0) + (dims > 3 ? l * s[3] : 0);
        char *values = block + (size_t)size * (4 * j + 16 * k + 64 * l);
        if (contiguous_rows) {
          if (to_block)
            memcpy(values, row, 4 * size);
          else
            memcpy(row, values, 4 * size);
          continue;
        }
        for (i = 0; i < 4; i++) {
          if (to_block)
            copy_value(values + size * i, row + i * s[0], size, swap);
          else
            copy_value(row + i * s[0], values + size * i, size, swap);
        }
      }
}

#endif
