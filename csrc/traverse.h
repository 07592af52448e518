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

/* Block `index` (spec 4.2 order) into `block`, in spec 4.3 layout. */
void gather_block(const zfpc_field *f, const block_grid *g, size_t index,
                  void *block);

/* The in-range values of block `index` from `block` into the array. */
void scatter_block(const zfpc_field *f, const block_grid *g, size_t index,
                   const void *block);

#endif
