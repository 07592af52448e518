/* Coding one block of 4^d values of any type (spec 5, 10; rev 4-6). */
#ifndef ZFPC_BLOCK_CODEC_H
#define ZFPC_BLOCK_CODEC_H

#include "bitstream.h"
#include "zfpc.h"

/* `block` holds the 4^d values (padded, spec 4.4) in the linear block
 * order of spec 4.3, as raw 4- or 8-byte scalars of the array's type.  A
 * decoder given a NULL block only measures: it consumes exactly the
 * block's bits and produces nothing (how parallel decompression finds
 * where variable-length blocks start). */
typedef void (*block_encoder)(bit_writer *w, const zfpc_params *p,
                              const void *block);
typedef void (*block_decoder)(bit_reader *r, const zfpc_params *p,
                              void *block);

/* The coder for a type and rank d (1..4); the reversible one when
 * p->minexp < -1074. */
block_encoder block_encoder_for(zfpc_type type, const zfpc_params *p,
                                unsigned d);
block_decoder block_decoder_for(zfpc_type type, const zfpc_params *p,
                                unsigned d);

/* Most bits one block can take with these parameters (spec 9.3, rev 8). */
uint64_t block_max_bits(zfpc_type type, const zfpc_params *p, unsigned d);

#endif
