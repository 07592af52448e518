/* Array traversal (spec 4).  Only the values' width matters here, never
 * their type: gathering and scattering copy 4- or 8-byte scalars, swapping
 * their bytes for arrays stored in non-native byte order. */
#include <string.h>
#include "format.h"
#include "traverse.h"

zfpc_status grid_init(block_grid *g, const zfpc_field *f)
{
  unsigned a;
  size_t count = 1;
  if (!traits_of(f->type)->size || f->dims < 1 || f->dims > 4 || !f->data)
    return ZFPC_ERR_FIELD;
  for (a = 0; a < 4; a++) {
    if (a < f->dims && f->n[a] < 1)
      return ZFPC_ERR_FIELD;
    g->blocks[a] = a < f->dims ? (f->n[a] + 3) / 4 : 1;
    if (__builtin_mul_overflow(count, g->blocks[a], &count))
      return ZFPC_ERR_TOO_LARGE;
  }
  g->count = count;
  return ZFPC_OK;
}

/* spec 4.4: which in-block offset a position copies when only m (1..4)
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

/* Byte offsets of the block's four positions along each used axis, and how
 * many of them lie inside the array. */
typedef struct {
  ptrdiff_t offset[4][4];
  unsigned valid[4];
} block_span;

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

/* Copy the positions (i, j, k, l) with i < extent[0], ... between a block
 * (linear order of spec 4.3) and the array.  The gather pads (extent 4
 * along used axes, offsets repeating per spec 4.4), the scatter stores
 * only the in-range values (extent = valid).  Callers pass the rank and
 * value size as constants, so each combination gets its own loops. */
static inline ALWAYS_INLINE void
copy_block(const block_span *s, unsigned dims, const unsigned extent[4],
           char *data, char *block, unsigned size, int swap, int to_block)
{
  unsigned n1 = dims > 1 ? extent[1] : 1, n2 = dims > 2 ? extent[2] : 1;
  unsigned n3 = dims > 3 ? extent[3] : 1, i, j, k, l;
  int contiguous_rows = !swap && extent[0] == 4 && s->valid[0] == 4 &&
                        s->offset[0][1] - s->offset[0][0] == (ptrdiff_t)size;
  for (l = 0; l < n3; l++)
    for (k = 0; k < n2; k++)
      for (j = 0; j < n1; j++) {
        char *row = data + (dims > 1 ? s->offset[1][j] : 0) +
                    (dims > 2 ? s->offset[2][k] : 0) +
                    (dims > 3 ? s->offset[3][l] : 0);
        char *values = block + (size_t)size * (4 * j + 16 * k + 64 * l);
        if (contiguous_rows) {  /* four adjacent values: one copy */
          if (to_block)
            memcpy(values, row + s->offset[0][0], 4 * size);
          else
            memcpy(row + s->offset[0][0], values, 4 * size);
          continue;
        }
        for (i = 0; i < extent[0]; i++) {
          if (to_block)
            copy_value(values + size * i, row + s->offset[0][i], size, swap);
          else
            copy_value(row + s->offset[0][i], values + size * i, size, swap);
        }
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
  static const unsigned padded[4] = {4, 4, 4, 4};
  block_span s;
  block_locate(f, c, &s);
#define GATHER(D, SIZE) \
  copy_block(&s, D, padded, (char *)f->data, block, SIZE, f->byteswap, 1)
  WITH_CONSTANT_RANK_AND_SIZE(f->dims, traits_of(f->type)->size, GATHER)
#undef GATHER
}

void scatter_block(const zfpc_field *f, const block_cursor *c,
                   const void *block)
{
  block_span s;
  block_locate(f, c, &s);
#define SCATTER(D, SIZE) \
  copy_block(&s, D, s.valid, (char *)f->data, (char *)block, SIZE, f->byteswap, 0)
  WITH_CONSTANT_RANK_AND_SIZE(f->dims, traits_of(f->type)->size, SCATTER)
#undef SCATTER
}
