/* Template: the integer block transforms of one word width, taking a block
 * of 4^d P-bit values to coefficients in coding order and back (format.md
 * §6 - §8, §11.2).  Part of the integer block coder, with
 * plane_coder.tmpl.h and int_block.tmpl.h.
 *
 * A template is included once per word width, with no include guard.
 * Before each inclusion define:
 *   UINT   uint32_t or uint64_t: a P-bit word; all arithmetic wraps mod 2^P
 *   INT    its signed twin, used only for the arithmetic shift
 *   P      the width of UINT in bits, 32u or 64u
 *   FN(x)  x##32 or x##64: the names this instantiation defines
 * It defines, all inline:
 *   FN(transform_block), which applies one of the line steps (enum
 *     line_step, defined once: FWD_LIFT and INV_LIFT, lossy, format.md §6;
 *     FWD_DIFF and INV_DIFF, reversible, §11.2) along every axis of a block,
 *     and FN(inverse_lift_sparse4), INV_LIFT of a 4-D block with few nonzero
 *     coefficients;
 *   FN(reorder_to_negabinary), FN(put_coefficient) and the single
 *     value FN(from_negabinary) (§7, §8).
 * Signed values are kept in UINT so that every addition wraps as the
 * format requires; `>> 1` on a signed value is FN(asr), and on a vector
 * of them FN(asr_lanes).  The macros it defines for itself are #undef'd
 * at its end.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "inline.h"
#include "order.h"
#include "portable.h"

#define NEGABINARY_MASK ((UINT)UINT64_C(0xaaaaaaaaaaaaaaaa))

/* Arithmetic shift right by one of a P-bit two's-complement value.  (The
 * conversion to INT and the signed shift are implementation-defined in C;
 * every compiler we build with defines them as two's complement.) */
static inline UINT FN(asr)(UINT v)
{
  return (UINT)((INT)v >> 1);
}

/* ------------------------------------------------------------------ */
/* The steps on one line of 4 values                                   */

/* The steps a block transform applies to each of its lines; the inverse
 * ones run over the axes backward (format.md §6.4). */
#ifndef ZFPC_LINE_STEPS
#define ZFPC_LINE_STEPS
enum line_step { FWD_LIFT, INV_LIFT, FWD_DIFF, INV_DIFF };
#endif

/* Lines transformed at once, as the lanes of a vector: 32-bit lines four
 * at a time (a 16-byte vector: SSE2, NEON), where the compiler has GCC's
 * vector types and __builtin_shufflevector (csrc/portable.h,
 * ZFPC_VECTORS); 64-bit lines, for which SSE2 has no arithmetic shift,
 * one at a time.  A vector's lanes are independent lines, so each step
 * is written once, for a line of 4 words or of 4 vectors. */
#if P == 32 && defined(ZFPC_VECTORS)
#define LANES 4u
typedef UINT FN(lanes) __attribute__((vector_size(16)));
typedef INT FN(signed_lanes) __attribute__((vector_size(16)));
#define LINE_LOOP_UNROLL
#else
#define LANES 1u
typedef UINT FN(lanes);
typedef INT FN(signed_lanes);
#define LINE_LOOP_UNROLL UNROLL(64)  /* measured: one line's loops fully unrolled */
#endif

static inline ALWAYS_INLINE FN(lanes) FN(asr_lanes)(FN(lanes) v)
{
  return (FN(lanes))((FN(signed_lanes))v >> 1);
}

/* `step` on the line v[0..3] (words, or vectors of lines): format.md's
 * x, y, z, w; ASR the arithmetic shift for its type. */
#define LINE_STEP(v, step, ASR)                                              \
  switch (step) {                                                            \
    case FWD_LIFT: /* format.md §6.1 */                                      \
      v[0] = ASR(v[0] + v[3]); v[3] -= v[0];                                 \
      v[2] = ASR(v[2] + v[1]); v[1] -= v[2];                                 \
      v[0] = ASR(v[0] + v[2]); v[2] -= v[0];                                 \
      v[3] = ASR(v[3] + v[1]); v[1] -= v[3];                                 \
      v[3] += ASR(v[1]); v[1] -= ASR(v[3]);                                  \
      break;                                                                 \
    case INV_LIFT: /* §6.3 */                                                \
      v[1] += ASR(v[3]); v[3] -= ASR(v[1]);                                  \
      v[1] += v[3]; v[3] <<= 1; v[3] -= v[1];                                \
      v[2] += v[0]; v[0] <<= 1; v[0] -= v[2];                                \
      v[1] += v[2]; v[2] <<= 1; v[2] -= v[1];                                \
      v[3] += v[0]; v[0] <<= 1; v[0] -= v[3];                                \
      break;                                                                 \
    case FWD_DIFF: /* §11.2: backward differences of order 0..3 */           \
      v[3] -= v[2]; v[2] -= v[1]; v[1] -= v[0];                              \
      v[3] -= v[2]; v[2] -= v[1];                                            \
      v[3] -= v[2];                                                          \
      break;                                                                 \
    default: /* INV_DIFF, §11.5: running sums */                             \
      v[3] += v[2];                                                          \
      v[2] += v[1]; v[3] += v[2];                                            \
      v[1] += v[0]; v[2] += v[1]; v[3] += v[2];                              \
      break;                                                                 \
  }

static inline ALWAYS_INLINE void FN(step_lanes)(FN(lanes) *v, enum line_step step)
{
  LINE_STEP(v, step, FN(asr_lanes))
}

/* The one line of a 1-D block, moved a word at a time (measured: as one
 * 16-byte copy, 1-D float32 encoding took 8-14 % longer). */
static inline ALWAYS_INLINE void FN(step_line)(UINT *p, enum line_step step)
{
  UINT v[4];
  unsigned k;
  for (k = 0; k < 4; k++)
    v[k] = p[k];
  LINE_STEP(v, step, FN(asr))
  for (k = 0; k < 4; k++)
    p[k] = v[k];
}

/* ------------------------------------------------------------------ */
/* Transforms of a block, LANES lines at a time                        */

/* The 4 x 4 words of v[0..3] transposed: lane j of v[k] becomes lane k of
 * v[j] (nothing to do for one lane). */
static inline ALWAYS_INLINE void FN(transpose)(FN(lanes) *v)
{
#if LANES == 4
  FN(lanes) a = __builtin_shufflevector(v[0], v[1], 0, 4, 1, 5);
  FN(lanes) b = __builtin_shufflevector(v[2], v[3], 0, 4, 1, 5);
  FN(lanes) c = __builtin_shufflevector(v[0], v[1], 2, 6, 3, 7);
  FN(lanes) e = __builtin_shufflevector(v[2], v[3], 2, 6, 3, 7);
  v[0] = __builtin_shufflevector(a, b, 0, 1, 4, 5);
  v[1] = __builtin_shufflevector(a, b, 2, 3, 6, 7);
  v[2] = __builtin_shufflevector(c, e, 0, 1, 4, 5);
  v[3] = __builtin_shufflevector(c, e, 2, 3, 6, 7);
#else
  (void)v;
#endif
}

/* `step` on the lines along x of a block of 4^D values (D >= 2): LANES
 * lines are LANES rows of memory, transposed so that each lane holds one
 * line. */
static inline ALWAYS_INLINE void FN(transform_x)(UINT *q, unsigned D, enum line_step step)
{
  size_t size = (size_t)1 << (2 * D), hi;
  unsigned k;
  LINE_LOOP_UNROLL
  for (hi = 0; hi < size; hi += 4 * LANES) {
    FN(lanes) v[4];
    for (k = 0; k < 4; k++)
      memcpy(&v[k], q + hi + k * LANES, sizeof v[k]);
    FN(transpose)(v);
    FN(step_lanes)(v, step);
    FN(transpose)(v);
    for (k = 0; k < 4; k++)
      memcpy(q + hi + k * LANES, &v[k], sizeof v[k]);
  }
}

/* `step` on the lines along axis a (values 4^a apart) of a block of 4^D
 * values: LANES lines that start at consecutive values are LANES
 * consecutive values of each of their 4 rows of memory (for a = 0, only
 * with one lane). */
static inline ALWAYS_INLINE void FN(transform_rows)(UINT *q, unsigned D, unsigned a,
                                                    enum line_step step)
{
  size_t size = (size_t)1 << (2 * D), s = (size_t)1 << (2 * a), hi, lo;
  unsigned k;
  LINE_LOOP_UNROLL
  for (hi = 0; hi < size; hi += 4 * s)
    LINE_LOOP_UNROLL
    for (lo = 0; lo < s; lo += LANES) {
      FN(lanes) v[4];
      for (k = 0; k < 4; k++)
        memcpy(&v[k], q + hi + lo + k * s, sizeof v[k]);
      FN(step_lanes)(v, step);
      for (k = 0; k < 4; k++)
        memcpy(q + hi + lo + k * s, &v[k], sizeof v[k]);
    }
}

/* The inverse lift (§6.4, w first) of a 4-D block whose first n
 * coefficients in coding order (n >= 2) are its only nonzero ones.  Those
 * lie in a box of e values from 0 along every axis (e: the first 11 have
 * every index under 2, the first 31 under 3: order.h's order4), and a line
 * of zeros lifts to zeros: lines along axis a need lifting only where the
 * axes below a are within the box (the axes above are lifted, and full).
 * With LANES lines along x at a time, the passes along w and z lift a
 * quarter to nine sixteenths of their lines (measured, 4-D int32 at
 * precision 20, a few coefficients a block: 478 -> 428 ns a block; 3-D
 * blocks gained nothing). */
static inline ALWAYS_INLINE void FN(inverse_lift_sparse4)(UINT *q, unsigned n)
{
  const unsigned e = n <= 11 ? 2 : n <= 31 ? 3 : 4, ex = LANES > 1 ? 4 : e;
  unsigned a, k, hi, c1, c2, x;
  for (a = 3; a >= 1; a--) {
    unsigned s = 1u << (2 * a), e1 = a > 1 ? e : 1, e2 = a > 2 ? e : 1;
    for (hi = 0; hi < 256; hi += 4 * s)
      for (c2 = 0; c2 < e2; c2++)
        for (c1 = 0; c1 < e1; c1++)
          for (x = 0; x < ex; x += LANES) {
            UINT *line = q + hi + x + 4 * c1 + 16 * c2;
            FN(lanes) v[4];
            for (k = 0; k < 4; k++)
              memcpy(&v[k], line + k * s, sizeof v[k]);
            FN(step_lanes)(v, INV_LIFT);
            for (k = 0; k < 4; k++)
              memcpy(line + k * s, &v[k], sizeof v[k]);
          }
  }
  if (LANES > 1)
    FN(transform_x)(q, 4, INV_LIFT);
  else
    FN(transform_rows)(q, 4, 0, INV_LIFT);
}

/* `step` along every axis of a block of 4^D values, x first (format.md
 * §6.2) or, for the inverse steps, w first (§6.4: the lifting steps do not
 * commute; the differences do, §11.2, and take the same order).  Called
 * with D and step constant.  The loop over the axes stays a loop
 * (measured: unrolled, it sped 3-D int32 decoding up to 1.5x in the
 * compiler-vectorised transforms this replaced, and slowed 4-D int64
 * coding 2x). */
static inline ALWAYS_INLINE void FN(transform_axes)(UINT *q, unsigned D, enum line_step step)
{
  int backward = step == INV_LIFT || step == INV_DIFF;
  unsigned a;
  if (D == 1) {
    FN(step_line)(q, step);
    return;
  }
  for (a = 0; a < D; a++) {
    unsigned axis = backward ? D - 1 - a : a;
    if (axis == 0 && LANES > 1)
      FN(transform_x)(q, D, step);
    else
      FN(transform_rows)(q, D, axis, step);
  }
}

/* Call BODY(D) with D = d as a constant (d is 1..4). */
#define WITH_CONSTANT_RANK(d, BODY) \
  switch (d) {                      \
    case 1: BODY(1); break;         \
    case 2: BODY(2); break;         \
    case 3: BODY(3); break;         \
    default: BODY(4); break;        \
  }

/* `step` along every axis of a block of 4^d values. */
static inline ALWAYS_INLINE void FN(transform_block)(UINT *q, unsigned d, enum line_step step)
{
#define AXES(D) FN(transform_axes)(q, D, step)
  WITH_CONSTANT_RANK(d, AXES)
#undef AXES
}

/* ------------------------------------------------------------------ */
/* Reordering and negabinary (format.md §7, §8)                        */

/* A coefficient in negabinary: u = (c + MASK) xor MASK, and back. */
static inline ALWAYS_INLINE UINT FN(to_negabinary)(UINT c)
{
  return (c + NEGABINARY_MASK) ^ NEGABINARY_MASK;
}

static inline ALWAYS_INLINE UINT FN(from_negabinary)(UINT u)
{
  return (u ^ NEGABINARY_MASK) - NEGABINARY_MASK;
}

/* u[r] = negabinary(q[ORDER_d[r]]). */
static inline ALWAYS_INLINE void FN(reorder_to_negabinary)(UINT *u, const UINT *q, unsigned d)
{
  const uint8_t *order = coefficient_order(d);
  size_t size = (size_t)1 << (2 * d), r;
  for (r = 0; r < size; r++)
    u[r] = FN(to_negabinary)(q[order[r]]);
}

/* q[ORDER_d[r]] = value of the negabinary u, the coefficient coded at
 * rank r: the plane decoder stores each coefficient so as it rebuilds it,
 * without a pass of its own. */
static inline ALWAYS_INLINE void FN(put_coefficient)(UINT *q, const uint8_t *order,
                                                     unsigned r, UINT u)
{
  q[order[r]] = FN(from_negabinary)(u);
}

#undef NEGABINARY_MASK
#undef LANES
#undef LINE_STEP
#undef LINE_LOOP_UNROLL
#undef WITH_CONSTANT_RANK
