/* Coding the blocks of an array in format.md §4.2 order, split into chunks
 * of consecutive blocks that worker threads code independently (blocks
 * share no state, §12.4).  Compression joins the chunks' bit strings in
 * chunk order, each copied into the stream by the thread that coded it as
 * soon as the chunks before it have their lengths; decompression starts
 * each chunk where the fixed rate puts it or where a measuring pass over
 * variable-length blocks finds it, and the measuring thread decodes the
 * last chunks itself from where it stands (two threads on a long stream
 * split it at a guessed bit instead: guessed_split.c). */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* madvise (fresh_pages.h) */
#endif
#include <stdlib.h>
#include "block_codec.h"
#include "blocks.h"
#include "fill.h"
#include "format.h"
#include "fresh_pages.h"
#include "guessed_split.h"
#include "threads.h"

/* Chunks small enough to balance the load, large enough that joining and
 * scheduling cost nothing next to coding. */
#define CHUNKS_PER_THREAD 32
#define MIN_CHUNK_BLOCKS 64
#define MAX_CHUNK_BLOCKS 4096
/* More threads than this many per core only add scheduling. */
#define MAX_THREADS_PER_CORE 4

typedef struct {
  const zfpc_field *f;
  const block_grid *g;
  const zfpc_params *p;
  const zfpc_missing *missing;  /* compression: what the masked container fills */
  size_t chunk_blocks;
  size_t chunks;
  unsigned workers;      /* threads running, the calling one included */
  zfpc_mutex lock;
  size_t next_chunk;     /* the next chunk a worker takes */
  zfpc_cond turn;
  uint64_t *starts;      /* each chunk's first bit, once known */
  /* compression */
  bit_writer *out;       /* holds no chunk until every one is copied */
  size_t chunk_bytes;    /* capacity a chunk's own buffer needs */
  uint64_t *lengths;     /* each coded chunk's bits (UNKNOWN_BITS before) */
  uint64_t *edges;       /* each chunk's head and tail: the bits of the
                            words it shares with its neighbours */
  size_t sized;          /* chunks 0.. whose lengths are known: starts[0..sized]
                            are */
  unsigned copying;      /* workers copying into out's buffer now (or
                            populating it: it must not move) */
  size_t populated;      /* out's bytes up to here were populated */
  uint64_t coded_bits;   /* the lengths of the chunks coded, added up */
  size_t coded;          /* how many they are */
  int nomem;             /* a worker could not allocate its buffer */
  zfpc_report report;    /* the workers' flagged blocks, added up */
  /* decompression */
  const void *in;
  size_t len;
  uint64_t offset;
  uint64_t block_bits;   /* fixed block length, or 0 (starts measured) */
  size_t measured;       /* chunks whose start is known */
  size_t shared;         /* chunks before the measuring thread's own */
  int truncated;
  uint64_t end;          /* where the last block ends (its decoder sets it) */
} job;

static void encode_range(bit_writer *w, const job *j, size_t first, size_t last,
                         zfpc_report *report)
{
  range_encoder_for(j->f->type, j->p, j->f->dims)(w, j->f, j->g, j->p, first,
                                                  last, report, j->missing);
}

/* Returns 0 when the stream ended before the last block. */
static int decode_range(bit_reader *r, const job *j, size_t first, size_t last)
{
  return range_decoder_for(j->f->type, j->p, j->f->dims)(r, j->f, j->g, j->p,
                                                         first, last);
}

/* Consumes `count` blocks' bits, rebuilding nothing (range_measurer);
 * returns 0 when the stream ended first. */
static int measure_range(bit_reader *r, const zfpc_field *f,
                         const zfpc_params *p, size_t count)
{
  return range_measurer_for(f->type, p, f->dims)(r, p, count, NULL) == count;
}

static size_t take_chunk(job *j)
{
  size_t c;
  zfpc_mutex_lock(&j->lock);
  c = j->next_chunk++;
  zfpc_mutex_unlock(&j->lock);
  return c;
}

static size_t chunk_end(const job *j, size_t c)
{
  size_t end = (c + 1) * j->chunk_blocks;
  return end < j->g->count ? end : j->g->count;
}

#define UNKNOWN_BITS UINT64_MAX

/* A chunk of `bits` bits starting at stream bit `start` shares its first
 * `head` bits' word with the chunks before it, covers `words` whole words
 * after that, and shares the word of the rest (`bits - head - 64 words`)
 * with the chunks after it. */
static void chunk_words(uint64_t start, uint64_t bits, uint64_t *head,
                        size_t *words)
{
  uint64_t to_word = (WORD_BITS - start % WORD_BITS) % WORD_BITS;
  *head = bits < to_word ? bits : to_word;
  *words = (size_t)((bits - *head) / WORD_BITS);
}

/* Under the lock: record chunk c's length, and every start it completes. */
static void record_length(job *j, size_t c, uint64_t bits)
{
  j->lengths[c] = bits;
  j->coded_bits += bits;
  j->coded++;
  for (; j->sized < j->chunks && j->lengths[j->sized] != UNKNOWN_BITS; j->sized++)
    j->starts[j->sized + 1] = j->starts[j->sized] + j->lengths[j->sized];
  zfpc_cond_broadcast(&j->turn);
}

/* Under the lock: make the output hold every chunk whose start is known
 * (growing moves the buffer: it waits for the copies under way).
 * Returns 0 when growing fails. */
static int make_room(job *j)
{
  uint64_t bits = j->starts[j->sized] - j->starts[0];
  if (writer_bytes_for(j->out, bits) <= j->out->capacity)
    return 1;
  while (j->copying)
    zfpc_cond_wait(&j->turn, &j->lock);
  return writer_reserve(j->out, bits);
}

/* The byte of out's buffer at which the first `chunks` chunks should end,
 * at the mean length of those coded so far, plus `margin`, rounded up to
 * the end of a huge page (the unit in which one is faulted). */
static uint64_t populate_end(const job *j, uint64_t chunks, uint64_t margin)
{
  const uint64_t huge = HUGE_PAGE_BYTES, at = (uintptr_t)j->out->data;
  uint64_t to = (j->starts[0] + j->coded_bits / j->coded * chunks) / WORD_BITS * 8 + margin;
  return ((at + to + huge - 1) & ~(huge - 1)) - at;
}

/* Under the lock, by the calling thread: make out's pages present
 * (populate_pages) ahead of the chunks' copies, a huge page past where the
 * chunks being coded should end and no further than the stream should.
 * Then it alone waits for fresh pages, while the other workers code. */
static void populate_ahead(job *j)
{
  uint64_t reach, to, last;
  size_t from = j->populated;
  if (!j->coded || j->nomem)
    return;
  reach = j->next_chunk + j->workers < j->chunks ? j->next_chunk + j->workers : j->chunks;
  to = populate_end(j, reach, HUGE_PAGE_BYTES);
  last = populate_end(j, j->chunks, 0);
  to = to < last ? to : last;
  to = to < j->out->capacity ? to : j->out->capacity;
  if (to <= from)
    return;
  j->copying++;  /* the buffer stays where it is */
  zfpc_mutex_unlock(&j->lock);
  populate_pages(j->out->data + from, (size_t)to - from);
  zfpc_mutex_lock(&j->lock);
  j->populated = (size_t)to;
  j->copying--;
  zfpc_cond_broadcast(&j->turn);
}

/* A worker codes whole chunks into its buffer.  Once the chunks before
 * one have their lengths, it copies the words the chunk alone covers to
 * the output, beside other workers' copies, and keeps its head and tail
 * for join_edges.  The calling thread (`pager`) also populates the output
 * ahead of the copies. */
static void compress_chunks(job *j, int pager)
{
  uint8_t *buffer = malloc(j->chunk_bytes);
  zfpc_report report = {0, 0, 0};
  size_t c;
  for (c = take_chunk(j); c < j->chunks; c = take_chunk(j)) {
    bit_writer w;
    uint64_t bits, start, head;
    size_t words;
    uint8_t *out;
    writer_init(&w, buffer, buffer ? j->chunk_bytes : 0);
    encode_range(&w, j, c * j->chunk_blocks, chunk_end(j, c), &report);
    bits = writer_bits(&w);
    writer_flush(&w);
    zfpc_mutex_lock(&j->lock);
    if (w.overflow)
      j->nomem = 1;  /* malloc failed: chunks fit their bound */
    record_length(j, c, bits);
    if (pager)
      populate_ahead(j);
    while (j->sized <= c && !j->nomem)
      zfpc_cond_wait(&j->turn, &j->lock);
    if (!j->nomem && !make_room(j))
      j->nomem = 1;
    if (j->nomem) {  /* the output is gone or incomplete: code no more */
      zfpc_cond_broadcast(&j->turn);
      zfpc_mutex_unlock(&j->lock);
      break;
    }
    j->copying++;
    out = j->out->data;
    start = j->starts[c];
    zfpc_mutex_unlock(&j->lock);
    chunk_words(start, bits, &head, &words);
    copy_bit_words(out + (start + head) / WORD_BITS * 8, buffer, head, words);
    j->edges[2 * c] = bits_at(buffer, 0, (unsigned)head);
    j->edges[2 * c + 1] = bits_at(buffer, head + (uint64_t)words * WORD_BITS,
                                  (unsigned)(bits - head - (uint64_t)words * WORD_BITS));
    zfpc_mutex_lock(&j->lock);
    j->copying--;
    zfpc_cond_broadcast(&j->turn);
    zfpc_mutex_unlock(&j->lock);
  }
  zfpc_mutex_lock(&j->lock);
  j->report.nonfinite_blocks += report.nonfinite_blocks;
  j->report.range_blocks += report.range_blocks;
  j->report.scale_blocks += report.scale_blocks;
  zfpc_mutex_unlock(&j->lock);
  free(buffer);
}

static void *compress_worker(void *arg)
{
  compress_chunks((job *)arg, 0);
  return NULL;
}

static void *compress_pager(void *arg)
{
  compress_chunks((job *)arg, 1);
  return NULL;
}

/* After the workers: write the words the chunks share, from their heads and
 * tails, stepping over the words copied, so that `out` ends where the last
 * chunk does, its pending bits in hand. */
static void join_edges(const job *j)
{
  size_t c, words;
  for (c = 0; c < j->chunks; c++) {
    uint64_t bits = j->lengths[c], head;
    chunk_words(j->starts[c], bits, &head, &words);
    write_bits(j->out, j->edges[2 * c], (unsigned)head);
    writer_skip_words(j->out, words);
    write_bits(j->out, j->edges[2 * c + 1],
               (unsigned)(bits - head - (uint64_t)words * WORD_BITS));
  }
}

/* Where chunk c starts: where the fixed rate puts it, or where the
 * measuring thread found it (waiting for that); 0 when the stream ended
 * before it or the measuring thread decodes it. */
static int chunk_start(job *j, size_t c, uint64_t *start)
{
  int known;
  if (!j->starts) {
    *start = j->offset + c * j->chunk_blocks * j->block_bits;
    return 1;
  }
  zfpc_mutex_lock(&j->lock);
  while (j->measured <= c && c < j->shared && !j->truncated)
    zfpc_cond_wait(&j->turn, &j->lock);
  known = j->measured > c && c < j->shared;
  if (known)
    *start = j->starts[c];
  zfpc_mutex_unlock(&j->lock);
  return known;
}

static void mark_truncated(job *j)
{
  zfpc_mutex_lock(&j->lock);
  j->truncated = 1;
  zfpc_cond_broadcast(&j->turn);
  zfpc_mutex_unlock(&j->lock);
}

static void *decompress_worker(void *arg)
{
  job *j = (job *)arg;
  uint64_t start;
  size_t c;
  for (c = take_chunk(j); c < j->chunks && chunk_start(j, c, &start);
       c = take_chunk(j)) {
    bit_reader r;
    reader_init(&r, j->in, j->len, start);
    if (!decode_range(&r, j, c * j->chunk_blocks, chunk_end(j, c)))
      mark_truncated(j);
    else if (c + 1 == j->chunks)
      j->end = reader_bits(&r);  /* one worker decodes the last chunk */
  }
  return NULL;
}

/* Whether the measuring thread, standing at the start of chunk c, should
 * stop measuring and decode chunks c.. itself: measuring on only feeds the
 * other workers chunks they would not reach before it finished those, once
 * its tail is no longer than their share of the chunks located and not yet
 * taken (chunks cost alike).  Measuring costs a fraction of decoding, so
 * the chunks waiting pile up and it hands over part way: on two threads the
 * time is that of decoding a share, not of measuring everything first. */
static int decode_from_here(const job *j, size_t c)
{
  size_t waiting = c > j->next_chunk ? c - j->next_chunk : 0;
  return (j->chunks - c) * (j->workers - 1) <= waiting;
}

/* The calling thread's part with variable-length blocks: read through the
 * stream without reconstructing blocks, publishing where each chunk starts
 * as it goes, while the other workers decode the chunks already located;
 * then decode the chunks from where it stands (decode_from_here). */
static void *measure_then_decompress(void *arg)
{
  job *j = (job *)arg;
  bit_reader r;
  size_t c;
  reader_init(&r, j->in, j->len, j->offset);
  for (c = 0; c < j->chunks; c++) {
    int mine;
    zfpc_mutex_lock(&j->lock);
    mine = decode_from_here(j, c);
    if (mine)
      j->shared = c;  /* no worker has taken chunk c: waiting > 0 */
    else {
      j->starts[c] = reader_bits(&r);
      j->measured = c + 1;
    }
    zfpc_cond_broadcast(&j->turn);
    zfpc_mutex_unlock(&j->lock);
    if (mine) {
      if (!decode_range(&r, j, c * j->chunk_blocks, j->g->count))
        mark_truncated(j);
      else
        j->end = reader_bits(&r);
      break;  /* then any located chunk no worker took */
    }
    if (c + 1 < j->chunks &&
        !measure_range(&r, j->f, j->p, chunk_end(j, c) - c * j->chunk_blocks)) {
      mark_truncated(j);
      break;
    }
  }
  return decompress_worker(j);
}

unsigned resolve_threads(unsigned threads)
{
  unsigned cores;
  /* every machine has a core, so up to MAX_THREADS_PER_CORE threads need
   * no count: asking costs a file read (glibc reads
   * /sys/devices/system/cpu/online each time), measured at 6 us, which is
   * more than coding a small array */
  if (threads && threads <= MAX_THREADS_PER_CORE)
    return threads;
  cores = zfpc_cores();
  if (!threads)
    return cores;
  return threads < MAX_THREADS_PER_CORE * cores ? threads
                                                : MAX_THREADS_PER_CORE * cores;
}

/* Split the blocks into chunks for `threads` workers; returns the number of
 * workers worth starting (1: code serially). */
static unsigned plan_chunks(job *j, unsigned threads)
{
  size_t blocks = j->g->count, chunk;
  threads = resolve_threads(threads);
  chunk = blocks / ((size_t)threads * CHUNKS_PER_THREAD);
  chunk = chunk < MIN_CHUNK_BLOCKS ? MIN_CHUNK_BLOCKS
        : chunk > MAX_CHUNK_BLOCKS ? MAX_CHUNK_BLOCKS : chunk;
  j->chunk_blocks = chunk;
  j->chunks = (blocks + chunk - 1) / chunk;
  j->shared = j->chunks;
  j->next_chunk = 0;
  return j->chunks < threads ? (unsigned)j->chunks : threads;
}

/* Run `worker` on `threads` - 1 new threads and `lead` on the calling one
 * (which does all the work if no thread can be started). */
static void run_workers(void *(*worker)(void *), void *(*lead)(void *), job *j,
                        unsigned threads)
{
  zfpc_thread *ids = malloc(sizeof *ids * threads);
  unsigned t, started = 0;
  zfpc_mutex_init(&j->lock);
  zfpc_cond_init(&j->turn);
  for (t = 1; ids && t < threads; t++)
    if (zfpc_thread_start(&ids[started], worker, j) == 0)
      started++;
  j->workers = started + 1;
  lead(j);
  for (t = 0; t < started; t++)
    zfpc_thread_join(&ids[t]);
  free(ids);
  zfpc_cond_destroy(&j->turn);
  zfpc_mutex_destroy(&j->lock);
}

zfpc_status encode_blocks(bit_writer *w, const zfpc_field *f,
                          const block_grid *g, const zfpc_params *p,
                          unsigned threads, zfpc_report *report,
                          const zfpc_missing *missing)
{
  job j = {0};
  zfpc_missing coder_missing = {NULL, NULL};
  unsigned workers;
  uint64_t max_bits = block_max_bits(f->type, p, f->dims);
  size_t c;
  j.f = f;
  j.g = g;
  j.p = p;
  j.missing = missing;
  workers = plan_chunks(&j, threads);
  if (workers > 1) {
    j.starts = malloc(sizeof *j.starts * (j.chunks + 1));
    j.lengths = malloc(sizeof *j.lengths * j.chunks);
    j.edges = malloc(sizeof *j.edges * 2 * j.chunks);
    if (!j.starts || !j.lengths || !j.edges)
      workers = 1;  /* no memory to join chunks: code serially */
  }
  if (missing && missing->found) {
    if (workers > 1) {
      /* blocks coded by different threads share bitmap bytes: one pass first */
      found_by_pass(f, missing);
      coder_missing.fill = missing->fill;
      j.missing = &coder_missing;
    }
    else
      found_clear(f, missing->found);
  }
  if (workers <= 1) {
    /* chunk by chunk, so that a growing output follows the stream's size */
    for (c = 0; c < j.chunks && !j.nomem; c++) {
      size_t first = c * j.chunk_blocks, last = chunk_end(&j, c);
      if (!writer_reserve(w, (last - first) * max_bits))
        j.nomem = 1;
      else
        encode_range(w, &j, first, last, report);
    }
  }
  else {
    j.out = w;
    j.chunk_bytes = (size_t)((max_bits * j.chunk_blocks + 63) / 64 * 8);
    j.starts[0] = writer_bits(w);
    for (c = 0; c < j.chunks; c++)
      j.lengths[c] = UNKNOWN_BITS;
    run_workers(compress_worker, compress_pager, &j, workers);
    if (!j.nomem)
      join_edges(&j);
  }
  free(j.starts);
  free(j.lengths);
  free(j.edges);
  report->nonfinite_blocks += j.report.nonfinite_blocks;
  report->range_blocks += j.report.range_blocks;
  report->scale_blocks += j.report.scale_blocks;
  return j.nomem ? ZFPC_ERR_NOMEM : ZFPC_OK;
}

uint64_t fixed_block_bits(zfpc_type type, const zfpc_params *p)
{
  const type_traits *t = traits_of(type);
  unsigned head;
  if (p->minbits != p->maxbits)
    return 0;
  if (is_reversible(p)) {
    if (t->is_float)
      return 0;  /* empty reversible float blocks are never padded */
    head = t->pbits;
  }
  else
    head = lossy_prefix_bits(t);
  return p->maxbits >= head ? p->maxbits : 0;
}

zfpc_status decode_blocks(const void *in, size_t len, uint64_t offset,
                          const zfpc_field *f, const block_grid *g,
                          const zfpc_params *p, unsigned threads,
                          uint64_t *end)
{
  job j = {0};
  unsigned workers;
  j.f = f;
  j.g = g;
  j.p = p;
  j.in = in;
  j.len = len;
  j.offset = offset;
  j.block_bits = fixed_block_bits(f->type, p);
  workers = plan_chunks(&j, threads);
  if (workers == 2 && !j.block_bits && guessed_split_fits(f->type, p, g, f->dims)) {
    /* two threads split a long stream at a guessed bit (faster where
     * measuring costs much of decoding); more share located chunks */
    zfpc_status status = decode_guessed_split(in, len, offset, f, g, p, end);
    if (status != ZFPC_ERR_NOMEM)
      return status;
  }
  if (workers > 1 && !j.block_bits) {
    j.starts = malloc(sizeof *j.starts * j.chunks);
    if (!j.starts)
      workers = 1;  /* no memory for the starts: decode serially */
  }
  if (workers <= 1) {
    bit_reader r;
    reader_init(&r, in, len, offset);
    j.truncated = !decode_range(&r, &j, 0, g->count);
    j.end = reader_bits(&r);
  }
  else
    run_workers(decompress_worker,
                j.starts ? measure_then_decompress : decompress_worker, &j,
                workers);
  free(j.starts);
  *end = j.end;
  return j.truncated ? ZFPC_ERR_TRUNCATED : ZFPC_OK;
}

zfpc_status measure_blocks(const void *in, size_t len, uint64_t offset,
                           const zfpc_field *f, const block_grid *g,
                           const zfpc_params *p, uint64_t *end)
{
  bit_reader r;
  uint64_t block_bits = fixed_block_bits(f->type, p), bits;
  if (block_bits) {  /* the length alone decides */
    if (MUL_OVERFLOW_U64((uint64_t)g->count, block_bits, &bits) ||
        ADD_OVERFLOW_U64(bits, offset, end))
      return ZFPC_ERR_TOO_LARGE;
    return *end <= (uint64_t)len * 8 ? ZFPC_OK : ZFPC_ERR_TRUNCATED;
  }
  reader_init(&r, in, len, offset);
  if (!measure_range(&r, f, p, g->count))
    return ZFPC_ERR_TRUNCATED;
  *end = reader_bits(&r);
  return ZFPC_OK;
}
