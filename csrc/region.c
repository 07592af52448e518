/* Random access (format.md §12.3): decoding only the blocks that hold a
 * selection of the array.  In fixed-rate mode every block takes the same
 * number of bits (§12.1), so block k (§4.2 order) starts at bit offset +
 * k * bits: the selected blocks decode independently, each from the piece
 * of the stream that holds it, on several threads.  Blocks of varying
 * length can only be found by reading the stream from its start: one pass
 * decodes the selected blocks and only measures the others (blocks.c does
 * the same to split work). */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdlib.h>
#include "block_codec.h"
#include "blocks.h"
#include "format.h"
#include "threads.h"

/* Selected blocks a thread takes at a time: enough to make the lock cheap,
 * few enough to balance small selections. */
#define BLOCKS_PER_TAKE 16

/* One selected element along an axis. */
typedef struct {
  size_t index;  /* its index along the array's axis */
  size_t pos;    /* its position along the output's axis */
} axis_entry;

/* The selection along one axis, grouped by block. */
typedef struct {
  axis_entry *entries;  /* sorted by index, then position */
  size_t *blocks;       /* the distinct blocks touched, ascending */
  size_t *first;        /* blocks[i] holds entries first[i] .. first[i+1]-1 */
  signed char *step;    /* +1 / -1: blocks[i]'s four values land at four
                           consecutive positions, ascending / descending;
                           0: any other way (edge, stride, repeats) */
  size_t nblocks;
} axis_plan;

typedef struct {
  const zfpc_field *out;
  const zfpc_params *p;
  zfpc_field array;     /* the whole array's geometry, for measuring (no
                           data: measuring writes nothing) */
  block_grid grid;
  axis_plan axis[4];
  size_t selected;      /* blocks to decode: the product of the nblocks */
  const zfpc_piece *pieces;
  size_t count;
  uint64_t offset;
  uint64_t block_bits;  /* 0: variable-length blocks */
  range_decoder decode;
  range_measurer measure;  /* the blocks before and between the selected ones */
  zfpc_mutex lock;
  size_t next;          /* the next selected block a thread takes */
  int truncated;
} selection_job;

void zfpc_block_bits(zfpc_type type, const zfpc_params *p, unsigned dims,
                     uint64_t *fixed, uint64_t *most)
{
  *fixed = fixed_block_bits(type, p);
  *most = block_max_bits(type, p, dims);
}

static int compare_entries(const void *a, const void *b)
{
  const axis_entry *x = (const axis_entry *)a, *y = (const axis_entry *)b;
  if (x->index != y->index)
    return x->index < y->index ? -1 : 1;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

/* +1 or -1 when a block's run of entries is its four values, in order, at
 * consecutive ascending or descending positions; else 0. */
static signed char run_step(const axis_entry *run, size_t length)
{
  size_t k;
  ptrdiff_t step;
  if (length != 4 || run[0].index % 4)
    return 0;
  step = (ptrdiff_t)run[1].pos - (ptrdiff_t)run[0].pos;
  if (step != 1 && step != -1)
    return 0;
  for (k = 1; k < 4; k++)
    if (run[k].index != run[0].index + k ||
        (ptrdiff_t)run[k].pos - (ptrdiff_t)run[k - 1].pos != step)
      return 0;
  return (signed char)step;
}

static zfpc_status plan_axis(axis_plan *plan, const size_t *index, size_t count,
                             size_t n)
{
  size_t j;
  plan->entries = malloc(sizeof *plan->entries * count);
  plan->blocks = malloc(sizeof *plan->blocks * count);
  plan->first = malloc(sizeof *plan->first * (count + 1));
  plan->step = malloc(count);
  if (!plan->entries || !plan->blocks || !plan->first || !plan->step)
    return ZFPC_ERR_NOMEM;
  for (j = 0; j < count; j++) {
    if (index[j] >= n)
      return ZFPC_ERR_FIELD;
    plan->entries[j].index = index[j];
    plan->entries[j].pos = j;
  }
  qsort(plan->entries, count, sizeof *plan->entries, compare_entries);
  plan->nblocks = 0;
  for (j = 0; j < count; j++) {
    size_t block = plan->entries[j].index / 4;
    if (!plan->nblocks || plan->blocks[plan->nblocks - 1] != block) {
      plan->blocks[plan->nblocks] = block;
      plan->first[plan->nblocks++] = j;
    }
  }
  plan->first[plan->nblocks] = count;
  for (j = 0; j < plan->nblocks; j++)
    plan->step[j] = run_step(plan->entries + plan->first[j],
                             plan->first[j + 1] - plan->first[j]);
  return ZFPC_OK;
}

static void free_plans(selection_job *j)
{
  unsigned a;
  for (a = 0; a < 4; a++) {
    free(j->axis[a].entries);
    free(j->axis[a].blocks);
    free(j->axis[a].first);
    free(j->axis[a].step);
  }
}

/* The selected block number `item` (x fastest, so items ascend in stream
 * order): its ordinal in each axis plan and its index in the stream. */
static size_t locate_item(const selection_job *j, size_t item,
                          size_t ordinal[4])
{
  size_t k = 0, stride = 1;
  unsigned a;
  for (a = 0; a < 4; a++) {
    ordinal[a] = item % j->axis[a].nblocks;
    item /= j->axis[a].nblocks;
    k += j->axis[a].blocks[ordinal[a]] * stride;
    stride *= j->grid.blocks[a];
  }
  return k;
}

/* Copy the selected values of a decoded block (§4.3 order) to their
 * places in the output. */
static void scatter_selected(const selection_job *j, const size_t ordinal[4],
                             const char *block)
{
  const zfpc_field *out = j->out;
  const axis_plan *ax = j->axis;
  const ptrdiff_t *s = out->stride;
  unsigned size = traits_of(out->type)->size;
  int swap = out->byteswap;
  size_t e0, e1, e2, e3;
  for (e3 = ax[3].first[ordinal[3]]; e3 < ax[3].first[ordinal[3] + 1]; e3++) {
    const axis_entry *w = &ax[3].entries[e3];
    char *d3 = (char *)out->data + (ptrdiff_t)w->pos * s[3];
    size_t o3 = 64 * (w->index % 4);
    for (e2 = ax[2].first[ordinal[2]]; e2 < ax[2].first[ordinal[2] + 1]; e2++) {
      const axis_entry *z = &ax[2].entries[e2];
      char *d2 = d3 + (ptrdiff_t)z->pos * s[2];
      size_t o2 = o3 + 16 * (z->index % 4);
      for (e1 = ax[1].first[ordinal[1]]; e1 < ax[1].first[ordinal[1] + 1]; e1++) {
        const axis_entry *y = &ax[1].entries[e1];
        char *d1 = d2 + (ptrdiff_t)y->pos * s[1];
        size_t o1 = o2 + 4 * (y->index % 4);
        for (e0 = ax[0].first[ordinal[0]]; e0 < ax[0].first[ordinal[0] + 1]; e0++) {
          const axis_entry *x = &ax[0].entries[e0];
          copy_value(d1 + (ptrdiff_t)x->pos * s[0],
                     block + size * (o1 + x->index % 4), size, swap);
        }
      }
    }
  }
}

/* The piece holding stream bytes first .. end - 1, or NULL. */
static const zfpc_piece *piece_holding(const selection_job *j, uint64_t first,
                                       uint64_t end)
{
  size_t lo = 0, hi = j->count;
  /* the last piece that starts at or before `first` */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (j->pieces[mid].start <= first)
      lo = mid;
    else
      hi = mid;
  }
  if (!j->count || j->pieces[lo].start > first ||
      end - j->pieces[lo].start > j->pieces[lo].len)
    return NULL;
  return &j->pieces[lo];
}

/* A field for one decoded block: 4^d contiguous values at `block`. */
static zfpc_field block_field(const selection_job *j, void *block)
{
  zfpc_field f = {0};
  unsigned a, size = traits_of(j->out->type)->size;
  f.type = j->out->type;
  f.dims = j->out->dims;
  f.data = block;
  for (a = 0; a < f.dims; a++) {
    f.n[a] = 4;
    f.stride[a] = (ptrdiff_t)size << (2 * a);
  }
  return f;
}

/* For a block whose values all land in the output in block order along
 * every axis (the inside of a box, forwards or backwards): a field for
 * one block that is that part of the output, so that the block decodes
 * straight into it.  0 for any other block. */
static int output_block(const selection_job *j, const size_t ordinal[4],
                        zfpc_field *f)
{
  const zfpc_field *out = j->out;
  char *origin = (char *)out->data;
  unsigned a;
  *f = *out;
  for (a = 0; a < out->dims; a++) {
    const axis_plan *ax = &j->axis[a];
    int step = ax->step[ordinal[a]];
    if (!step)
      return 0;
    /* the entry of the block's first value: the run is sorted by index */
    origin += (ptrdiff_t)ax->entries[ax->first[ordinal[a]]].pos * out->stride[a];
    f->n[a] = 4;
    f->stride[a] = step * out->stride[a];
  }
  f->data = origin;
  return 1;
}

static const block_grid one_block = {{1, 1, 1, 1}, 1};

/* Decode the next block of `r` to its places in the output: straight in,
 * or through `block` (§4.3 order) when only some of its values are
 * selected or they land out of order.  0 when the stream ends first. */
static int decode_selected(const selection_job *j, bit_reader *r,
                           const size_t ordinal[4], const zfpc_field *block)
{
  zfpc_field direct;
  if (output_block(j, ordinal, &direct))
    return j->decode(r, &direct, &one_block, j->p, 0, 1);
  if (!j->decode(r, block, &one_block, j->p, 0, 1))
    return 0;
  scatter_selected(j, ordinal, (const char *)block->data);
  return 1;
}

static void mark_truncated(selection_job *j)
{
  zfpc_mutex_lock(&j->lock);
  j->truncated = 1;
  zfpc_mutex_unlock(&j->lock);
}

/* Decode fixed-length selected blocks first .. last - 1; 0 when one lies
 * outside the pieces. */
static int decode_fixed(const selection_job *j, size_t first, size_t last,
                        uint64_t *block)
{
  zfpc_field f = block_field(j, block);
  size_t item, ordinal[4];
  for (item = first; item < last; item++) {
    size_t k = locate_item(j, item, ordinal);
    uint64_t start, end;
    const zfpc_piece *piece;
    bit_reader r;
    if (MUL_OVERFLOW_U64((uint64_t)k, j->block_bits, &start) ||
        ADD_OVERFLOW_U64(start, j->offset, &start) ||
        ADD_OVERFLOW_U64(start, j->block_bits + 7, &end))
      return 0;
    piece = piece_holding(j, start / 8, end / 8);
    if (!piece)
      return 0;
    reader_init(&r, piece->data, piece->len, start - 8 * (uint64_t)piece->start);
    if (!decode_selected(j, &r, ordinal, &f))
      return 0;
  }
  return 1;
}

static void *fixed_worker(void *arg)
{
  selection_job *j = (selection_job *)arg;
  uint64_t block[256];
  for (;;) {
    size_t first, last;
    zfpc_mutex_lock(&j->lock);
    first = j->truncated ? j->selected : j->next;
    j->next = first + BLOCKS_PER_TAKE < j->selected ? first + BLOCKS_PER_TAKE
                                                    : j->selected;
    last = j->next;
    zfpc_mutex_unlock(&j->lock);
    if (first >= last)
      return NULL;
    if (!decode_fixed(j, first, last, block))
      mark_truncated(j);
  }
}

/* One pass over variable-length blocks from the stream's start: the
 * selected ones are decoded, those before and between them measured. */
static int decode_variable(selection_job *j)
{
  uint64_t block[256];
  zfpc_field f = block_field(j, block);
  const zfpc_piece *piece = piece_holding(j, j->offset / 8, j->offset / 8);
  size_t item, next = 0, ordinal[4];
  bit_reader r;
  if (!piece)
    return 0;
  reader_init(&r, piece->data, piece->len, j->offset - 8 * (uint64_t)piece->start);
  for (item = 0; item < j->selected; item++) {
    size_t k = locate_item(j, item, ordinal);
    if (k > next && j->measure(&r, j->p, k - next, NULL) != k - next)
      return 0;
    if (!decode_selected(j, &r, ordinal, &f))
      return 0;
    next = k + 1;
  }
  return 1;
}

static zfpc_status plan_selection(selection_job *j, const size_t n[4],
                                  const size_t *const index[4])
{
  static const size_t origin = 0;  /* the one index of an unused axis */
  const zfpc_field *out = j->out;
  unsigned a;
  zfpc_status status;
  if (!traits_of(out->type)->size || out->dims < 1 || out->dims > 4 ||
      !out->data)
    return ZFPC_ERR_FIELD;
  if (zfpc_params_mode(j->p) == ZFPC_MODE_NULL)
    return ZFPC_ERR_PARAMS;
  j->array.type = out->type;
  j->array.dims = out->dims;
  for (a = 0; a < out->dims; a++)
    j->array.n[a] = n[a];
  status = grid_of_sizes(&j->grid, out->dims, n);
  if (status != ZFPC_OK)
    return status;
  j->selected = 1;
  for (a = 0; a < 4; a++) {
    int used = a < out->dims;
    if (used && out->n[a] < 1)
      return ZFPC_ERR_FIELD;
    status = plan_axis(&j->axis[a], used ? index[a] : &origin,
                       used ? out->n[a] : 1, used ? n[a] : 1);
    if (status != ZFPC_OK)
      return status;
    if (MUL_OVERFLOW_SIZE(j->selected, j->axis[a].nblocks, &j->selected))
      return ZFPC_ERR_TOO_LARGE;
  }
  j->decode = range_decoder_for(out->type, j->p, out->dims);
  j->measure = range_measurer_for(out->type, j->p, out->dims);
  j->block_bits = fixed_block_bits(out->type, j->p);
  return ZFPC_OK;
}

zfpc_status zfpc_decompress_selection(const zfpc_field *out, const size_t n[4],
                                      const size_t *const index[4],
                                      const zfpc_params *p,
                                      const zfpc_piece *pieces, size_t count,
                                      uint64_t bit_offset, unsigned threads)
{
  selection_job j = {0};
  zfpc_status status;
  j.out = out;
  j.p = p;
  j.pieces = pieces;
  j.count = count;
  j.offset = bit_offset;
  status = plan_selection(&j, n, index);
  if (status == ZFPC_OK && !j.block_bits)
    j.truncated = !decode_variable(&j);
  else if (status == ZFPC_OK) {
    size_t takes = (j.selected + BLOCKS_PER_TAKE - 1) / BLOCKS_PER_TAKE;
    unsigned workers = resolve_threads(threads), t, started = 0;
    zfpc_thread *ids;
    if (workers > takes)
      workers = (unsigned)takes;
    ids = workers > 1 ? malloc(sizeof *ids * workers) : NULL;
    zfpc_mutex_init(&j.lock);
    for (t = 1; ids && t < workers; t++)
      if (zfpc_thread_start(&ids[started], fixed_worker, &j) == 0)
        started++;
    fixed_worker(&j);
    for (t = 0; t < started; t++)
      zfpc_thread_join(&ids[t]);
    free(ids);
    zfpc_mutex_destroy(&j.lock);
  }
  free_plans(&j);
  if (status == ZFPC_OK && j.truncated)
    status = ZFPC_ERR_TRUNCATED;
  return status;
}
