/* Two threads decoding variable-length blocks from a guessed split
 * (guessed_split.c). */
#ifndef ZFPC_GUESSED_SPLIT_H
#define ZFPC_GUESSED_SPLIT_H

#include "traverse.h"
#include "zfpc.h"

/* Whether a stream of these blocks is one to decode so: long enough to
 * recoup a guess that falls in late, with every block's length within the
 * 16 bits its record keeps. */
int guessed_split_fits(zfpc_type type, const zfpc_params *p, const block_grid *g,
                       unsigned dims);

/* Decode the blocks starting at stream bit `offset` of `in` into `f` on
 * two threads, as decode_blocks does; ZFPC_ERR_NOMEM (nothing decoded)
 * when the record of block lengths cannot be allocated. */
zfpc_status decode_guessed_split(const void *in, size_t len, uint64_t offset,
                                 const zfpc_field *f, const block_grid *g,
                                 const zfpc_params *p, uint64_t *end);

#endif
