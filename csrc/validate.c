/* Checks made before anything is allocated for a stream: can the input
 * possibly hold the blocks its header (or caller) declares?  And, at the
 * end, where does a stream end (is a file complete)?
 *
 * The bound is on what the decoder *reads*, not on what an encoder writes,
 * so a stream that fails it would fail decoding with ZFPC_ERR_TRUNCATED
 * anyway: the check only moves that error before the allocation of the
 * output, and never rejects a stream that decodes. */
#include "blocks.h"
#include "format.h"
#include "traverse.h"

/* Fewest bits the block decoder consumes for one block, whatever the bits:
 *
 * - floating point, lossy (format.md §5.3, §5.7) or reversible (§11.9):
 *   the first bit says whether the block is empty, so 1 bit; every block
 *   then spans at least minbits (§9.5, the decoder's skip of §9.6 and
 *   §11.9 step 1);
 * - integer, reversible (§11.4, §11.5): the PBITS precision field is read
 *   unconditionally, then the bit-plane decoder (§9.6) reads one group
 *   test bit of the top plane unless its budget maxbits - PBITS (mod 2^32,
 *   §11.4) is 0; at least minbits in all;
 * - integer, lossy (§10, §9.6): no block header; the bit-plane decoder
 *   reads a group test bit of the top plane whenever its budget maxbits is
 *   not 0 (maxprec >= 1 guarantees a plane); at least minbits.  This is the
 *   one case where a block may take 0 bits (maxbits = 0, e.g. zfpy's rate=0
 *   for integer arrays without a header, §14.1). */
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
 * count (format.md §4.2: the product of ceil(n / 4)) times the bound
 * above. */
zfpc_status zfpc_stream_min_bits(zfpc_type type, unsigned dims,
                                 const size_t n[4], const zfpc_params *p,
                                 uint64_t *bits)
{
  block_grid g;
  zfpc_status status;
  if (!traits_of(type)->size || dims < 1 || dims > 4)
    return ZFPC_ERR_FIELD;
  if (zfpc_params_mode(p) == ZFPC_MODE_NULL)
    return ZFPC_ERR_PARAMS;
  status = grid_of_sizes(&g, dims, n);
  if (status != ZFPC_OK)
    return status;
  if (MUL_OVERFLOW_U64((uint64_t)g.count, zfpc_block_min_bits(type, p), bits))
    return ZFPC_ERR_TOO_LARGE;
  return ZFPC_OK;
}

/* The stream's end, for checking that a stream is complete without
 * decoding it.  The measuring decoders never touch the field's data, but
 * grid_init wants a non-null pointer: the field itself stands in for it. */
zfpc_status zfpc_stream_bits(zfpc_type type, unsigned dims, const size_t n[4],
                             const zfpc_params *p, const void *in, size_t len,
                             size_t bit_offset, uint64_t *bits)
{
  zfpc_field f = {0};
  block_grid g;
  zfpc_status status;
  unsigned a;
  f.type = type;
  f.dims = dims;
  f.data = &f;
  for (a = 0; a < 4 && a < dims; a++)
    f.n[a] = n[a];
  status = grid_init(&g, &f);
  if (status == ZFPC_OK && zfpc_params_mode(p) == ZFPC_MODE_NULL)
    status = ZFPC_ERR_PARAMS;
  if (status != ZFPC_OK)
    return status;
  return measure_blocks(in, len, bit_offset, &f, &g, p, bits);
}
