/* zfpc: the public interface of the zfpcodec C engine.
 *
 * The data path is: parameters (params.c) -> header (header.c) -> blocks
 * (traverse.c gathers them, block_codec.c codes them, bitstream.h packs the
 * bits) -> bytes.  Comments cite the sections of docs/format.md, the
 * format as this engine implements it ("format.md §9.2").
 *
 * Every function reports errors as a zfpc_status value; nothing here aborts,
 * and no input, however malformed, makes the decoder read or write outside
 * the buffers it is given.
 */
#ifndef ZFPC_H
#define ZFPC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Scalar type codes, equal to zfp's zfp_type values (format.md §0). */
typedef enum {
  ZFPC_TYPE_NONE = 0,
  ZFPC_TYPE_INT32 = 1,
  ZFPC_TYPE_INT64 = 2,
  ZFPC_TYPE_FLOAT = 3,
  ZFPC_TYPE_DOUBLE = 4
} zfpc_type;

/* Mode labels used by the header (format.md §3.7).  The numbers are zfp's
 * zfp_mode values, the ones zfpy reports; the engine needs only this
 * classification of the four parameters (zfpc_params_mode), which the
 * binding passes on to Python as _zfp.params_mode. */
typedef enum {
  ZFPC_MODE_NULL = 0,
  ZFPC_MODE_EXPERT = 1,
  ZFPC_MODE_FIXED_RATE = 2,
  ZFPC_MODE_FIXED_PRECISION = 3,
  ZFPC_MODE_FIXED_ACCURACY = 4,
  ZFPC_MODE_REVERSIBLE = 5
} zfpc_mode;

typedef enum {
  ZFPC_OK = 0,
  ZFPC_ERR_PARAMS,       /* invalid compression parameters */
  ZFPC_ERR_FIELD,        /* bad type, rank or size of the array */
  ZFPC_ERR_HEADER_SIZE,  /* array sizes do not fit the header (§2.2) */
  ZFPC_ERR_HEADER,       /* header absent, corrupt or unsupported */
  ZFPC_ERR_TRUNCATED,    /* the stream ends before the decoder is done */
  ZFPC_ERR_OUTPUT_FULL,  /* the output buffer is too small */
  ZFPC_ERR_TOO_LARGE,    /* sizes overflow size_t arithmetic */
  ZFPC_ERR_NOMEM         /* a thread's buffer could not be allocated */
} zfpc_status;

/* The four numbers that drive the block coder (format.md §3.1). */
typedef struct {
  uint32_t minbits;
  uint32_t maxbits;
  uint32_t maxprec;
  int32_t minexp;
} zfpc_params;

/* An array in memory: sizes along x (fastest), y, z, w and byte strides,
 * which may be negative, zero or any multiple of a byte.  Unused sizes are
 * 0.  `byteswap` marks values stored in non-native byte order. */
typedef struct {
  zfpc_type type;
  unsigned dims;
  size_t n[4];
  ptrdiff_t stride[4];
  void *data;
  int byteswap;
} zfpc_field;

/* What a header says (format.md §2). */
typedef struct {
  zfpc_type type;
  unsigned dims;
  size_t n[4];
  zfpc_params params;
  size_t bits;           /* header length: 96 or 148 */
} zfpc_header;

const char *zfpc_status_message(zfpc_status status);

/* Parameter setters (format.md §3.2 - §3.6).  `clamp_type` is the type
 * passed to zfp_stream_set_rate: ZFPC_TYPE_NONE for no float minimum (what
 * zfpy's compress_numpy does), the array's type otherwise. */
zfpc_status zfpc_params_rate(zfpc_params *p, double rate, zfpc_type clamp_type,
                             unsigned dims);
void zfpc_params_precision(zfpc_params *p, uint32_t precision);
void zfpc_params_accuracy(zfpc_params *p, double tolerance);
void zfpc_params_reversible(zfpc_params *p);
zfpc_status zfpc_params_expert(zfpc_params *p, uint32_t minbits,
                               uint32_t maxbits, uint32_t maxprec,
                               int32_t minexp);
zfpc_mode zfpc_params_mode(const zfpc_params *p);

/* Header (format.md §2).  zfpc_read_header validates exactly what zfp
 * validates. */
size_t zfpc_header_bits(const zfpc_params *p);
zfpc_status zfpc_read_header(const void *in, size_t len, zfpc_header *h);

/* *bytes receives the most bytes a stream of this field can need (header
 * included when `header` is non-zero); ZFPC_ERR_TOO_LARGE when that
 * number overflows size_t, ZFPC_ERR_HEADER_SIZE when a header cannot hold
 * the sizes (checked here so that nothing is allocated for it). */
zfpc_status zfpc_compress_bound(const zfpc_field *f, const zfpc_params *p,
                                int header, size_t *bytes);

/* What compression found in the blocks it coded lossily (reversible
 * blocks are never flagged; integer blocks only in range_blocks). */
typedef struct {
  uint64_t nonfinite_blocks;  /* blocks holding a NaN or an infinity: they
                                 decode to finite values, the infinity's
                                 neighbours wrong too */
  uint64_t range_blocks;      /* other blocks whose largest magnitude 2^emax
                                 is too far above 2^minexp for fixed accuracy:
                                 emax - minexp + 2(d + 1) > P, the bit planes
                                 it asks for exceed the P-bit integers (32 for
                                 float, 64 for double) of block floating point,
                                 and errors may exceed the tolerance; for
                                 integer types, blocks holding a value outside
                                 [-2^(P-2), 2^(P-2)), or values within
                                 WRAP_EDGE (16) of both its ends, which the
                                 lossy transform can wrap */
  uint64_t scale_blocks;      /* blocks of finite values that block floating
                                 point cannot scale, coded as garbage or
                                 decoding to +-inf in every lossy mode: all
                                 below 2^(P-2-EBIAS-1) (2^-98 for float,
                                 2^-962 for double), where the scale
                                 2^(P-2-emax) overflows, or some in the top
                                 binade [2^EBIAS, 2^(EBIAS+1)), where a decoded
                                 value can round up to infinity */
} zfpc_report;

/* An output that grows while compression runs: asked for room for
 * `needed` bytes in all (more than the current capacity), it returns the
 * buffer (possibly moved, its contents kept) and stores its new capacity,
 * at least `needed`, in *capacity; or it returns NULL when memory runs out
 * (compression then stops with ZFPC_ERR_NOMEM and never touches the old
 * buffer again).  It is called from one thread at a time, but not always
 * from the caller's. */
typedef void *(*zfpc_grow)(void *ctx, size_t needed, size_t *capacity);

/* Compress `f` into `out` (capacity `cap` bytes); *size receives the stream
 * length, a multiple of 8 bytes.  With `grow` (else NULL) `out` may start
 * smaller than zfpc_compress_bound and is enlarged as the stream needs;
 * without it a stream longer than `cap` gives ZFPC_ERR_OUTPUT_FULL.
 * `threads` > 1 codes ranges of blocks in parallel; the bytes are the same
 * for every thread count and every starting capacity.  *report (when not
 * NULL) receives the counts of flagged blocks. */
zfpc_status zfpc_compress(const zfpc_field *f, const zfpc_params *p,
                          int header, void *out, size_t cap, zfpc_grow grow,
                          void *grow_ctx, size_t *size, unsigned threads,
                          zfpc_report *report);

/* Where zfpc_compress_filled found the missing values, when asked: what
 * zfpc_find_missing finds, taken from the blocks as they are coded (no pass
 * of its own over the array), or by zfpc_find_missing when threads share
 * the blocks (their bits share the bitmap's bytes). */
typedef struct {
  unsigned char *bitmap;  /* ceil(values / 8) bytes: receives the bitmap */
  size_t count;           /* receives how many values are missing */
  uint64_t pattern;       /* receives the bit pattern of one (count > 0) */
  uint64_t differ;        /* receives 0 when they all share it, else not */
} zfpc_found;

/* What zfpc_compress_filled counts as missing: NaN and +-inf in float
 * types and, when `fill` is not NULL, the values equal to *fill (one value
 * of the field's type), as zfpc_find_missing counts them; `found` (else
 * NULL) receives where they are. */
typedef struct {
  const void *fill;
  zfpc_found *found;
} zfpc_missing;

/* zfpc_compress of a C-contiguous, native-order `f` whose `missing` values
 * (the set bits of zfpc_find_missing's bitmap) are filled as each block is
 * coded, as zfpc_fill_gaps fills them, so the stream is a standard zfp
 * stream of the filled array, made without a filled copy of it.  Each
 * block is tested as it is gathered, so no bitmap is read; with
 * missing->found, what the tests find is recorded there.  (In a partial
 * block at the array's end, the positions zfp pads are filled by the same
 * rule instead of zfp's padding.)  ZFPC_ERR_FIELD for another layout. */
zfpc_status zfpc_compress_filled(const zfpc_field *f, const zfpc_params *p,
                                 int header, void *out, size_t cap,
                                 zfpc_grow grow, void *grow_ctx, size_t *size,
                                 unsigned threads, zfpc_report *report,
                                 const zfpc_missing *missing);

/* Decompress the blocks that start `bit_offset` bits into `in` (`len`
 * bytes) into the array described by `f`; *end_bits receives the stream
 * bit where the last block ends (the writer padded from there to a whole
 * 64-bit word, format.md §1.4). */
zfpc_status zfpc_decompress(const zfpc_field *f, const zfpc_params *p,
                            const void *in, size_t len, size_t bit_offset,
                            unsigned threads, uint64_t *end_bits);

/* Random access (region.c).
 *
 * *fixed receives the length every block of a `dims`-dimensional array of
 * `type` coded with `p` has (fixed rate), or 0 when block lengths vary;
 * *most the most bits any block can take. */
void zfpc_block_bits(zfpc_type type, const zfpc_params *p, unsigned dims,
                     uint64_t *fixed, uint64_t *most);

/* Bytes start .. start + len - 1 of a stream, held at `data`. */
typedef struct {
  size_t start;
  size_t len;
  const void *data;
} zfpc_piece;

/* Decode an orthogonal selection of an array of sizes n[0..dims-1] whose
 * blocks start `bit_offset` bits into a stream given as `count` pieces
 * (sorted by start, not overlapping).  Along axis a, position j of `out`
 * receives element index[a][j] of the array (any order, repeats allowed),
 * so out->n[a] is the number of indices along axis a; out->type and
 * out->dims are the array's.  Only the blocks holding selected elements
 * are decoded: fixed-length blocks where the rate puts them, each from the
 * piece that holds it, on up to `threads` threads; variable-length blocks
 * in one pass from the piece holding bit_offset, measuring the blocks in
 * between.  ZFPC_ERR_TRUNCATED when a needed block is not inside one
 * piece, ZFPC_ERR_FIELD for an index outside the array. */
zfpc_status zfpc_decompress_selection(const zfpc_field *out, const size_t n[4],
                                      const size_t *const index[4],
                                      const zfpc_params *p,
                                      const zfpc_piece *pieces, size_t count,
                                      uint64_t bit_offset, unsigned threads);

/* Validation before allocation (validate.c).  The fewest bits the decoder
 * reads for one block of `type` with parameters `p`, and for all blocks of
 * an array of sizes n[0..dims-1]: an input with fewer bits after the header
 * is truncated, whatever its contents. */
uint64_t zfpc_block_min_bits(zfpc_type type, const zfpc_params *p);
zfpc_status zfpc_stream_min_bits(zfpc_type type, unsigned dims,
                                 const size_t n[4], const zfpc_params *p,
                                 uint64_t *bits);

/* The masked container (fill.c, docs/masked-format.md).
 *
 * zfpc_find_missing: which of the `count` values of `data` (C order) are
 * missing: NaN and +-inf (float types), and those equal to the one scalar
 * of `type` at `fill` (NULL: none).  Writes the container's bitmap
 * (ceil(count / 8) bytes, value i in bit i % 8 of byte i / 8, the bits
 * after the last value 0), the number of missing values, the index of the
 * first (`count` when none is), and whether they all share one bit
 * pattern.
 *
 * zfpc_fill_gaps: copy the C-contiguous array `src` (sizes n[0..dims-1],
 * x fastest) to `data` (or work in place when they are the same), the
 * values whose bit is set in such a bitmap replaced by values zfp codes
 * cheaply within each block's range. */
zfpc_status zfpc_find_missing(zfpc_type type, size_t count, const void *data,
                              const void *fill, unsigned char *bitmap,
                              size_t *missing, size_t *first, int *uniform);
zfpc_status zfpc_fill_gaps(zfpc_type type, unsigned dims, const size_t n[4],
                           const void *src, void *data, const unsigned char *bitmap);

/* Reading a masked container back (fill.c): zfpc_bitmap_count returns how
 * many of the bits of a bitmap of `count` values are set, and sets *past
 * when a bit after the last value is (a corrupt bitmap);
 * zfpc_restore_missing writes the missing values' bit patterns (`itemsize`
 * 4 or 8 bytes each: one shared by all when `uniform`, else one per set
 * bit, in order) over the values of `data` whose bit is set, the bitmap
 * having been counted against the patterns first. */
size_t zfpc_bitmap_count(const unsigned char *bitmap, size_t count, int *past);
void zfpc_restore_missing(void *data, unsigned itemsize, size_t count,
                          const unsigned char *bitmap, const void *patterns,
                          int uniform);

/* Where the stream of an array of sizes n[0..dims-1] whose blocks start
 * `bit_offset` bits into `in` ends: *bits receives the bit after its last
 * block, without decoding any value.  With fixed-length blocks (fixed rate)
 * the sizes alone give it; otherwise one pass reads through the blocks,
 * a fraction of the work of decoding them.  ZFPC_ERR_TRUNCATED when the
 * input ends before the last block. */
zfpc_status zfpc_stream_bits(zfpc_type type, unsigned dims, const size_t n[4],
                             const zfpc_params *p, const void *in, size_t len,
                             size_t bit_offset, uint64_t *bits);

#ifdef __cplusplus
}
#endif

#endif
