/* Template: the floating-point blocks of one scalar type, lossy (format.md
 * §5) and reversible (§11.6 - §11.10): each turns a block of values into
 * P-bit integers and hands them to the integer block coder of the same
 * width (int_block.tmpl.h), which must be included before it.
 *
 * A template is included once per scalar type, with no include guard.
 * Before each inclusion define:
 *   FLOAT, UINT, INT  the value type and its P-bit unsigned/signed twins
 *   P                 the width of UINT in bits, 32u or 64u
 *   EBITS, EBIAS      exponent field width and bias (format.md §0)
 *   FABS              fabsf or fabs
 *   LDEXP             ldexpf or ldexp, for powers of two outside the
 *                     normal range (they are computed in the source type,
 *                     as zfp does)
 *   FN(x), IFN(x)     name suffixes of this instantiation and of the
 *                     integer coder of the same width
 * It defines, all inline, FN(encode_lossy), FN(decode_lossy),
 * FN(encode_reversible) and FN(decode_reversible): a block of the array,
 * padded to minbits where zfp pads it, with the signature block_codec.c's
 * range coders take.  The macros it defines for itself are #undef'd at its
 * end.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "bitstream.h"
#include "format.h"
#include "inline.h"

#define INT_MIN_PATTERN ((UINT)1 << (P - 1))
#define MAGNITUDE_MASK (INT_MIN_PATTERN - 1)

#define MANTISSA_BITS (P - 1 - EBITS)
/* The block reductions keep this many partial results (two SSE registers
 * of FLOAT), each over every LANES-th value, so that they vectorise. */
#define LANES (32 / sizeof(FLOAT))

/* 2^e in the source type, as LDEXP(1, e) gives it: built from its bits
 * where it is a normal number. */
static inline FLOAT FN(pow2)(int e)
{
  if (e >= 1 - EBIAS && e <= EBIAS) {
    UINT bits = (UINT)(e + EBIAS) << MANTISSA_BITS;
    FLOAT v;
    memcpy(&v, &bits, sizeof v);
    return v;
  }
  return LDEXP((FLOAT)1, e);
}

/* Value i of a block held as raw storage (the range coder's buffer of
 * words): read in place, where a copy into a FLOAT array would cost a pass
 * of its own (the memcpy is a plain load). */
static inline ALWAYS_INLINE FLOAT FN(value)(const void *v, unsigned i)
{
  FLOAT x;
  memcpy(&x, (const char *)v + i * sizeof x, sizeof x);
  return x;
}

/* format.md §5.1: emax from a running maximum of |v| that NaN never enters;
 * -EBIAS for an all-zero block, so "emax > -EBIAS" means "not empty".
 * The frexp exponent of a normal maximum is its biased exponent field
 * minus EBIAS - 1; a subnormal maximum clamps to 1 - EBIAS. */
static inline ALWAYS_INLINE int FN(block_emax)(const void *v, unsigned size)
{
  FLOAT lane[LANES] = {0}, max;
  unsigned lanes = size < LANES ? size : LANES, i, j;
  UINT bits;
  int e;
  for (i = 0; i < size; i += lanes)
    SIMD_LOOP
    for (j = 0; j < lanes; j++) {
      FLOAT a = FABS(FN(value)(v, i + j));
      lane[j] = a > lane[j] ? a : lane[j];  /* a max instruction; NaN keeps lane[j] */
    }
  max = lane[0];
  for (j = 1; j < lanes; j++)
    max = lane[j] > max ? lane[j] : max;
  if (!(max > 0))
    return -EBIAS;
  if (isinf(max))
    return 0;  /* glibc's frexp reports exponent 0 for infinity */
  memcpy(&bits, &max, sizeof bits);
  e = (int)(bits >> MANTISSA_BITS) - EBIAS + 1;
  return e > 1 - EBIAS ? e : 1 - EBIAS;
}

/* format.md §5.5: q = trunc(v * 2^(P-2-emax)), the scale and the product in the
 * source type.  Products that are NaN, infinite or outside the P-bit range
 * become -2^(P-1), the value x86-64 converts them to (zfpy's platform).
 * Finite values stay inside (|v| < 2^emax), so the return value, non-zero
 * when a product was outside, tells whether the block held NaN or +-inf:
 * the range test is the select's own. */
static inline ALWAYS_INLINE unsigned FN(fwd_cast)(UINT *q, const void *v, unsigned size,
                                                  int emax)
{
  const FLOAT scale = FN(pow2)((int)P - 2 - emax);
  const FLOAT limit = FN(pow2)((int)P - 1);
  unsigned i, outside = 0;
  for (i = 0; i < size; i++) {
    FLOAT x = scale * FN(value)(v, i);
    int inside = x >= -limit && x < limit;
    outside |= !inside;
    /* select, then convert: -limit converts to -2^(P-1) exactly */
    q[i] = (UINT)(INT)(inside ? x : -limit);
  }
  return outside;
}

/* Whether a block that fwd_cast never sees (empty, or all below the
 * tolerance) holds NaN or +-inf: v * 0 is 0 for a finite v, NaN for the
 * others, so a sum is NaN exactly when one is there (sums that vectorise,
 * where isfinite's tests do not). */
static inline ALWAYS_INLINE unsigned FN(has_nonfinite)(const void *v, unsigned size)
{
  FLOAT lane[LANES] = {0};
  unsigned lanes = size < LANES ? size : LANES, i, j, found = 0;
  for (i = 0; i < size; i += lanes)
    for (j = 0; j < lanes; j++)
      lane[j] += FN(value)(v, i + j) * 0;
  for (j = 0; j < lanes; j++)
    found |= lane[j] != lane[j];
  return found;
}

/* Bit pattern i of a block held as raw storage, as FN(value) reads values. */
static inline ALWAYS_INLINE UINT FN(pattern)(const void *v, unsigned i)
{
  UINT x;
  memcpy(&x, (const char *)v + i * sizeof x, sizeof x);
  return x;
}

/* Whether every value of a block is +0 or -0: no bit besides its sign.  An
 * OR of the bit patterns vectorises and answers sooner than the block
 * maximum, which the empty blocks of sparse fields then skip, with the
 * test for NaN it needed (measured, ns a block, sparse float64 fields: 2-D
 * at rate 4 16.5 -> 14.0, 3-D at precision 20 37.5 -> 33.1; dense fields,
 * where the first value's bits skip the test, within 1 %). */
static inline ALWAYS_INLINE int FN(only_zeros)(const void *v, unsigned size)
{
  UINT lane[LANES] = {0}, any = 0;
  unsigned lanes = size < LANES ? size : LANES, i, j;
  for (i = 0; i < size; i += lanes)
    SIMD_LOOP
    for (j = 0; j < lanes; j++) {
      UINT bits;
      memcpy(&bits, (const char *)v + (i + j) * sizeof bits, sizeof bits);
      lane[j] |= bits;
    }
  for (j = 0; j < lanes; j++)
    any |= lane[j];
  return (UINT)(any << 1) == 0;
}

/* format.md §5.7: v = float(q) * 2^(emax-P+2), two roundings in the target
 * type; v is raw storage (the caller's block of scalars, or q itself). */
static inline ALWAYS_INLINE void FN(inv_cast)(void *v, const UINT *q, unsigned size, int emax)
{
  const FLOAT scale = FN(pow2)(emax - ((int)P - 2));
  unsigned i;
  UNROLL(16)  /* measured: the rolled loop reloads its pointers each turn */
  for (i = 0; i < size; i++) {
    FLOAT x = (FLOAT)(INT)q[i] * scale;
    memcpy((char *)v + i * sizeof x, &x, sizeof x);
  }
}

/* ------------------------------------------------------------------ */
/* Lossy float blocks (format.md §5)                                   */

/* format.md §5.2 as zfp's x86-64 build computes it: emax - minexp in a
 * 32-bit int, which wraps where it passes -2^31 (an expert minexp near
 * 2^31), then tested against -(2d + 2), so such a block keeps maxprec
 * planes. */
static inline ALWAYS_INLINE unsigned FN(lossy_precision)(int emax, const zfpc_params *p, unsigned d)
{
  int32_t span = (int32_t)((uint32_t)emax - (uint32_t)p->minexp);
  uint32_t prec;
  if (span <= -(int32_t)(2 * d + 2))
    return 0;
  prec = (uint32_t)span + 2 * d + 2;
  return prec < p->maxprec ? prec : p->maxprec;
}

/* Whether block floating point cannot carry a block of finite values whose
 * largest magnitude lies in [2^(emax-1), 2^emax): below 2^(P-2-EBIAS-1)
 * the scale 2^(P-2-emax) overflows, so every value converts as NaN or
 * +-inf would (fwd_cast); in the top binade emax = EBIAS + 1, a decoded
 * integer that comes back a little larger times 2^(emax-P+2) rounds up to
 * 2^(EBIAS+1), which is infinite.  zfp codes such blocks all the same. */
static inline ALWAYS_INLINE int FN(out_of_scale)(int emax)
{
  return (int)P - 2 - emax > EBIAS || emax > EBIAS;
}

/* The flag of a block whose conversion went out of range (fwd_cast): tiny
 * values convert as NaN and +-inf do, so which it holds is tested here. */
static NEVER_INLINE unsigned FN(outside_flag)(int emax, const void *block, unsigned size)
{
  return FN(out_of_scale)(emax) && !FN(has_nonfinite)(block, size) ? BLOCK_SCALE
                                                                   : BLOCK_NONFINITE;
}

/* Returns the block's BLOCK_NONFINITE, BLOCK_RANGE or BLOCK_SCALE flag
 * (block_codec.h), or 0. */
static inline ALWAYS_INLINE unsigned FN(encode_lossy)(bit_writer *w, const zfpc_params *p,
                                                      unsigned d, const void *block)
{
  unsigned size = 1u << (2 * d), prec;
  uint64_t start = writer_bits(w);
  UINT q[256];
  unsigned nonfinite;
  int emax;
  /* the first value's bits tell first: dense blocks then skip the test */
  if (!(UINT)(FN(pattern)(block, 0) << 1) && FN(only_zeros)(block, size)) {
    write_bit(w, 0);  /* format.md §5.3: empty block */
    pad_block(w, start, p->minbits);
    return 0;
  }
  emax = FN(block_emax)(block, size);
  prec = FN(lossy_precision)(emax, p, d);
  if (emax == -EBIAS || !prec) {
    write_bit(w, 0);  /* empty too */
    /* no magnitude above zero, yet not only zeros: NaN is there */
    nonfinite = emax == -EBIAS || FN(has_nonfinite)(block, size);
  }
  else {
    write_bits(w, 2 * (uint64_t)(emax + EBIAS) + 1, 1 + EBITS);
    nonfinite = FN(fwd_cast)(q, block, size, emax);
    IFN(encode_ints_lossy)(w, q, d, prec, p->maxbits - (1 + EBITS), 0);
  }
  pad_block(w, start, p->minbits);
  if (nonfinite)
    return FN(outside_flag)(emax, block, size);
  /* Fixed accuracy holds while the planes it asks for (format.md §5.2, before
   * the cap at maxprec) fit the P-bit integers of block floating point;
   * past that, the conversion's own step 2^(emax-P+2) and the transform's
   * rounding exceed 2^minexp. */
  if (emax > EBIAS)
    return BLOCK_SCALE;
  return emax != -EBIAS && (int64_t)emax - p->minexp + 2 * (int64_t)d + 2 > (int64_t)P
         ? BLOCK_RANGE : 0;
}

/* Returns 1, leaving `block` as it was, for an empty block (format.md
 * §5.3: all +0.0), which the caller stores as such. */
static inline ALWAYS_INLINE int FN(decode_lossy)(bit_reader *r, const zfpc_params *p, unsigned d,
                                                 void *block)
{
  unsigned size = 1u << (2 * d);
  uint64_t start = reader_bits(r);
  UINT q[256];
  int empty = !read_bit(r);
  if (!empty) {
    int emax = (int)read_bits(r, EBITS) - EBIAS;
    IFN(decode_ints_lossy)(r, block ? q : NULL, d,
                           FN(lossy_precision)(emax, p, d),
                           p->maxbits - (1 + EBITS), 0);
    if (block)
      FN(inv_cast)(block, q, size, emax);
  }
  skip_block(r, start, p->minbits);
  return empty;
}

/* ------------------------------------------------------------------ */
/* Reversible float blocks (format.md §11.6 - §11.10)                  */

/* format.md §11.7, tested as zfp does: convert to block floating point,
 * convert back, and compare bit patterns.  The conversion is attempted only
 * where it is defined: finite scale, finite values, integral products. */
static inline ALWAYS_INLINE int FN(bfp_is_lossless)(UINT *q, const void *v, unsigned size, int emax)
{
  const FLOAT scale = FN(pow2)((int)P - 2 - emax);
  const FLOAT back = FN(pow2)(emax - ((int)P - 2));
  const FLOAT limit = FN(pow2)((int)P - 1);
  unsigned i;
  if (emax == -EBIAS || isinf(scale))
    return 0;
  for (i = 0; i < size; i++) {
    FLOAT x = scale * FN(value)(v, i), y;
    /* the range test keeps the conversion defined (inf after a large
     * finite value makes emax 0, so x may be huge or infinite) */
    if (!(x >= -limit && x < limit) || x != (FLOAT)(INT)x)
      return 0;
    q[i] = (UINT)(INT)x;
    y = (FLOAT)(INT)q[i] * back;
    if (memcmp(&y, (const char *)v + i * sizeof y, sizeof y))
      return 0;
  }
  return 1;
}

/* format.md §11.8: negative patterns keep the sign bit and flip the
 * others; the map is its own inverse.  q may be `bits` itself. */
static inline ALWAYS_INLINE void FN(reinterpret)(UINT *q, const void *bits, unsigned size)
{
  unsigned i;
  for (i = 0; i < size; i++) {
    UINT b = FN(pattern)(bits, i);
    q[i] = b & INT_MIN_PATTERN ? b ^ MAGNITUDE_MASK : b;
  }
}

/* Reversible blocks are exact whatever they hold: no flags. */
static inline ALWAYS_INLINE unsigned FN(encode_reversible)(bit_writer *w, const zfpc_params *p,
                                                           unsigned d, const void *block)
{
  unsigned size = 1u << (2 * d), i;
  uint64_t start = writer_bits(w);
  UINT q[256], any = 0;
  for (i = 0; i < size; i++)
    any |= FN(pattern)(block, i);
  if (!any) {
    /* format.md §11.10: zfp does not pad an empty block to minbits (its decoder
     * does skip them; only expert parameters can tell) */
    write_bit(w, 0);
    return 0;
  }
  {
    int emax = FN(block_emax)(block, size);
    if (FN(bfp_is_lossless)(q, block, size, emax)) {
      write_bits(w, 1, 2);  /* stream bits 1, 0 */
      write_bits(w, (uint64_t)(emax + EBIAS), EBITS);
      IFN(encode_ints_reversible)(w, q, d, p->maxprec, p->maxbits - (2 + EBITS), 0);
    }
    else {
      write_bits(w, 3, 2);  /* stream bits 1, 1 */
      FN(reinterpret)(q, block, size);
      IFN(encode_ints_reversible)(w, q, d, p->maxprec, p->maxbits - 2, 0);
    }
  }
  pad_block(w, start, p->minbits);
  return 0;
}

/* Returns 1, leaving `block` as it was, for an empty block (format.md
 * §11.10: all +0.0), which the caller stores as such. */
static inline ALWAYS_INLINE int FN(decode_reversible)(bit_reader *r, const zfpc_params *p,
                                                      unsigned d, void *block)
{
  unsigned size = 1u << (2 * d);
  uint64_t start = reader_bits(r);
  UINT q[256], *ints = block ? q : NULL;
  if (!read_bit(r)) {
    skip_block(r, start, p->minbits);
    return 1;
  }
  if (!read_bit(r)) {
    unsigned e = (unsigned)read_bits(r, EBITS);
    IFN(decode_ints_reversible)(r, ints, d, p->maxbits - (2 + EBITS), 0);
    if (block && e == 0)  /* format.md §11.9: never written; +0.0 */
      memset(q, 0, size * sizeof(UINT));
    else if (block)
      FN(inv_cast)(q, q, size, (int)e - EBIAS);  /* in place, one by one */
  }
  else {
    IFN(decode_ints_reversible)(r, ints, d, p->maxbits - 2, 0);
    if (block)
      FN(reinterpret)(q, q, size);
  }
  skip_block(r, start, p->minbits);
  if (block)
    memcpy(block, q, size * sizeof(UINT));
  return 0;
}

#undef INT_MIN_PATTERN
#undef MAGNITUDE_MASK
#undef MANTISSA_BITS
#undef LANES
