/* Coding blocks of 4^d values of any type (format.md §5 - §11). */
#ifndef ZFPC_BLOCK_CODEC_H
#define ZFPC_BLOCK_CODEC_H

#include "bitstream.h"
#include "traverse.h"
#include "zfpc.h"

/* Coders of the blocks first..last-1 of the array's grid (format.md §4.2
 * order), one per type and rank.  A block is 4^d values (padded, §4.4) in
 * the linear order of §4.3.  An encoder adds the blocks it flags
 * (BLOCK_NONFINITE, BLOCK_RANGE) to *report; given `missing` (what the masked
 * container counts as missing, else NULL), it fills each block's missing
 * values before coding it (fill.h).  A decoder returns 0 when the stream
 * ends before the last block. */
typedef void (*range_encoder)(bit_writer *w, const zfpc_field *f,
                              const block_grid *g, const zfpc_params *p,
                              size_t first, size_t last, zfpc_report *report,
                              const zfpc_missing *missing);

/* What a block encoder finds in a block, counted into the zfpc_report of
 * a range encoder. */
#define BLOCK_NONFINITE 1u  /* a NaN or an infinity, coded lossily */
#define BLOCK_RANGE 2u      /* a range wider than fixed accuracy can carry;
                               in integer blocks, values beyond zfp's range
                               (int_block.tmpl.h, beyond_int_range) */
#define BLOCK_SCALE 4u      /* finite magnitudes block floating point cannot
                               scale (float_block.tmpl.h, out_of_scale) */
typedef int (*range_decoder)(bit_reader *r, const zfpc_field *f,
                             const block_grid *g, const zfpc_params *p,
                             size_t first, size_t last);

/* Measures up to `count` blocks from the reader's position (wherever it
 * is: a block's bits depend only on where it starts): consumes exactly
 * their bits and writes nothing, which is how parallel decompression and
 * random access find where variable-length blocks start.  Each one's length
 * in bits goes into lengths[] unless it is NULL (every block fits 16 bits:
 * block_max_bits); returns how many it measured whole before the stream
 * ended. */
typedef size_t (*range_measurer)(bit_reader *r, const zfpc_params *p,
                                 size_t count, uint16_t *lengths);

/* Decodes up to `count` blocks from the reader's position as a
 * range_measurer measures them, each one's values (4^d of the type, an
 * empty block's zeros) after the last one's in `blocks`: blocks decoded
 * before their indices are known, which place_blocks stores once they
 * are. */
typedef size_t (*range_reader)(bit_reader *r, const zfpc_params *p, size_t count,
                               uint16_t *lengths, void *blocks);

/* Store `count` blocks as a range_reader decoded them as the blocks
 * first.. of f. */
void place_blocks(const zfpc_field *f, const block_grid *g, size_t first, size_t count,
                  void *blocks);

/* The coder for a type and rank d (1..4); the reversible one when
 * p->minexp < -1074. */
range_encoder range_encoder_for(zfpc_type type, const zfpc_params *p,
                                unsigned d);
range_decoder range_decoder_for(zfpc_type type, const zfpc_params *p,
                                unsigned d);
range_measurer range_measurer_for(zfpc_type type, const zfpc_params *p,
                                  unsigned d);
range_reader range_reader_for(zfpc_type type, const zfpc_params *p, unsigned d);

/* Most bits one block can take with these parameters (format.md §12.2). */
uint64_t block_max_bits(zfpc_type type, const zfpc_params *p, unsigned d);

#endif
