/* Array traversal (format.md §4).  Only the values' width matters here, never
 * their type: gathering and scattering copy 4- or 8-byte scalars, swapping
 * their bytes for arrays stored in non-native byte order. */
#include <string.h>
#include "format.h"
#include "traverse.h"

zfpc_status grid_of_sizes(block_grid *g, unsigned dims, const size_t n[4])
{
  unsigned a;
  size_t count = 1;
  for (a = 0; a < 4; a++) {
    if (a < dims && n[a] < 1)
      return ZFPC_ERR_FIELD;
    g->blocks[a] = a < dims ? n[a] / 4 + (n[a] % 4 != 0) : 1;
    if (MUL_OVERFLOW_SIZE(count, g->blocks[a], &count))
      return ZFPC_ERR_TOO_LARGE;
  }
  g->count = count;
  return ZFPC_OK;
}

zfpc_status grid_init(block_grid *g, const zfpc_field *f)
{
  if (!traits_of(f->type)->size || f->dims < 1 || f->dims > 4 || !f->data)
    return ZFPC_ERR_FIELD;
  return grid_of_sizes(g, f->dims, f->n);
}

/* format.md §4.4: which in-block offset a position copies when only m (1..4)
 * values along that axis lie inside the array. */
static const unsigned char pad_source[5][4] = {
  {0, 0, 0, 0},
  {0, 0, 0, 0},
  {0, 1, 1, 0},
  {0, 1, 2, 0},
  {0, 1, 2, 3},
};

void cursor_at(const block_grid *g, size_t index, block_cursor *c)
{
  unsigned a;
  for (a = 0; a < 4; a++) {
    c->b[a] = index % g->blocks[a];
    index /= g->blocks[a];
  }
}

/* The span of the block at `c`: positions past the array's end take the
 * offsets of the positions they copy. */
static void block_locate(const zfpc_field *f, const block_cursor *c,
                         block_span *s)
{
  unsigned a, i;
  for (a = 0; a < f->dims; a++) {
    size_t first = 4 * c->b[a], left = f->n[a] - first;
    s->valid[a] = left < 4 ? (unsigned)left : 4;
    for (i = 0; i < 4; i++)
      s->offset[a][i] =
        (ptrdiff_t)(first + pad_source[s->valid[a]][i]) * f->stride[a];
  }
}

/* Run COPY(rank, value size) with both as constants. */
#define WITH_CONSTANT_RANK_AND_SIZE(dims, size, COPY)  \
  switch ((dims) * 2 + ((size) == 8)) {                \
    case 2: COPY(1, 4); break;                         \
    case 3: COPY(1, 8); break;                         \
    case 4: COPY(2, 4); break;                         \
    case 5: COPY(2, 8); break;                         \
    case 6: COPY(3, 4); break;                         \
    case 7: COPY(3, 8); break;                         \
    case 8: COPY(4, 4); break;                         \
    default: COPY(4, 8); break;                        \
  }

void gather_block(const zfpc_field *f, const block_cursor *c, void *block)
{
  block_span s;
  block_locate(f, c, &s);
#define GATHER(D, SIZE) \
  copy_block(f, &s, D, NULL, (char *)f->data, block, SIZE, TO_BLOCK)
  WITH_CONSTANT_RANK_AND_SIZE(f->dims, traits_of(f->type)->size, GATHER)
#undef GATHER
}

void scatter_block(const zfpc_field *f, const block_cursor *c,
                   const void *block)
{
  block_span s;
  block_locate(f, c, &s);
#define SCATTER(D, SIZE) \
  copy_block(f, &s, D, s.valid, (char *)f->data, (char *)block, SIZE, FROM_BLOCK)
  WITH_CONSTANT_RANK_AND_SIZE(f->dims, traits_of(f->type)->size, SCATTER)
#undef SCATTER
}
