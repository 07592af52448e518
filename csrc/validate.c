/* Checks made before anything is allocated for a stream: can the input
 * possibly hold the blocks its header (or caller) declares?
 *
 * The bound is on what the decoder *reads*, not on what an encoder writes,
 * so a stream that fails it would fail decoding with ZFPC_ERR_TRUNCATED
 * anyway: the check only moves that error before the allocation of the
 * output, and never rejects a stream that decodes. */
#include "format.h"

/* Fewest bits the block decoder consumes for one block, whatever the bits:
 *
 * - floating point, lossy (spec 5.3, 5.7) or reversible (rev 5.7): the first
 *   bit says whether the block is empty, so 1 bit; every block then spans at
 *   least minbits (spec 9.5, 9.6 "skip", rev 5.7 step 1);
 * - integer, reversible (rev 4.5, 6): the PBITS precision field is read
 *   unconditionally, then the bit-plane decoder (spec 9.6) reads one group
 *   test bit of the top plane unless its budget maxbits - PBITS (mod 2^32,
 *   rev 4.4) is 0; at least minbits in all;
 * - integer, lossy (spec 10, 9.6): no block header; the bit-plane decoder
 *   reads a group test bit of the top plane whenever its budget maxbits is
 *   not 0 (maxprec >= 1 guarantees a plane); at least minbits.  This is the
 *   one case where a block may take 0 bits (maxbits = 0, e.g. zfpy's rate=0
 *   for integer arrays without a header, spec 13.3). */
uint64_t zfpc_block_min_bits(zfpc_type type, const zfpc_params *p)
{
  const type_traits *t = traits_of(type);
  uint64_t bits;
  if (t->is_float)
    bits = 1;
  else if (is_reversible(p))
    bits = t->pbits + (p->maxbits - t->pbits != 0u);  /* uint32 wrap */
  else
    bits = p->maxbits != 0;
  return bits > p->minbits ? bits : p->minbits;
}

/* Fewest bits the blocks of an array of sizes n[0..dims-1] take: the block
 * count (spec 4.2: the product of ceil(n / 4)) times the bound above. */
zfpc_status zfpc_stream_min_bits(zfpc_type type, unsigned dims,
                                 const size_t n[4], const zfpc_params *p,
                                 uint64_t *bits)
{
  uint64_t blocks = 1;
  unsigned a;
  if (!traits_of(type)->size || dims < 1 || dims > 4)
    return ZFPC_ERR_FIELD;
  if (zfpc_params_mode(p) == ZFPC_MODE_NULL)
    return ZFPC_ERR_PARAMS;
  for (a = 0; a < dims; a++) {
    if (n[a] < 1)
      return ZFPC_ERR_FIELD;
    if (__builtin_mul_overflow(blocks, (uint64_t)(n[a] / 4 + (n[a] % 4 != 0)),
                               &blocks))
      return ZFPC_ERR_TOO_LARGE;
  }
  if (__builtin_mul_overflow(blocks, zfpc_block_min_bits(type, p), bits))
    return ZFPC_ERR_TOO_LARGE;
  return ZFPC_OK;
}
