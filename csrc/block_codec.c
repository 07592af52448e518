/* One block codec for the four scalar types: the integer coder is
 * instantiated for 32- and 64-bit words, the floating-point steps for float
 * and double, and each type's encoder and decoder is a thin composition of
 * them. */
#include <math.h>
#include <string.h>
#include "bitplanes.h"
#include "block_codec.h"
#include "format.h"
#include "order.h"

/* Every block is at least minbits long (spec 9.5): pad on encoding, skip
 * on decoding. */
static void pad_block(bit_writer *w, uint64_t start, uint32_t minbits)
{
  uint64_t used = writer_bits(w) - start;
  if (used < minbits)
    write_zeros(w, minbits - used);
}

static void skip_block(bit_reader *r, uint64_t start, uint32_t minbits)
{
  uint64_t used = reader_bits(r) - start;
  if (used < minbits)
    reader_skip(r, minbits - used);
}

#define UINT uint32_t
#define INT int32_t
#define PBITS 5
#define FN(x) x##32
#include "int_codec.h"
#undef UINT
#undef INT
#undef PBITS
#undef FN

#define UINT uint64_t
#define INT int64_t
#define PBITS 6
#define FN(x) x##64
#include "int_codec.h"
#undef UINT
#undef INT
#undef PBITS
#undef FN

#define FLOAT float
#define UINT uint32_t
#define INT int32_t
#define EBITS 8
#define EBIAS 127
#define LDEXP ldexpf
#define FN(x) x##_float
#define IFN(x) x##32
#include "float_codec.h"
#undef FLOAT
#undef UINT
#undef INT
#undef EBITS
#undef EBIAS
#undef LDEXP
#undef FN
#undef IFN

#define FLOAT double
#define UINT uint64_t
#define INT int64_t
#define EBITS 11
#define EBIAS 1023
#define LDEXP ldexp
#define FN(x) x##_double
#define IFN(x) x##64
#include "float_codec.h"
#undef FLOAT
#undef UINT
#undef INT
#undef EBITS
#undef EBIAS
#undef LDEXP
#undef FN
#undef IFN

/* Indexed by type code, then [lossy, reversible]. */
static const block_encoder encoders[5][2] = {
  {0, 0},
  {encode_lossy_int32, encode_reversible_int32},
  {encode_lossy_int64, encode_reversible_int64},
  {encode_lossy_float, encode_reversible_float},
  {encode_lossy_double, encode_reversible_double},
};

static const block_decoder decoders[5][2] = {
  {0, 0},
  {decode_lossy_int32, decode_reversible_int32},
  {decode_lossy_int64, decode_reversible_int64},
  {decode_lossy_float, decode_reversible_float},
  {decode_lossy_double, decode_reversible_double},
};

block_encoder block_encoder_for(zfpc_type type, const zfpc_params *p)
{
  return (unsigned)type <= 4 ? encoders[type][is_reversible(p)] : 0;
}

block_decoder block_decoder_for(zfpc_type type, const zfpc_params *p)
{
  return (unsigned)type <= 4 ? decoders[type][is_reversible(p)] : 0;
}

/* A prefix of `head` bits, then at most min(budget, (prec + 1) * B - 1)
 * plane bits (spec 9.3) where the budget is maxbits - head mod 2^32. */
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
    bits = coded_max_bits(p, t->is_float ? 1 + t->ebits : 0, planes);
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
