/* Template: whole integer blocks of one word width, lossy (format.md §10)
 * and reversible (§11.2 - §11.5), for integer arrays and for the integers
 * that float blocks become (float_block.tmpl.h).  It composes the steps of
 * int_transform.tmpl.h and plane_coder.tmpl.h, which must be included
 * before it with the same parameters.
 *
 * A template is included once per word width, with no include guard.
 * Before each inclusion define:
 *   UINT   uint32_t or uint64_t: a P-bit word
 *   P      the width of UINT in bits, 32u or 64u
 *   PBITS  5 or 6: width of the reversible precision field (format.md §0)
 *   FN(x)  x##32 or x##64: the names this instantiation defines
 * It defines, all inline:
 *   FN(encode_ints_lossy), FN(decode_ints_lossy), FN(encode_ints_reversible),
 *     FN(decode_ints_reversible): a block of integers, without padding;
 *   FN(encode_lossy_int), FN(decode_lossy_int), FN(encode_reversible_int),
 *     FN(decode_reversible_int): a block of an integer array, padded to
 *     minbits, with the signature block_codec.c's range coders take.
 */
#include <stdint.h>
#include <string.h>
#include "bitstream.h"
#include "format.h"
#include "inline.h"

/* ------------------------------------------------------------------ */
/* Blocks of P-bit integers, from integer arrays or from float blocks    */

/* Lossy path (format.md §10, and §5.4 step 3 for floats): q is consumed.
 * `sparse` says that the values are likely far below 2^(P-2) (integer
 * arrays, unlike float blocks scaled to their maximum), so that the coder
 * skips the empty top planes in one step; the bits are the same either
 * way. */
static inline ALWAYS_INLINE void FN(encode_ints_lossy)(bit_writer *w, UINT *q, unsigned d,
                                  unsigned prec, uint32_t budget, int sparse)
{
  UINT u[256];
  FN(transform_block)(q, d, FWD_LIFT);
  FN(reorder_to_negabinary)(u, q, d);
  FN(encode_planes)(w, u, 1u << (2 * d), prec, budget, sparse);
}

/* A block of coefficients whose only nonzero one is the first (n <= 1
 * significant, in coding order; the plane decoder then stores only q[0])
 * transforms back to a constant block: both inverse transforms spread x
 * alone into (x, x, x, x) along each axis.  Sparse blocks are often like
 * that; this skips their transform. */
static inline ALWAYS_INLINE int FN(constant_block)(UINT *q, unsigned n, unsigned d)
{
  size_t size = (size_t)1 << (2 * d), i;
  UINT dc = q[0];
  if (n > 1)
    return 0;
  for (i = 1; i < size; i++)
    q[i] = dc;
  return 1;
}

static inline ALWAYS_INLINE void FN(decode_ints_lossy)(bit_reader *r, UINT *q, unsigned d,
                                  unsigned prec, uint32_t budget, int sparse)
{
  unsigned n = FN(decode_planes)(r, q, coefficient_order(d), 1u << (2 * d), prec,
                                 budget, sparse);
  if (!q || FN(constant_block)(q, n, d))
    return;
  if (d == 4 && n < 35)  /* from 35 on, the box is the whole block */
    FN(inverse_lift_sparse4)(q, n);
  else
    FN(transform_block)(q, d, INV_LIFT);
}

/* A constant block (every value c: the zeros of sparse fields, fill
 * values, labels) has the differences c, 0, 0, ..: each FWD_DIFF step
 * (int_transform.tmpl.h) turns a line (c, c, c, c) into (c, 0, 0, 0) and keeps a line
 * of zeros.  Then its coefficients, in coding order and negabinary, go to u
 * without the transform (measured: thousands of instructions for a 4-D
 * block; the lossy path does not test for it: its blocks are seldom
 * constant, and the test cost them 3-7 %).  Returns 0, leaving u alone,
 * for any other block. */
static inline ALWAYS_INLINE int FN(constant_differences)(UINT *u, const UINT *q,
                                                         unsigned size)
{
  const UINT c = q[0];
  UINT differ = 0;
  unsigned i;
  for (i = 1; i < size; i++)
    differ |= q[i] ^ c;
  if (differ)
    return 0;
  u[0] = FN(to_negabinary)(c);
  for (i = 1; i < size; i++)
    u[i] = 0;
  return 1;
}

/* format.md §11.3: the planes needed so that every lower plane is zero. */
static inline ALWAYS_INLINE unsigned FN(reversible_precision)(const UINT *u, unsigned size,
                                         unsigned maxprec)
{
  UINT any = 0;
  unsigned r, p;
  for (r = 0; r < size; r++)
    any |= u[r];
  p = any ? P - (unsigned)CTZ64((uint64_t)any) : 0;
  if (p > maxprec)
    p = maxprec;
  return p ? p : 1;
}

/* Reversible path (format.md §11.2 - §11.4): the PBITS field p - 1, then
 * the planes within budget - PBITS (unsigned, it may wrap). */
static inline ALWAYS_INLINE void FN(encode_ints_reversible)(bit_writer *w, UINT *q, unsigned d,
                                       unsigned maxprec, uint32_t budget,
                                       int sparse)
{
  UINT u[256];
  unsigned size = 1u << (2 * d), p;
  if (!FN(constant_differences)(u, q, size)) {
    FN(transform_block)(q, d, FWD_DIFF);
    FN(reorder_to_negabinary)(u, q, d);
  }
  p = FN(reversible_precision)(u, size, maxprec);
  write_bits(w, p - 1, PBITS);
  FN(encode_planes)(w, u, size, p, budget - PBITS, sparse);
}

static inline ALWAYS_INLINE void FN(decode_ints_reversible)(bit_reader *r, UINT *q, unsigned d,
                                       uint32_t budget, int sparse)
{
  unsigned p = (unsigned)read_bits(r, PBITS) + 1;
  unsigned n = FN(decode_planes)(r, q, coefficient_order(d), 1u << (2 * d), p,
                                 budget - PBITS, sparse);
  if (!q || FN(constant_block)(q, n, d))
    return;
  FN(transform_block)(q, d, INV_DIFF);
}

/* ------------------------------------------------------------------ */
/* Blocks of integer arrays (format.md §10, §11.4): no block header, the */
/* values are coded as they are, the lossy plane limit is maxprec.       */

/* BLOCK_RANGE when zfp's lossy transform can wrap a value of the block,
 * which then comes back with its sign flipped: a value outside
 * [-2^(P-2), 2^(P-2)), the range zfp takes integers in (format.md §6.5),
 * or values within WRAP_EDGE of both its ends.  (-2^(P-2) beside
 * 2^(P-2) - 1 on a line makes the first lifting step's half-difference
 * 2^(P-2), and two of those sum past the word in the next step: a 2-D
 * int32 block of them came back with a value 2^31 off, zfp's the same.
 * Each pass can round a span of values up by a unit or two, so spans
 * within WRAP_EDGE of 2^(P-1) are counted too; searched, none narrower
 * wrapped.)  v is inside exactly when v + 2^(P-2), as a P-bit word, is
 * below 2^(P-1); near the low end when v + 2^(P-2) - WRAP_EDGE is
 * negative, near the high end when 2^(P-2) - 1 - WRAP_EDGE - v is. */
static inline ALWAYS_INLINE unsigned FN(beyond_int_range)(const UINT *q, unsigned size)
{
  const UINT half = (UINT)1 << (P - 2);
  UINT outside = 0, low = 0, high = 0;
  unsigned i;
  for (i = 0; i < size; i++) {
    outside |= (UINT)(q[i] + half);
    low |= (UINT)(q[i] + (half - WRAP_EDGE));
  }
  if (outside >> (P - 1))
    return BLOCK_RANGE;
  if (!(low >> (P - 1)))
    return 0;  /* nothing near the low end: no span to check (most blocks) */
  for (i = 0; i < size; i++)
    high |= (UINT)((half - 1 - WRAP_EDGE) - q[i]);
  return high >> (P - 1) ? BLOCK_RANGE : 0;
}

static inline ALWAYS_INLINE unsigned FN(encode_int_block)(bit_writer *w,
                                                          const zfpc_params *p,
                                                          unsigned d,
                                                          const void *block,
                                                          int reversible)
{
  UINT q[256];
  unsigned flags = 0;
  uint64_t start = writer_bits(w);
  memcpy(q, block, sizeof(UINT) << (2 * d));
  if (reversible)
    FN(encode_ints_reversible)(w, q, d, p->maxprec, p->maxbits, 1);
  else {
    flags = FN(beyond_int_range)(q, 1u << (2 * d));
    FN(encode_ints_lossy)(w, q, d, p->maxprec, p->maxbits, 1);
  }
  pad_block(w, start, p->minbits);
  return flags;
}

static inline ALWAYS_INLINE void FN(decode_int_block)(bit_reader *r,
                                                      const zfpc_params *p,
                                                      unsigned d, void *block,
                                                      int reversible)
{
  UINT q[256], *ints = block ? q : NULL;
  uint64_t start = reader_bits(r);
  if (reversible)
    FN(decode_ints_reversible)(r, ints, d, p->maxbits, 1);
  else
    FN(decode_ints_lossy)(r, ints, d, p->maxprec, p->maxbits, 1);
  skip_block(r, start, p->minbits);
  if (block)
    memcpy(block, q, sizeof(UINT) << (2 * d));
}

/* Integer blocks hold no non-finite value and are coded without a
 * tolerance: their one flag (block_codec.h) is BLOCK_RANGE for values
 * beyond zfp's integer range. */
static inline ALWAYS_INLINE unsigned FN(encode_lossy_int)(bit_writer *w, const zfpc_params *p,
                                                          unsigned d, const void *block)
{
  return FN(encode_int_block)(w, p, d, block, 0);
}

/* They store every block they decode: they return 0 (float_block.tmpl.h
 * says what 1 would mean). */
static inline ALWAYS_INLINE int FN(decode_lossy_int)(bit_reader *r, const zfpc_params *p,
                                                     unsigned d, void *block)
{
  FN(decode_int_block)(r, p, d, block, 0);
  return 0;
}

static inline ALWAYS_INLINE unsigned FN(encode_reversible_int)(bit_writer *w,
                                                               const zfpc_params *p,
                                                               unsigned d, const void *block)
{
  return FN(encode_int_block)(w, p, d, block, 1);
}

static inline ALWAYS_INLINE int FN(decode_reversible_int)(bit_reader *r, const zfpc_params *p,
                                                          unsigned d, void *block)
{
  FN(decode_int_block)(r, p, d, block, 1);
  return 0;
}
