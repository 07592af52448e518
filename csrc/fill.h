/* Filling the gaps of one block as it is coded (fill.c): the masked
 * container's compression path (zfpc_compress_filled). */
#ifndef ZFPC_FILL_H
#define ZFPC_FILL_H

#include <stddef.h>
#include "zfpc.h"

/* `block` holds the block at block coordinates b[0..3] of the C-contiguous
 * field `f`, gathered (format.md §4.3 layout, partial blocks padded);
 * `whole` says whether it lies wholly inside the array (the coder knows).  Its
 * `missing` values (the rule of zfpc_find_missing), and the padded
 * positions of a partial block that has any, are replaced by the fill rule
 * of zfpc_fill_gaps; a block without missing values is left as it is. */
void fill_block(const zfpc_field *f, const size_t b[4], int whole,
                const zfpc_missing *missing, void *block);

/* Before the blocks are coded with `missing->found` (zfpc_found) filled
 * from them: an empty bitmap, nothing found. */
void found_clear(const zfpc_field *f, zfpc_found *found);

/* zfpc_found of `f` by zfpc_find_missing's pass over the whole array, for
 * coders that share the blocks among threads. */
void found_by_pass(const zfpc_field *f, const zfpc_missing *missing);

#endif
