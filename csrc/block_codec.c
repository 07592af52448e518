/* One block codec for the four scalar types, instantiated from templates
 * (the *.tmpl.h files, each of which states at its top what it needs): the
 * integer block coder (transform, bit-plane coder, integer blocks) for 32-
 * and 64-bit words, then the floating-point blocks for float and double on
 * top of the integer coder of their width.  Each type's range encoder and
 * decoder below is a thin composition of them. */
#include <math.h>
#include <string.h>
#include "block_codec.h"
#include "fill.h"
#include "format.h"

/* The integer block coder for 32-bit words (int32 arrays, float blocks)
 * and for 64-bit words (int64 arrays, double blocks). */
#define UINT uint32_t
#define INT int32_t
#define P 32u
#define PBITS 5
#define FN(x) x##32
#include "int_transform.tmpl.h"
#include "plane_coder.tmpl.h"
#include "int_block.tmpl.h"
#undef UINT
#undef INT
#undef P
#undef PBITS
#undef FN

#define UINT uint64_t
#define INT int64_t
#define P 64u
#define PBITS 6
#define FN(x) x##64
#include "int_transform.tmpl.h"
#include "plane_coder.tmpl.h"
#include "int_block.tmpl.h"
#undef UINT
#undef INT
#undef P
#undef PBITS
#undef FN

/* Floating-point blocks on the integer coder of their width. */
#define FLOAT float
#define UINT uint32_t
#define INT int32_t
#define P 32u
#define EBITS 8
#define EBIAS 127
#define LDEXP ldexpf
#define FABS fabsf
#define FN(x) x##_float
#define IFN(x) x##32
#include "float_block.tmpl.h"
#undef FLOAT
#undef UINT
#undef INT
#undef P
#undef EBITS
#undef EBIAS
#undef LDEXP
#undef FABS
#undef FN
#undef IFN

#define FLOAT double
#define UINT uint64_t
#define INT int64_t
#define P 64u
#define EBITS 11
#define EBIAS 1023
#define LDEXP ldexp
#define FABS fabs
#define FN(x) x##_double
#define IFN(x) x##64
#include "float_block.tmpl.h"
#undef FLOAT
#undef UINT
#undef INT
#undef P
#undef EBITS
#undef EBIAS
#undef LDEXP
#undef FABS
#undef FN
#undef IFN

/* Coding a range of consecutive blocks: whole blocks are copied inline,
 * partial ones by traverse.c.  `code` and `d` are constants at every call,
 * so each instance is one loop with the block coder inlined. */
static inline ALWAYS_INLINE void
encode_range_of(bit_writer *w, const zfpc_field *f, const block_grid *g,
                const zfpc_params *p, size_t first, size_t last, zfpc_report *report,
                const zfpc_missing *missing,
                unsigned (*code)(bit_writer *, const zfpc_params *, unsigned,
                                 const void *),
                unsigned d, unsigned size)
{
  uint64_t block[256], nonfinite = 0, range = 0, scale = 0;
  bit_writer local = *w;  /* a local copy can live in registers */
  block_cursor c;
  size_t b;
  cursor_at(g, first, &c);
  for (b = first; b < last; b++, cursor_next(g, &c)) {
    char *origin = full_block_origin(f, &c, d);
    unsigned flags;
    if (origin)
      copy_full_block(f, d, origin, (char *)block, size, TO_BLOCK);
    else
      gather_block(f, &c, block);
    if (missing)
      fill_block(f, c.b, origin != NULL, missing, block);
    flags = code(&local, p, d, block);
    nonfinite += flags & BLOCK_NONFINITE;
    range += (flags & BLOCK_RANGE) != 0;
    scale += (flags & BLOCK_SCALE) != 0;
  }
  *w = local;
  report->nonfinite_blocks += nonfinite;
  report->range_blocks += range;
  report->scale_blocks += scale;
}

/* The values of an empty block in every type: +0.0 or 0. */
static const uint64_t zero_block[256];

/* Store a decoded block (4^d values of `size` bytes; an empty one is not
 * read) as the block at c of f: a whole empty one's zeros straight into the
 * array, a partial one's scattered from zero_block. */
static inline ALWAYS_INLINE void place_block(const zfpc_field *f, const block_cursor *c,
                                             char *block, int empty, unsigned d,
                                             unsigned size)
{
  char *origin = full_block_origin(f, c, d);
  if (origin && empty)  /* (block is not read; a NULL one would be offset) */
    copy_full_block(f, d, origin, block, size, ZEROS_TO_ARRAY);
  else if (origin)
    copy_full_block(f, d, origin, block, size, FROM_BLOCK);
  else
    scatter_block(f, c, empty ? (const void *)zero_block : block);
}

/* Returns 0 when the stream ended before the last block.  A block decoder
 * returns 1 for an empty block, which it leaves to place_block. */
static inline ALWAYS_INLINE int
decode_range_of(bit_reader *r, const zfpc_field *f, const block_grid *g,
                const zfpc_params *p, size_t first, size_t last,
                int (*code)(bit_reader *, const zfpc_params *, unsigned,
                            void *),
                unsigned d, unsigned size)
{
  uint64_t block[256];
  block_cursor c;
  size_t b;
  cursor_at(g, first, &c);
  for (b = first; b < last; b++, cursor_next(g, &c)) {
    int empty = code(r, p, d, block);
    if (r->overrun)
      return 0;
    place_block(f, &c, (char *)block, empty, d, size);
  }
  return 1;
}

/* Read up to `count` blocks from the reader's position, each one's length
 * into lengths[] unless it is NULL, and its values after the last one's
 * into `blocks` unless it is NULL (measuring: a constant NULL, so that the
 * block coder rebuilds nothing); returns how many it read whole (fewer
 * when the stream ends first).  It places no block, so it moves no cursor
 * (about 8 instructions a block, 3 % of measuring a 1-D block). */
static inline ALWAYS_INLINE size_t
read_blocks_of(bit_reader *r, const zfpc_params *p, size_t count, uint16_t *lengths,
               char *blocks,
               int (*code)(bit_reader *, const zfpc_params *, unsigned, void *),
               unsigned d, unsigned size)
{
  const size_t bytes = (size_t)size << (2 * d);
  size_t b;
  for (b = 0; b < count; b++) {
    uint64_t start = reader_bits(r);
    char *block = blocks ? blocks + b * bytes : NULL;
    int empty = code(r, p, d, block);
    if (r->overrun)
      break;
    if (block && empty)
      memset(block, 0, bytes);
    if (lengths)
      lengths[b] = (uint16_t)(reader_bits(r) - start);
  }
  return b;
}

static inline ALWAYS_INLINE void place_blocks_of(const zfpc_field *f, const block_grid *g,
                                                 size_t first, size_t count,
                                                 char *blocks, unsigned d,
                                                 unsigned size)
{
  const size_t bytes = (size_t)size << (2 * d);
  block_cursor c;
  size_t b;
  cursor_at(g, first, &c);
  for (b = 0; b < count; b++, cursor_next(g, &c))
    place_block(f, &c, blocks + b * bytes, 0, d, size);
}

/* The range coders of each type, instantiated per rank. */
#define RANGE_CODERS_OF_RANK(kind, size, D)                                 \
  static void encode_##kind##_d##D(bit_writer *w, const zfpc_field *f,      \
                                   const block_grid *g,                     \
                                   const zfpc_params *p, size_t first,      \
                                   size_t last, zfpc_report *report,        \
                                   const zfpc_missing *missing)               \
  {                                                                         \
    encode_range_of(w, f, g, p, first, last, report, missing, encode_##kind,   \
                    D, size);                                               \
  }                                                                         \
  static size_t measure_##kind##_d##D(bit_reader *r, const zfpc_params *p,  \
                                      size_t count, uint16_t *lengths)      \
  {                                                                         \
    return read_blocks_of(r, p, count, lengths, NULL, decode_##kind, D,     \
                          size);                                            \
  }                                                                         \
  static size_t read_##kind##_d##D(bit_reader *r, const zfpc_params *p,     \
                                   size_t count, uint16_t *lengths,         \
                                   void *blocks)                            \
  {                                                                         \
    return read_blocks_of(r, p, count, lengths, (char *)blocks,             \
                          decode_##kind, D, size);                          \
  }                                                                         \
  static int decode_##kind##_d##D(bit_reader *r, const zfpc_field *f,       \
                                  const block_grid *g,                      \
                                  const zfpc_params *p, size_t first,       \
                                  size_t last)                              \
  {                                                                         \
    return decode_range_of(r, f, g, p, first, last, decode_##kind, D,       \
                           size);                                           \
  }
#define RANGE_CODERS(kind, size)                                            \
  RANGE_CODERS_OF_RANK(kind, size, 1) RANGE_CODERS_OF_RANK(kind, size, 2)   \
  RANGE_CODERS_OF_RANK(kind, size, 3) RANGE_CODERS_OF_RANK(kind, size, 4)
#define BY_RANK(code) {code##_d1, code##_d2, code##_d3, code##_d4}

RANGE_CODERS(lossy_int32, 4)
RANGE_CODERS(reversible_int32, 4)
RANGE_CODERS(lossy_int64, 8)
RANGE_CODERS(reversible_int64, 8)
RANGE_CODERS(lossy_float, 4)
RANGE_CODERS(reversible_float, 4)
RANGE_CODERS(lossy_double, 8)
RANGE_CODERS(reversible_double, 8)

/* Indexed by type code, then [lossy, reversible], then rank - 1. */
#define BY_TYPE_AND_RANK(coder)                                             \
  {                                                                         \
    {{0}},                                                                  \
    {BY_RANK(coder##_lossy_int32), BY_RANK(coder##_reversible_int32)},      \
    {BY_RANK(coder##_lossy_int64), BY_RANK(coder##_reversible_int64)},      \
    {BY_RANK(coder##_lossy_float), BY_RANK(coder##_reversible_float)},      \
    {BY_RANK(coder##_lossy_double), BY_RANK(coder##_reversible_double)},    \
  }
static const range_encoder encoders[5][2][4] = BY_TYPE_AND_RANK(encode);
static const range_decoder decoders[5][2][4] = BY_TYPE_AND_RANK(decode);
static const range_reader readers[5][2][4] = BY_TYPE_AND_RANK(read);
static const range_measurer measurers[5][2][4] = BY_TYPE_AND_RANK(measure);

/* Whether the tables have a coder for this type and rank. */
static int has_coder(zfpc_type type, unsigned d)
{
  return (unsigned)type <= 4 && d >= 1 && d <= 4;
}

range_encoder range_encoder_for(zfpc_type type, const zfpc_params *p,
                                unsigned d)
{
  if (!has_coder(type, d))
    return 0;
  return encoders[type][is_reversible(p)][d - 1];
}

range_decoder range_decoder_for(zfpc_type type, const zfpc_params *p,
                                unsigned d)
{
  if (!has_coder(type, d))
    return 0;
  return decoders[type][is_reversible(p)][d - 1];
}

range_measurer range_measurer_for(zfpc_type type, const zfpc_params *p,
                                  unsigned d)
{
  if (!has_coder(type, d))
    return 0;
  return measurers[type][is_reversible(p)][d - 1];
}

range_reader range_reader_for(zfpc_type type, const zfpc_params *p, unsigned d)
{
  if (!has_coder(type, d))
    return 0;
  return readers[type][is_reversible(p)][d - 1];
}

/* Placing needs only the values' size and the rank. */
#define PLACERS_OF_RANK(size, D)                                            \
  static void place_##size##_d##D(const zfpc_field *f, const block_grid *g, \
                                  size_t first, size_t count,               \
                                  void *blocks)                             \
  {                                                                         \
    place_blocks_of(f, g, first, count, (char *)blocks, D, size);           \
  }
#define PLACERS(size)                                                       \
  PLACERS_OF_RANK(size, 1) PLACERS_OF_RANK(size, 2)                         \
  PLACERS_OF_RANK(size, 3) PLACERS_OF_RANK(size, 4)
PLACERS(4)
PLACERS(8)

void place_blocks(const zfpc_field *f, const block_grid *g, size_t first, size_t count,
                  void *blocks)
{
  static void (*const placers[2][4])(const zfpc_field *, const block_grid *, size_t,
                                     size_t, void *) = {
    {place_4_d1, place_4_d2, place_4_d3, place_4_d4},
    {place_8_d1, place_8_d2, place_8_d3, place_8_d4},
  };
  placers[traits_of(f->type)->bits == 64][f->dims - 1](f, g, first, count, blocks);
}

/* A prefix of `head` bits, then at most min(budget, (prec + 1) * B - 1)
 * plane bits (format.md §9.3) where the budget is maxbits - head mod 2^32. */
static uint64_t coded_max_bits(const zfpc_params *p, unsigned head,
                               uint64_t planes_max)
{
  uint32_t budget = p->maxbits - head;
  return head + (budget < planes_max ? budget : planes_max);
}

uint64_t block_max_bits(zfpc_type type, const zfpc_params *p, unsigned d)
{
  const type_traits *t = traits_of(type);
  uint64_t size = (uint64_t)1 << (2 * d), bits;
  uint64_t prec = p->maxprec < t->bits ? p->maxprec : t->bits;
  uint64_t planes = (prec + 1) * size - 1;
  if (!is_reversible(p))
    bits = coded_max_bits(p, lossy_prefix_bits(t), planes);
  else if (!t->is_float)
    bits = coded_max_bits(p, t->pbits, planes);
  else {
    /* block floating point or reinterpretation, whichever is longer */
    uint64_t bfp = coded_max_bits(p, 2 + t->ebits + t->pbits, planes);
    uint64_t raw = coded_max_bits(p, 2 + t->pbits, planes);
    bits = bfp > raw ? bfp : raw;
  }
  return bits > p->minbits ? bits : p->minbits;
}
