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
 *   FN(transform_block) with the line steps FN(fwd_lift), FN(inv_lift)
 *     (lossy, format.md §6) and FN(fwd_diff), FN(inv_diff) (reversible,
 *     §11.2);
 *   FN(reorder_to_negabinary), FN(put_coefficient) and the single
 *     value FN(from_negabinary) (§7, §8).
 * Signed values are kept in UINT so that every addition wraps as the
 * format requires; `>> 1` on a signed value is FN(asr).  The macros it
 * defines for itself are #undef'd at its end.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "inline.h"
#include "order.h"

#define NEGABINARY_MASK ((UINT)UINT64_C(0xaaaaaaaaaaaaaaaa))

/* Arithmetic shift right by one of a P-bit two's-complement value.  (The
 * conversion to INT and the signed shift are implementation-defined in C;
 * every compiler we build with defines them as two's complement.) */
static inline UINT FN(asr)(UINT v)
{
  return (UINT)((INT)v >> 1);
}

/* ------------------------------------------------------------------ */
/* Transforms of one line of 4 values at stride s                      */

/* format.md §6.1: the forward lifting steps (x, y, z, w). */
static inline ALWAYS_INLINE void FN(fwd_lift)(UINT *p, size_t s)
{
  UINT x = p[0], y = p[s], z = p[2 * s], w = p[3 * s];
  x = FN(asr)(x + w); w -= x;
  z = FN(asr)(z + y); y -= z;
  x = FN(asr)(x + z); z -= x;
  w = FN(asr)(w + y); y -= w;
  w += FN(asr)(y); y -= FN(asr)(w);
  p[0] = x; p[s] = y; p[2 * s] = z; p[3 * s] = w;
}

/* format.md §6.3: the inverse lifting steps. */
static inline ALWAYS_INLINE void FN(inv_lift)(UINT *p, size_t s)
{
  UINT x = p[0], y = p[s], z = p[2 * s], w = p[3 * s];
  y += FN(asr)(w); w -= FN(asr)(y);
  y += w; w <<= 1; w -= y;
  z += x; x <<= 1; x -= z;
  y += z; z <<= 1; z -= y;
  w += x; x <<= 1; x -= w;
  p[0] = x; p[s] = y; p[2 * s] = z; p[3 * s] = w;
}

/* format.md §11.2: finite differences of order 0..3 (three rounds of
 * backward differences), exactly invertible mod 2^P. */
static inline ALWAYS_INLINE void FN(fwd_diff)(UINT *p, size_t s)
{
  UINT a0 = p[0], a1 = p[s], a2 = p[2 * s], a3 = p[3 * s];
  a3 -= a2; a2 -= a1; a1 -= a0;
  a3 -= a2; a2 -= a1;
  a3 -= a2;
  p[s] = a1; p[2 * s] = a2; p[3 * s] = a3;
}

/* format.md §11.5: running sums, the inverse of FN(fwd_diff). */
static inline ALWAYS_INLINE void FN(inv_diff)(UINT *p, size_t s)
{
  UINT a0 = p[0], a1 = p[s], a2 = p[2 * s], a3 = p[3 * s];
  a3 += a2;
  a2 += a1; a3 += a2;
  a1 += a0; a2 += a1; a3 += a2;
  p[s] = a1; p[2 * s] = a2; p[3 * s] = a3;
}

/* Lines transformed at once: 32-bit lines go four at a time, as the lanes
 * of an SSE register; 64-bit ones, without a vector arithmetic shift, one
 * at a time, in fully unrolled loops (measured). */
#if P == 64
#define LINES 1u
#define LINE_LOOP_UNROLL UNROLL(64)
#else
#define LINES 4u
#define LINE_LOOP_UNROLL
#endif

/* `line` on `lines` (1 or 4) lines of 4 values, line j at p + j * t, its
 * values at stride s.  All are loaded into a local array before any is
 * stored: with strides in registers the compiler could not rule out that
 * the lines overlap, and guarded its vector code with run-time overlap
 * tests, then ran the scalar one (measured: 32-bit blocks spent a third
 * of their decoding there); here the four lines are the four lanes of a
 * vector, x-lines (s = 1, t = 4) included, by shuffles. */
static inline ALWAYS_INLINE void FN(transform_lines)(UINT *p, size_t s, size_t t,
                                                     unsigned lines, int rows,
                                                     void (*line)(UINT *, size_t))
{
  UINT v[4][4];
  unsigned i, j;
  if (lines == 1) {
    line(p, s);
    return;
  }
  if (rows && t == 1) {
    /* lines that start at consecutive values: each lane vector is a row
     * of memory, moved whole (measured: 32-bit encoding of 3-D and 4-D
     * blocks -15 to -28 %; decoding +25 % in 4-D, so it asks for none) */
    for (i = 0; i < 4; i++)
      memcpy(v[i], p + i * s, sizeof v[i]);
    for (j = 0; j < lines; j++)
      line(&v[0][j], 4);
    for (i = 0; i < 4; i++)
      memcpy(p + i * s, v[i], sizeof v[i]);
    return;
  }
  for (i = 0; i < 4; i++)
    for (j = 0; j < lines; j++)
      v[i][j] = p[j * t + i * s];
  for (j = 0; j < lines; j++)
    line(&v[0][j], 4);  /* line j: v[0][j], v[1][j], .. */
  for (i = 0; i < 4; i++)
    for (j = 0; j < lines; j++)
      p[j * t + i * s] = v[i][j];
}

/* Apply `line` to every line of 4 along axis a (stride 4^a) of a block of
 * 4^d values; `grouped`, LINES neighbouring lines at a time where there
 * are that many: along x (a = 0), rows of a 4 x 4 plane; along the other
 * axes, lines that start at consecutive values.  Measured: grouping pays
 * for the inverse steps (32-bit decoding -5 to -15 %) and for the forward
 * ones of 3-D and 4-D blocks (encoding -3 to -13 %), not for forward 2-D
 * ones, whose grouped rows the compiler turns into scalar code with moves
 * in and out of vector registers (2-D float32 encoding +5 %).  `rows`:
 * grouped lines that start at consecutive values move as whole rows
 * (FN(transform_lines)); the forward steps ask for it. */
static inline ALWAYS_INLINE void FN(transform_axis)(UINT *q, unsigned d, unsigned a,
                                                    int grouped, int rows,
                                                    void (*line)(UINT *, size_t))
{
  size_t size = (size_t)1 << (2 * d), s = (size_t)1 << (2 * a), hi, lo;
  const unsigned lines = d == 1 || !grouped ? 1 : LINES;
  if (a == 0 && lines > 1) {
    LINE_LOOP_UNROLL
    for (hi = 0; hi < size; hi += 4 * lines)
      FN(transform_lines)(q + hi, 1, 4, lines, rows, line);
  }
  else {
    LINE_LOOP_UNROLL
    for (hi = 0; hi < size; hi += 4 * s)
      LINE_LOOP_UNROLL
      for (lo = 0; lo < s; lo += lines)
        FN(transform_lines)(q + hi + lo, s, 1, lines, rows, line);
  }
}

/* `line` along every axis of a block of 4^D values, x first (format.md
 * §6.2) or, `backward`, w first (§6.4).  Called with D constant, so that
 * the loops unroll into straight code with constant strides. */
static inline ALWAYS_INLINE void FN(transform_axes)(UINT *q, unsigned D,
                                                    int backward,
                                                    void (*line)(UINT *, size_t))
{
  unsigned a;
  for (a = 0; a < D; a++)
    FN(transform_axis)(q, D, backward ? D - 1 - a : a, backward || D >= 3, !backward,
                       line);
}

/* Call BODY(D) with D = d as a constant (d is 1..4). */
#define WITH_CONSTANT_RANK(d, BODY) \
  switch (d) {                      \
    case 1: BODY(1); break;         \
    case 2: BODY(2); break;         \
    case 3: BODY(3); break;         \
    default: BODY(4); break;        \
  }

/* `line` along every axis of a block of 4^d values.  The lifting steps do
 * not commute, so the inverse lifting runs `backward` (format.md §6.4);
 * the difference operators commute (§11.2), and any axis order works. */
static inline ALWAYS_INLINE void FN(transform_block)(UINT *q, unsigned d,
                                                     int backward,
                                                     void (*line)(UINT *, size_t))
{
#define AXES(D) FN(transform_axes)(q, D, backward, line)
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
#undef LINES
#undef LINE_LOOP_UNROLL
#undef WITH_CONSTANT_RANK
