/* All the blocks of an array, coded on one thread or several. */
#ifndef ZFPC_BLOCKS_H
#define ZFPC_BLOCKS_H

#include "bitstream.h"
#include "traverse.h"

/* Append the coded blocks of `f` to `w`, adding the blocks the coders
 * flag to *report; with `missing` (else NULL), each block's missing values filled
 * first, and recorded in missing->found when not NULL (fill.h).  Several threads code contiguous ranges of blocks into
 * buffers of their own, joined bit-exactly in block order, so the stream
 * is the same for every thread count. */
zfpc_status encode_blocks(bit_writer *w, const zfpc_field *f,
                          const block_grid *g, const zfpc_params *p,
                          unsigned threads, zfpc_report *report,
                          const zfpc_missing *missing);

/* Decode the blocks starting at stream bit `offset` of `in` into `f`;
 * *end receives the bit where the last block ends.  On several threads,
 * chunks of blocks start where the fixed rate puts them or, for
 * variable-length blocks (the format stores no offsets), where a measuring
 * pass over the stream finds them; two threads on a long stream split it
 * where the second thread's parse from a guessed bit is proven to agree
 * with the first's (guessed_split.h). */
zfpc_status decode_blocks(const void *in, size_t len, uint64_t offset,
                          const zfpc_field *f, const block_grid *g,
                          const zfpc_params *p, unsigned threads,
                          uint64_t *end);

/* *end receives the bit where the last block of `f` (whose data is never
 * touched) ends: by arithmetic when every block has the same length,
 * else by reading through the blocks without reconstructing them.
 * ZFPC_ERR_TRUNCATED when the input ends first. */
zfpc_status measure_blocks(const void *in, size_t len, uint64_t offset,
                           const zfpc_field *f, const block_grid *g,
                           const zfpc_params *p, uint64_t *end);

/* The length every block has, or 0 when blocks may differ (format.md
 * §12.1, §11.10): fixed rate with a budget that covers any block header. */
uint64_t fixed_block_bits(zfpc_type type, const zfpc_params *p);

/* The number of worker threads for a `threads` argument (0: one per
 * core), capped at a few per core. */
unsigned resolve_threads(unsigned threads);

#endif
