/* Bit stream (format.md §1): bits are packed LSB-first into 64-bit words stored
 * little-endian, so bit i of the stream is bit (i mod 8) of byte i / 8 on
 * every host.  Multi-bit values go least significant bit first.
 *
 * The writer never stores past its capacity (it raises `overflow` instead);
 * the reader never loads past the end of its input (it raises `overrun` and
 * supplies zero bits, so a decoder always terminates).  Nothing else in the
 * engine touches words.
 */
#ifndef ZFPC_BITSTREAM_H
#define ZFPC_BITSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "inline.h"
#include "portable.h"

#define WORD_BITS 64

static inline ALWAYS_INLINE uint64_t low_bits(uint64_t v, unsigned n)
{
  return n >= WORD_BITS ? v : v & ((UINT64_C(1) << n) - 1);
}

static inline ALWAYS_INLINE uint64_t word_to_le(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return BSWAP64(v);
#else
  return v;
#endif
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */

typedef struct {
  uint64_t buffer;  /* pending bits, oldest in bit 0 */
  unsigned filled;  /* pending bit count, 0..63 */
  uint8_t *data;
  size_t capacity;  /* bytes */
  size_t pos;       /* bytes stored (or that would have been stored) */
  int overflow;
  /* Optional: enlarges the buffer when writer_reserve asks (zfpc_grow). */
  void *(*grow)(void *ctx, size_t needed, size_t *capacity);
  void *grow_ctx;
} bit_writer;

static inline void writer_init(bit_writer *w, void *data, size_t capacity)
{
  w->buffer = 0;
  w->filled = 0;
  w->data = (uint8_t *)data;
  w->capacity = capacity;
  w->pos = 0;
  w->overflow = 0;
  w->grow = NULL;
  w->grow_ctx = NULL;
}

static inline ALWAYS_INLINE uint64_t writer_bits(const bit_writer *w)
{
  return (uint64_t)w->pos * 8 + w->filled;
}

/* The bytes the writer needs to hold `bits` more bits and the final flush. */
static inline uint64_t writer_bytes_for(const bit_writer *w, uint64_t bits)
{
  return (writer_bits(w) + bits + WORD_BITS - 1) / WORD_BITS * 8;
}

/* Make room for `bits` more bits and the final flush, enlarging the buffer
 * through `grow` if the writer has one.  Returns 0 only when `grow` fails:
 * the buffer is then gone (the grower may have freed it) and the writer
 * overflows from here on.  Without `grow` it returns 1 and stores past the
 * capacity raise `overflow` as always.  Called between ranges of blocks,
 * never in the per-word path. */
static inline int writer_reserve(bit_writer *w, uint64_t bits)
{
  uint64_t needed = writer_bytes_for(w, bits);
  size_t capacity = w->capacity;
  void *data;
  if (needed <= w->capacity || !w->grow)
    return 1;
  data = needed <= SIZE_MAX ? w->grow(w->grow_ctx, (size_t)needed, &capacity)
                            : NULL;
  if (!data) {
    w->data = NULL;
    w->capacity = 0;
    w->overflow = 1;
    w->grow = NULL;
    return 0;
  }
  w->data = (uint8_t *)data;
  w->capacity = capacity;
  return 1;
}

static inline ALWAYS_INLINE void writer_store_word(bit_writer *w, uint64_t word)
{
  if (w->pos <= w->capacity && w->capacity - w->pos >= 8) {
    word = word_to_le(word);
    memcpy(w->data + w->pos, &word, 8);
  }
  else
    w->overflow = 1;
  w->pos += 8;
}

/* Append the n bits of v (0 <= n <= 64), least significant first.  v must
 * have no bits at or above bit n: callers mask (low_bits) where theirs
 * might, which the hot paths need not. */
static inline ALWAYS_INLINE void write_bits(bit_writer *w, uint64_t v, unsigned n)
{
  w->buffer |= v << w->filled;
  if (w->filled + n >= WORD_BITS) {
    unsigned spill = w->filled + n - WORD_BITS;
    writer_store_word(w, w->buffer);
    w->buffer = w->filled ? v >> (WORD_BITS - w->filled) : 0;
    w->filled = spill;
  }
  else
    w->filled += n;
}

static inline ALWAYS_INLINE void write_bit(bit_writer *w, unsigned bit)
{
  w->buffer |= (uint64_t)bit << w->filled;
  if (++w->filled == WORD_BITS) {
    writer_store_word(w, w->buffer);
    w->buffer = 0;
    w->filled = 0;
  }
}

static inline void write_zeros(bit_writer *w, uint64_t n)
{
  for (; n >= WORD_BITS; n -= WORD_BITS)
    write_bits(w, 0, WORD_BITS);
  write_bits(w, 0, (unsigned)n);
}

/* write_zeros for a long run (hundreds of bits, as padding to minbits
 * writes per block): zeros are already in the buffer above `filled`, so
 * the pending word is stored and then the whole zero words at once.  (The
 * plane coder's runs are too short to pay for the memset.) */
static inline void write_zero_run(bit_writer *w, uint64_t n)
{
  uint64_t words;
  if (w->filled + n < WORD_BITS) {
    w->filled += (unsigned)n;
    return;
  }
  n -= WORD_BITS - w->filled;
  writer_store_word(w, w->buffer);
  w->buffer = 0;
  words = n / WORD_BITS;
  /* none when a block pads to the next word (fixed rates of 64 bits a
   * block and less): memset is a library call */
  if (words) {
    if (w->pos <= w->capacity && (w->capacity - w->pos) / 8 >= words)
      memset(w->data + w->pos, 0, (size_t)words * 8);
    else
      w->overflow = 1;
    w->pos += (size_t)words * 8;
  }
  w->filled = (unsigned)(n % WORD_BITS);
}

/* Pad with zeros to a whole 64-bit word since the start (format.md §1.4). */
static inline void writer_flush(bit_writer *w)
{
  if (w->filled) {
    writer_store_word(w, w->buffer);
    w->buffer = 0;
    w->filled = 0;
  }
}

static inline uint64_t load_le(const uint8_t *p)
{
  uint64_t v;
  memcpy(&v, p, 8);
  return word_to_le(v);
}

static inline void store_le(uint8_t *p, uint64_t v)
{
  v = word_to_le(v);
  memcpy(p, &v, 8);
}

/* Joining bit strings coded apart (format.md §12.4): each is a writer's
 * flushed output, to be placed at any bit of the stream with no padding
 * between them.  Threads copy the whole stream words a string covers side
 * by side (copy_bit_words); a serial pass writes the words two strings
 * share, from each string's head and tail (bits_at), and steps over the
 * copied ones (writer_skip_words). */

/* `n` bits (n < 64) of a flushed string, from its bit `from` on. */
static inline uint64_t bits_at(const uint8_t *src, uint64_t from, unsigned n)
{
  const uint8_t *s = src + from / WORD_BITS * 8;
  unsigned shift = (unsigned)(from % WORD_BITS);
  uint64_t v;
  if (!n)
    return 0;
  v = load_le(s) >> shift;
  if (shift + n > WORD_BITS)
    v |= load_le(s + 8) << (WORD_BITS - shift);
  return low_bits(v, n);
}

/* Store `words` words of a flushed string, from its bit `from` on, at
 * `out`.  Each word is a funnel shift of two input words, computed apart
 * from the others so that the loop vectorises. */
static inline void copy_bit_words(uint8_t *out, const uint8_t *src,
                                  uint64_t from, size_t words)
{
  const uint8_t *s = src + from / WORD_BITS * 8;
  unsigned shift = (unsigned)(from % WORD_BITS);
  size_t i;
  if (!words)
    return;
  if (!shift) {
    memcpy(out, s, words * 8);
    return;
  }
  for (i = 0; i < words; i++)
    store_le(out + 8 * i, load_le(s + 8 * i) >> shift |
                          load_le(s + 8 * (i + 1)) << (WORD_BITS - shift));
}

/* Move on past `words` words already stored at the writer's place (it
 * has no pending bits: filled == 0). */
static inline void writer_skip_words(bit_writer *w, size_t words)
{
  if (w->pos > w->capacity || (w->capacity - w->pos) / 8 < words)
    w->overflow = 1;
  w->pos += words * 8;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */

typedef struct {
  uint64_t buffer;  /* unread bits, next in bit 0 */
  unsigned avail;   /* unread bit count in buffer, 0..64 */
  const uint8_t *data;
  size_t len;       /* bytes */
  size_t pos;       /* bytes loaded (including zero bytes past the end) */
  int overrun;
} bit_reader;

static inline ALWAYS_INLINE void reader_refill(bit_reader *r)
{
  uint64_t word = 0;
  if (r->pos + 8 <= r->len) {  /* a whole word: one load */
    r->buffer = load_le(r->data + r->pos);
    r->avail = WORD_BITS;
    r->pos += 8;
    return;
  }
  if (r->pos < r->len) {
    size_t n = r->len - r->pos < 8 ? r->len - r->pos : 8;
    memcpy(&word, r->data + r->pos, n);
    word = word_to_le(word);
    r->avail = (unsigned)(8 * n);
    r->pos += n;
  }
  else {
    r->overrun = 1;
    r->avail = WORD_BITS;
    r->pos += 8;
  }
  r->buffer = word;
}

static inline ALWAYS_INLINE uint64_t reader_bits(const bit_reader *r)
{
  return (uint64_t)r->pos * 8 - r->avail;
}

/* Read n bits (0 <= n <= 64); the first bit read is bit 0 of the result. */
static inline ALWAYS_INLINE uint64_t read_bits(bit_reader *r, unsigned n)
{
  uint64_t v = 0;
  unsigned got = 0;
  if (n < r->avail) {  /* all in the buffer: n < 64 */
    v = r->buffer & ((UINT64_C(1) << n) - 1);
    r->buffer >>= n;
    r->avail -= n;
    return v;
  }
  while (n > r->avail) {
    v |= low_bits(r->buffer, r->avail) << got;
    got += r->avail;
    n -= r->avail;
    reader_refill(r);
  }
  if (n) {
    v |= low_bits(r->buffer, n) << got;
    r->buffer = n < WORD_BITS ? r->buffer >> n : 0;
    r->avail -= n;
  }
  return v;
}

static inline ALWAYS_INLINE unsigned read_bit(bit_reader *r)
{
  unsigned bit;
  if (!r->avail)
    reader_refill(r);
  bit = (unsigned)(r->buffer & 1u);
  r->buffer >>= 1;
  r->avail--;
  return bit;
}

/* Consume the zero bits before the next 1 (which stays unread), at most
 * `limit` of them; returns how many were consumed. */
static inline ALWAYS_INLINE unsigned skip_zeros(bit_reader *r, unsigned limit)
{
  unsigned count = 0;
  for (;;) {
    unsigned room = limit - count, zeros;
    if (!room)
      return limit;
    if (!r->avail)
      reader_refill(r);
    /* bits above `avail` are always zero */
    zeros = r->buffer ? (unsigned)CTZ64(r->buffer) : r->avail;
    if (zeros >= room) {
      read_bits(r, room);
      return limit;
    }
    read_bits(r, zeros);
    count += zeros;
    if (r->avail)  /* stopped at a 1 */
      return count;
  }
}

/* Read bits up to and including the first 1, but at most `limit` bits;
 * returns the number of zeros read before that 1 (`limit` when none came,
 * in which case no 1 was read). */
static inline ALWAYS_INLINE unsigned read_zero_run(bit_reader *r, unsigned limit)
{
  unsigned zeros = skip_zeros(r, limit);
  if (zeros < limit)
    read_bit(r);
  return zeros;
}

/* Refill the buffer from the byte holding the next unread bit, so that
 * at least 57 bits are ready where the input has 8 bytes left (else leave
 * it): for codes whose longest case must lie in the buffer, without waiting
 * for it to run empty.  The byte position need not stay word-aligned. */
static inline ALWAYS_INLINE void reader_top_up(bit_reader *r)
{
  uint64_t at = reader_bits(r);
  size_t byte = (size_t)(at / 8);
  if (byte + 8 <= r->len) {
    r->buffer = load_le(r->data + byte) >> (at % 8);
    r->avail = WORD_BITS - (unsigned)(at % 8);
    r->pos = byte + 8;
  }
}

/* Position the reader at stream bit `offset`. */
static inline void reader_seek(bit_reader *r, uint64_t offset)
{
  if (offset > (uint64_t)r->len * 8) {
    r->overrun = 1;
    r->pos = r->len;
    r->avail = 0;
    r->buffer = 0;
    return;
  }
  r->pos = (size_t)(offset / WORD_BITS) * 8;
  r->avail = 0;
  r->buffer = 0;
  read_bits(r, (unsigned)(offset % WORD_BITS));
}

static inline void reader_init(bit_reader *r, const void *data, size_t len,
                               uint64_t offset)
{
  r->data = (const uint8_t *)data;
  r->len = len;
  r->overrun = 0;
  reader_seek(r, offset);
}

static inline void reader_skip(bit_reader *r, uint64_t n)
{
  if (n <= r->avail)
    read_bits(r, (unsigned)n);
  else
    reader_seek(r, reader_bits(r) + n);
}

/* ------------------------------------------------------------------ */
/* Minimum block length                                                */

/* Every block is at least minbits long (format.md §9.5): zero bits after
 * those written since `start`, up to minbits in all, on encoding; skipped
 * on decoding.  Plain static functions, which GCC calls rather than
 * inlines (most blocks need no padding): forcing them inline, or out of
 * line with noinline (which also stops GCC specialising their callers),
 * moved the block coders' instruction counts by -3 % to +16 %
 * (bench/callgrind.py). */
static MAYBE_UNUSED void pad_block(bit_writer *w, uint64_t start, uint32_t minbits)
{
  uint64_t used = writer_bits(w) - start;
  if (used < minbits)
    write_zero_run(w, minbits - used);
}

static MAYBE_UNUSED void skip_block(bit_reader *r, uint64_t start, uint32_t minbits)
{
  uint64_t used = reader_bits(r) - start;
  if (used < minbits)
    reader_skip(r, minbits - used);
}

#endif
