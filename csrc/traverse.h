/* The array as a grid of 4^d blocks (spec 4): block order, gathering with
 * partial-block padding, scattering of the in-range values. */
#ifndef ZFPC_TRAVERSE_H
#define ZFPC_TRAVERSE_H

#include <stddef.h>
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
void cursor_next(const block_grid *g, block_cursor *c);

/* The block at `c` into `block`, padded, in spec 4.3 layout. */
void gather_block(const zfpc_field *f, const block_cursor *c, void *block);

/* The in-range values of the block at `c` from `block` into the array. */
void scatter_block(const zfpc_field *f, const block_cursor *c,
                   const void *block);

#endif
