/* Compression parameters (format.md §3): the setters zfp offers and the mode
 * classification the header uses. */
#include <math.h>
#include "format.h"

/* What zfp accepts as parameters at all. */
static int params_valid(uint32_t minbits, uint32_t maxbits, uint32_t maxprec)
{
  return minbits <= maxbits && maxprec >= 1 && maxprec <= ZFP_MAX_PREC;
}

static void set_params(zfpc_params *p, uint32_t minbits, uint32_t maxbits,
                       uint32_t maxprec, int32_t minexp)
{
  p->minbits = minbits;
  p->maxbits = maxbits;
  p->maxprec = maxprec;
  p->minexp = minexp;
}

/* format.md §3.2: bits = floor(4^d * rate + 0.5), with the float/double
 * minimum of 1 + EBITS only when the caller names a floating type. */
zfpc_status zfpc_params_rate(zfpc_params *p, double rate, zfpc_type clamp_type,
                             unsigned dims)
{
  double bits;
  uint32_t minimum;
  if (dims < 1 || dims > 4)
    return ZFPC_ERR_FIELD;
  if (!(rate >= 0))
    return ZFPC_ERR_PARAMS;
  bits = floor((double)(1u << (2 * dims)) * rate + 0.5);
  if (!(bits < 4294967296.0))  /* the C original is undefined here */
    return ZFPC_ERR_PARAMS;
  minimum = lossy_prefix_bits(traits_of(clamp_type));
  if ((uint32_t)bits < minimum)
    bits = minimum;
  set_params(p, (uint32_t)bits, (uint32_t)bits, ZFP_MAX_PREC, ZFP_MIN_EXP);
  return ZFPC_OK;
}

/* format.md §3.3 */
void zfpc_params_precision(zfpc_params *p, uint32_t precision)
{
  uint32_t maxprec = precision == 0 || precision > ZFP_MAX_PREC ? ZFP_MAX_PREC : precision;
  set_params(p, ZFP_MIN_BITS, ZFP_MAX_BITS, maxprec, ZFP_MIN_EXP);
}

/* format.md §3.4: minexp = floor(log2(tolerance)), taken exactly from frexp. */
void zfpc_params_accuracy(zfpc_params *p, double tolerance)
{
  int minexp = ZFP_MIN_EXP;
  if (tolerance > 0) {
    if (isinf(tolerance))
      minexp = -1;  /* glibc's frexp reports exponent 0 for infinity */
    else {
      frexp(tolerance, &minexp);
      minexp--;
    }
  }
  set_params(p, ZFP_MIN_BITS, ZFP_MAX_BITS, ZFP_MAX_PREC, minexp);
}

/* format.md §3.5, §11.1 */
void zfpc_params_reversible(zfpc_params *p)
{
  set_params(p, ZFP_MIN_BITS, ZFP_MAX_BITS, ZFP_MAX_PREC, ZFP_MIN_EXP - 1);
}

/* format.md §3.6 */
zfpc_status zfpc_params_expert(zfpc_params *p, uint32_t minbits,
                               uint32_t maxbits, uint32_t maxprec,
                               int32_t minexp)
{
  if (!params_valid(minbits, maxbits, maxprec))
    return ZFPC_ERR_PARAMS;
  set_params(p, minbits, maxbits, maxprec, minexp);
  return ZFPC_OK;
}

/* format.md §3.7: the first matching rule wins. */
zfpc_mode zfpc_params_mode(const zfpc_params *p)
{
  if (!params_valid(p->minbits, p->maxbits, p->maxprec))
    return ZFPC_MODE_NULL;
  if (p->minbits == ZFP_MIN_BITS && p->maxbits == ZFP_MAX_BITS &&
      p->maxprec == ZFP_MAX_PREC && p->minexp == ZFP_MIN_EXP)
    return ZFPC_MODE_EXPERT;
  if (p->minbits == p->maxbits && p->maxbits >= 1 && p->maxbits <= ZFP_MAX_BITS &&
      p->maxprec >= ZFP_MAX_PREC && p->minexp == ZFP_MIN_EXP)
    return ZFPC_MODE_FIXED_RATE;
  if (p->minbits <= ZFP_MIN_BITS && p->maxbits >= ZFP_MAX_BITS) {
    if (p->minexp == ZFP_MIN_EXP)
      return ZFPC_MODE_FIXED_PRECISION;
    if (p->maxprec >= ZFP_MAX_PREC)
      return p->minexp >= ZFP_MIN_EXP ? ZFPC_MODE_FIXED_ACCURACY : ZFPC_MODE_REVERSIBLE;
  }
  return ZFPC_MODE_EXPERT;
}
