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

void cursor_next(const block_grid *g, block_cursor *c)
{
  unsigned a;
  for (a = 0; a < 4 && ++c->b[a] == g->blocks[a]; a++)
    if (a < 3)
      c->b[a] = 0;
}

/* Byte offsets of the block's four positions along each axis, and how many
 * of them lie inside the array. */
typedef struct {
  ptrdiff_t offset[4][4];
  unsigned valid[4];
} block_span;

static void block_locate(const zfpc_field *f, const block_cursor *c,
                         block_span *s)
{
  unsigned a, i;
  for (a = 0; a < 4; a++) {
    if (a < f->dims) {
      size_t first = 4 * c->b[a], left = f->n[a] - first;
      s->valid[a] = left < 4 ? (unsigned)left : 4;
      for (i = 0; i < 4; i++)
        s->offset[a][i] =
          (ptrdiff_t)(first + pad_source[s->valid[a]][i]) * f->stride[a];
    }
    else {
      s->valid[a] = 1;
      memset(s->offset[a], 0, sizeof s->offset[a]);
    }
  }
}

/* Copy one scalar of `size` bytes, swapping its bytes if asked.  Callers
 * pass a constant size, so each instance compiles to plain loads. */
static inline void copy_value(void *dst, const void *src, unsigned size,
                              int swap)
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

/* Copy the positions (i, j, k, l) with i < extent[0], ... between a block
 * (linear order of spec 4.3) and the array.  The gather pads (extent 4
 * along used axes, offsets repeating per spec 4.4), the scatter stores
 * only the in-range values (extent = valid). */
static inline ALWAYS_INLINE void
copy_block(const block_span *s, const unsigned extent[4], char *data,
           char *block, unsigned size, int swap, int to_block)
{
  unsigned i, j, k, l;
  for (l = 0; l < extent[3]; l++)
    for (k = 0; k < extent[2]; k++)
      for (j = 0; j < extent[1]; j++) {
        char *row = data + s->offset[1][j] + s->offset[2][k] + s->offset[3][l];
        char *values = block + (size_t)size * (4 * j + 16 * k + 64 * l);
        for (i = 0; i < extent[0]; i++) {
          if (to_block)
            copy_value(values + size * i, row + s->offset[0][i], size, swap);
          else
            copy_value(row + s->offset[0][i], values + size * i, size, swap);
        }
      }
}

void gather_block(const zfpc_field *f, const block_cursor *c, void *block)
{
  unsigned extent[4], a;
  block_span s;
  block_locate(f, c, &s);
  for (a = 0; a < 4; a++)
    extent[a] = a < f->dims ? 4 : 1;
  if (traits_of(f->type)->size == 4)
    copy_block(&s, extent, (char *)f->data, block, 4, f->byteswap, 1);
  else
    copy_block(&s, extent, (char *)f->data, block, 8, f->byteswap, 1);
}

void scatter_block(const zfpc_field *f, const block_cursor *c,
                   const void *block)
{
  block_span s;
  block_locate(f, c, &s);
  if (traits_of(f->type)->size == 4)
    copy_block(&s, s.valid, (char *)f->data, (char *)block, 4, f->byteswap, 0);
  else
    copy_block(&s, s.valid, (char *)f->data, (char *)block, 8, f->byteswap, 0);
}
