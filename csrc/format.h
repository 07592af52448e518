/* Constants of the zfp format (codec version 5) and per-type traits. */
#ifndef ZFPC_FORMAT_H
#define ZFPC_FORMAT_H

#include <stdint.h>
#include "inline.h"
#include "zfpc.h"

#define ZFP_CODEC_VERSION 5
#define ZFP_MIN_BITS 1u       /* format.md §3.1 */
#define ZFP_MAX_BITS 16658u
#define ZFP_MAX_PREC 64u
#define ZFP_MIN_EXP (-1074)   /* below it: the reversible coder (§11.1) */

/* zfp takes integers in [-2^(P-2), 2^(P-2)) (format.md §6.5), but a block
 * with values within WRAP_EDGE of both ends of that range can wrap in the
 * lossy transform too (int_block.tmpl.h, beyond_int_range). */
#define WRAP_EDGE 16u

#define HEADER_MAGIC_BITS 32  /* format.md §2.1 */
#define HEADER_META_BITS 52   /* §2.2 */
#define HEADER_MODE_SHORT_BITS 12  /* §2.3 */
#define HEADER_MODE_LONG_BITS 64

/* What the block coder needs to know of a scalar type (format.md §0). */
typedef struct {
  unsigned bits;     /* P: integer width and number of bit planes */
  unsigned ebits;    /* exponent field width (0 for integers) */
  int ebias;
  unsigned pbits;    /* reversible precision field width */
  unsigned size;     /* bytes per value */
  int is_float;
} type_traits;

static inline const type_traits *traits_of(zfpc_type type)
{
  static const type_traits table[5] = {
    {0, 0, 0, 0, 0, 0},
    {32, 0, 0, 5, 4, 0},
    {64, 0, 0, 6, 8, 0},
    {32, 8, 127, 5, 4, 1},
    {64, 11, 1023, 6, 8, 1},
  };
  return &table[(unsigned)type <= 4 ? (unsigned)type : 0];
}

/* Bits a lossy block codes before its bit planes: the non-empty flag and
 * the exponent for floats (format.md §5.4), none for integers (§10). */
static inline unsigned lossy_prefix_bits(const type_traits *t)
{
  return t->is_float ? 1 + t->ebits : 0;
}

static inline int is_reversible(const zfpc_params *p)
{
  return p->minexp < ZFP_MIN_EXP;
}

#endif
