/* Two threads decoding a stream of variable-length blocks (format.md §12.4)
 * without first measuring the part the worker decodes.
 *
 * The worker decodes from the first block on.  The calling thread measures
 * blocks from a bit guessed part way into the stream, recording each one's
 * length.  A guessed bit is rarely a block's start: that parse reads
 * garbage blocks until it falls onto the true starts, and from there it is
 * the true parse (a block's bits depend only on where it starts).  Every
 * parse tried fell in, after about as many garbage blocks as a block has
 * bits: most within 256 blocks in 1-D and 2-D lossy streams, within 4096
 * in 3-D lossy and 2-D reversible ones, later in 4-D and 3-D reversible
 * ones (which are not guessed in: falls_in_soon).  The worker, once past
 * the guess, looks its block starts up in the record: the first one found
 * proves the two parses agree from there and gives the recorded blocks
 * their indices.  The calling thread then decodes the last blocks, from the
 * one that leaves both threads equal shares, while the worker decodes up
 * to it.  Nothing unproven is decoded into the array: without an agreement
 * the worker decodes every block.
 *
 * Where memory allows (EARLY_MAX_BYTES), the calling thread decodes blocks
 * from the guess instead of only measuring them, into a buffer of their
 * own (range_reader): blocks decoded before their indices are known.  It
 * first measures a prefix about twice as long as the garbage run it
 * expects (early_prefix), so that little of what it decodes is garbage.
 * The worker, on the agreement, decodes the prefix's blocks past it, stores
 * the decoded ones into the array (place_blocks, a copy) and goes on after
 * them; the calling thread decodes on from where it stands, now straight
 * into the array.  Both decode at one speed, so when the worker reaches a
 * guess at share s the calling thread has decoded up to about 2s; storing
 * costs the worker a fraction c of decoding, and both end together at
 * s = 1 / (2 + c): EARLY_SHARE, for c about 0.2, less for a prefix
 * (early_share).  Measured against measuring from the guesses below (2
 * threads against one, 8 MiB smooth fields in the variable-rate modes):
 * 1-D 1.53x-1.74x -> 1.65x-1.87x, 2-D 1.57x-1.70x -> 1.78x-1.87x, a
 * real 2-D relief 1.55x-1.61x -> 1.79x-1.89x; 3-D: early_prefix.
 * Streams whose garbage runs are long (falls_in_soon: 4-D and 3-D
 * reversible ones) or whose prefix would be (EARLY_MAX_PREFIX) are
 * measured.
 *
 * Only measuring, with decoding time D and measuring time M, the guess is
 * best at a share 1 / (1 + 2 D/M) of the stream: the calling thread has
 * then measured to the middle of the rest when the worker reaches it, and
 * two threads take D (1 + share) / 2.  Measuring from the first block
 * instead (the pass of blocks.c) takes D / (2 - M/D): the same where M/D
 * is small, worse where it is large. */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* madvise (fresh_pages.h) */
#endif
#include <stdlib.h>
#include "block_codec.h"
#include "format.h"
#include "guessed_split.h"
#include "fresh_pages.h"
#include "threads.h"

/* The worker takes, and checks the record, this many blocks at a time;
 * the calling thread records this many between looks at the worker. */
#define PIECE_BLOCKS 256
/* The shortest stream worth a guess (shorter ones cannot recoup a parse
 * that falls in late). */
#define MIN_SPLIT_BLOCKS 16384
/* Decoding early: the guess's share of the stream, and the most memory the
 * buffer takes (it holds EARLY_SHARE + 0.05 of the blocks, room for a
 * worker slower than the calling thread; an array that needs more is
 * measured: from 128 MiB up). */
#define EARLY_SHARE 0.45
#define EARLY_MAX_BYTES ((size_t)64 << 20)
/* The measured prefix: mean garbage runs it covers, and the largest share
 * of the blocks it may take (a longer one is measured on instead). */
#define EARLY_PREFIX_RUNS 2.0
#define EARLY_MAX_PREFIX 0.125

typedef struct {
  const zfpc_field *f;
  const block_grid *g;
  const zfpc_params *p;
  range_decoder decode;
  range_measurer measure;
  range_reader read;
  const void *in;
  size_t len;
  uint64_t offset;
  zfpc_mutex lock;
  zfpc_cond progress;    /* the worker agreed, or stopped looking */
  /* the calling thread's parse from `guess` */
  uint64_t guess;
  uint16_t *lengths;
  uint64_t *piece_at;    /* where each piece of PIECE_BLOCKS records starts */
  size_t recorded;       /* lengths published */
  int record_ended;      /* no more will come */
  char *early;           /* blocks of the records from early_from, decoded
                            (or NULL) */
  size_t early_from;     /* with `early`, the first record decoded early
                            (those before it are only measured; else 0) */
  size_t early_blocks;   /* how many `early` holds */
  size_t early_bytes;    /* bytes a block takes there */
  size_t decoded;        /* records early_from.. up to this one are in `early` */
  /* the worker's side */
  size_t claimed;        /* blocks decoded or being decoded */
  int looking;           /* for its block starts in the record */
  int agreed;            /* the record's block `agreed_at` is block `agreed_block` */
  size_t agreed_at, agreed_block;
  size_t split;          /* the first block the calling thread decodes */
  int truncated;
  uint64_t end;
} split_job;

static void mark_truncated(split_job *j)
{
  zfpc_mutex_lock(&j->lock);
  j->truncated = 1;
  zfpc_cond_broadcast(&j->progress);
  zfpc_mutex_unlock(&j->lock);
}

/* Where the worker's block b starts (`at`) found in the record, looked up
 * from record entry *k (which starts at bit *k_at) on; entries are never
 * looked at twice. */
static int find_in_record(const split_job *j, uint64_t at, size_t recorded,
                          size_t *k, uint64_t *k_at)
{
  while (*k < recorded && *k_at < at)
    *k_at += j->lengths[(*k)++];
  return *k_at == at;
}

/* Where record entry e starts: its piece's start plus the lengths before
 * it in the piece (the calling thread published both before entry e). */
static uint64_t record_start(const split_job *j, size_t e)
{
  uint64_t start = j->piece_at[e / PIECE_BLOCKS];
  size_t k;
  for (k = e - e % PIECE_BLOCKS; k < e; k++)
    start += j->lengths[k];
  return start;
}

/* Under the lock, as the worker is to store record k's block as block b:
 * the decoded blocks from k on that it takes over (it claims them). */
static size_t take_early(split_job *j, size_t k, size_t b)
{
  size_t count = j->decoded > k ? j->decoded - k : 0;
  if (b >= j->g->count)
    return 0;
  if (count > j->g->count - b)
    count = j->g->count - b;  /* the record may run into the padding */
  if (count)
    j->claimed = b + count;  /* (else the piece it claimed stays claimed) */
  return count;
}

/* The worker: blocks from the first on, a piece at a time up to the split,
 * looking each piece's first block start up in the record until found;
 * there it stores the blocks decoded early and goes on after them. */
static void *decode_front(void *arg)
{
  split_job *j = (split_job *)arg;
  size_t b = 0, k = 0;
  uint64_t k_at = j->guess;
  bit_reader r;
  reader_init(&r, j->in, j->len, j->offset);
  zfpc_mutex_lock(&j->lock);
  while (b < j->split) {
    size_t last = b + PIECE_BLOCKS < j->split ? b + PIECE_BLOCKS : j->split;
    size_t recorded = j->recorded;
    int ended = j->record_ended;
    uint64_t at = reader_bits(&r);
    j->claimed = last;
    zfpc_mutex_unlock(&j->lock);
    if (j->looking && at >= j->guess) {
      int found = find_in_record(j, at, recorded, &k, &k_at);
      if (found || (ended && k == recorded && k_at < at)) {
        /* records before early_from it decodes itself (`lead`) */
        size_t from = k > j->early_from ? k : j->early_from, lead = from - k;
        size_t early = 0;
        zfpc_mutex_lock(&j->lock);
        j->agreed = found;
        j->agreed_at = k;
        j->agreed_block = b;
        j->looking = 0;  /* found, or the record ends before this block */
        if (found)
          early = take_early(j, from, b + lead);
        zfpc_cond_broadcast(&j->progress);
        zfpc_mutex_unlock(&j->lock);
        if (early) {
          if (lead && !j->decode(&r, j->f, j->g, j->p, b, b + lead)) {
            mark_truncated(j);
            return NULL;
          }
          place_blocks(j->f, j->g, b + lead, early,
                       j->early + (from - j->early_from) * j->early_bytes);
          reader_init(&r, j->in, j->len, record_start(j, from + early));
          b += lead + early;
          zfpc_mutex_lock(&j->lock);
          continue;
        }
      }
    }
    if (!j->decode(&r, j->f, j->g, j->p, b, last)) {
      mark_truncated(j);
      return NULL;
    }
    b = last;
    zfpc_mutex_lock(&j->lock);
  }
  j->looking = 0;
  zfpc_cond_broadcast(&j->progress);
  zfpc_mutex_unlock(&j->lock);
  if (b == j->g->count)
    j->end = reader_bits(&r);
  return NULL;
}

/* Whether a parse from a guessed bit falls in soon enough to be worth a
 * guess: not in 4-D streams (runs of 2,000-15,000 blocks) nor in 3-D
 * reversible ones, whose runs can be tens of mean runs long (41,021
 * blocks in a 32 MiB float32 field of 1,541 bits a block, which decoding
 * early split 1.44x-1.52x against 1.56x-1.75x measuring from the first
 * block). */
static int falls_in_soon(const zfpc_params *p, unsigned dims)
{
  return dims <= (is_reversible(p) ? 2u : 3u);
}

/* Decoding early: the records measured from the guess before decoding
 * (early_from), whole pieces covering EARLY_PREFIX_RUNS mean garbage runs.
 * A garbage parse falls in after about as many blocks as a block has bits
 * (the top), which the stream's length over its blocks tells; the parse
 * measures that run instead of decoding it, at a fraction of the cost.
 * Blocks the parse decodes before it falls in are wasted; records it only
 * measured after, the worker decodes.  3-D streams, whose runs are
 * hundreds to thousands of blocks, need it most (decoding from the guess
 * on, 8 MiB float64 streams at fixed precision ran 1,938 garbage blocks
 * and split 1.34x-1.49x; measured against measuring every record, 8 and
 * 32 MiB 3-D lossy fields split 1.52x-1.79x measuring and 1.67x-1.84x
 * with the prefix). */
static size_t early_prefix(double bits, size_t count)
{
  size_t prefix = (size_t)(EARLY_PREFIX_RUNS * bits / (double)count);
  prefix += PIECE_BLOCKS - 1;
  return prefix - prefix % PIECE_BLOCKS;
}

/* Decoding early: where to guess.  With no prefix, EARLY_SHARE (the top).
 * A prefix of G of the N blocks costs the calling thread measuring them
 * and the worker decoding the part after the parse fell in (about half,
 * G/2), which shifts the balance to about EARLY_SHARE (1 - G/N). */
static double early_share(size_t prefix, size_t count)
{
  return EARLY_SHARE * (1.0 - (double)prefix / (double)count);
}

/* Only measuring: the share of the stream to guess at, about
 * 1 / (1 + 2 D/M) where
 * measuring can cost 0.3 of decoding or more (M/D on smooth fields: 0.3-0.5
 * in 1-D, 0.45-0.65 in 2-D lossy modes, 0.4-0.55 in 3-D lossy ones, 0.3
 * for float64 there; 0.45 on 2-D reversible relief), and none
 * elsewhere: measuring from the first block then loses little (2 - M/D is
 * 1.7x and more), while a guess costs its run of garbage, long in large
 * blocks (3-D and 4-D reversible streams split 1.52x against 1.60x).  A
 * guess too early only leaves more to measure after it; one too late
 * delays the agreement by its run of garbage, which in 3-D lossy float64
 * streams (500-650 bits a block) took a thousand blocks and more, a
 * twentieth of an 8 MiB array: guessed there at 0.08 instead of 0.18,
 * 3-D float64 fields of 8 and 32 MiB split 1.63x-1.74x instead of
 * 1.43x-1.62x (smooth fields, fixed accuracy and precision), where float32
 * ones gained nothing and a real float32 field lost (int64 ones were not
 * faster on two threads either way). */
static double measured_share(zfpc_type type, const zfpc_params *p, unsigned dims)
{
  if (!falls_in_soon(p, dims))
    return 0.0;
  if (dims == 1 || is_reversible(p))
    return 0.15;
  return dims == 2 ? 0.2 : type == ZFPC_TYPE_DOUBLE ? 0.08 : 0.18;
}

/* Once the parses agree: the block where the calling thread should take
 * over, or 0 to measure on (or where no block is left to it).  Where it
 * has decoded every block it recorded and the worker claimed none past
 * them, the worker stores those and it decodes on from the next one (the
 * guess balanced the two).  Else the middle of what the worker has not
 * claimed balances them if the record reaches it; a record that ended
 * short of it gives its end.  (The record may run past the last block,
 * into the stream's padding: `middle` stays below it.) */
static size_t split_block(const split_job *j, size_t recorded, int ended)
{
  size_t count = j->g->count;
  size_t known = j->agreed_block + (recorded - j->agreed_at);
  size_t middle = j->claimed + (count - j->claimed) / 2;
  size_t split;
  if (j->decoded == recorded && known >= j->claimed)
    split = known;
  else {
    split = known >= middle ? middle : ended ? known : 0;
    if (split <= j->claimed)
      split = 0;
  }
  return split < count ? split : 0;
}

/* Measure from the guess, a piece at a time, until the split is known
 * (0: none, the worker decodes every block). */
static size_t record_until_split(split_job *j, bit_reader *r)
{
  size_t count = j->g->count, recorded = 0, split = 0;
  int ended = 0, truncated, early = j->early != NULL;
  for (;;) {
    if (!ended) {
      size_t want = count - recorded < PIECE_BLOCKS ? count - recorded : PIECE_BLOCKS, got;
      early = early && recorded + want <= j->early_from + j->early_blocks;
      if (!want)
        got = 0;
      else if (early && recorded >= j->early_from)
        got = j->read(r, j->p, want, j->lengths + recorded,
                      j->early + (recorded - j->early_from) * j->early_bytes);
      else
        got = j->measure(r, j->p, want, j->lengths + recorded);
      recorded += got;
      if (got == PIECE_BLOCKS)
        j->piece_at[recorded / PIECE_BLOCKS] = reader_bits(r);
      ended = got < want || !want;
    }
    zfpc_mutex_lock(&j->lock);
    j->recorded = recorded;
    j->record_ended = ended;
    if (early && recorded > j->early_from)
      j->decoded = recorded;
    early = early && !j->agreed && j->looking;  /* later blocks come too late */
    /* a whole record waits for the worker to pass the guess */
    while (ended && j->looking && !j->truncated)
      zfpc_cond_wait(&j->progress, &j->lock);
    truncated = j->truncated;
    if (j->agreed && !truncated) {
      split = split_block(j, recorded, ended);
      if (split)
        j->split = split;
    }
    zfpc_mutex_unlock(&j->lock);
    if (split || ended || truncated)
      return split;
  }
}

/* The calling thread: record from the guess, then decode from the split. */
static void decode_back(split_job *j)
{
  size_t count = j->g->count, split;
  bit_reader r;
  reader_init(&r, j->in, j->len, j->guess);
  j->piece_at[0] = j->guess;
  split = record_until_split(j, &r);
  if (!split)
    return;
  /* from the split block's record entry */
  reader_init(&r, j->in, j->len,
              record_start(j, j->agreed_at + (split - j->agreed_block)));
  if (!j->decode(&r, j->f, j->g, j->p, split, count))
    mark_truncated(j);
  else
    j->end = reader_bits(&r);
}

int guessed_split_fits(zfpc_type type, const zfpc_params *p, const block_grid *g,
                       unsigned dims)
{
  return g->count >= MIN_SPLIT_BLOCKS && block_max_bits(type, p, dims) <= UINT16_MAX;
}

zfpc_status decode_guessed_split(const void *in, size_t len, uint64_t offset,
                                 const zfpc_field *f, const block_grid *g,
                                 const zfpc_params *p, uint64_t *end)
{
  split_job j = {0};
  zfpc_thread worker;
  double bits, share;
  size_t prefix;
  j.f = f;
  j.g = g;
  j.p = p;
  j.decode = range_decoder_for(f->type, p, f->dims);
  j.measure = range_measurer_for(f->type, p, f->dims);
  j.read = range_reader_for(f->type, p, f->dims);
  j.in = in;
  j.len = len;
  j.offset = offset;
  j.early_bytes = ((size_t)traits_of(f->type)->bits / 8) << (2 * f->dims);
  bits = (uint64_t)len * 8 > offset ? (double)((uint64_t)len * 8 - offset) : 0.0;
  prefix = early_prefix(bits, g->count);
  share = measured_share(f->type, p, f->dims);
  if (falls_in_soon(p, f->dims) && prefix <= g->count * EARLY_MAX_PREFIX) {
    double early = early_share(prefix, g->count);
    j.early_blocks = (size_t)((early + 0.05) * (double)g->count) + PIECE_BLOCKS;
    /* without the memory, measure them */
    if (j.early_blocks <= EARLY_MAX_BYTES / j.early_bytes)
      j.early = malloc(j.early_blocks * j.early_bytes);
    if (j.early) {
      /* written by one thread while the other writes the array, both
       * fresh memory: 4 KiB faults left it behind (32 MiB float64 fields,
       * timed as bench/ times them, split 1.54x-1.69x with them and
       * 1.61x-1.79x with huge pages) */
      advise_huge_pages(j.early, j.early_blocks * j.early_bytes);
      j.early_from = prefix;
      share = early;
    }
  }
  j.guess = offset + (uint64_t)(share * bits);
  j.looking = 1;
  j.split = g->count;
  j.lengths = malloc(sizeof *j.lengths * g->count);
  j.piece_at = malloc(sizeof *j.piece_at * (g->count / PIECE_BLOCKS + 1));
  if (!j.lengths || !j.piece_at) {
    free(j.lengths);
    free(j.piece_at);
    free(j.early);
    return ZFPC_ERR_NOMEM;
  }
  zfpc_mutex_init(&j.lock);
  zfpc_cond_init(&j.progress);
  if (zfpc_thread_start(&worker, decode_front, &j) == 0) {
    decode_back(&j);
    zfpc_thread_join(&worker);
  }
  else
    decode_front(&j);
  zfpc_cond_destroy(&j.progress);
  zfpc_mutex_destroy(&j.lock);
  free(j.lengths);
  free(j.piece_at);
  free(j.early);
  *end = j.end;
  return j.truncated ? ZFPC_ERR_TRUNCATED : ZFPC_OK;
}
