/* The zfp header (format.md §2): MAGIC (32 bits), META (52 bits), MODE
 * (12 or 64 bits), packed like every other field of the stream. */
#include "format.h"
#include "header.h"

static const uint8_t magic[4] = {'z', 'f', 'p', ZFP_CODEC_VERSION};

/* META size sub-field width per rank (format.md §2.2). */
static unsigned size_field_bits(unsigned dims)
{
  static const unsigned width[5] = {0, 48, 24, 16, 12};
  return width[dims];
}

#define MODE_LONG_MARKER 0xfffu   /* format.md §2.3 */
#define MODE_PRECISION_BASE 2047u
#define MODE_REVERSIBLE 2176u
#define MODE_ACCURACY_BASE 3251
#define MODE_LONG_MINEXP_BIAS 16495
#define MODE_SHORT_MAX_RATE_BITS 2048u
#define MODE_SHORT_MAX_MINEXP 843

/* The sizes a header can carry so that zfp's readers get them back: the
 * field widths of format.md §2.2, except in 1-D, where readers keep only 32 of
 * the 48 bits (a longer array would be read back as a shorter one). */
#define HEADER_READ_BITS_1D 32

zfpc_status header_check(const zfpc_field *f)
{
  unsigned i;
  uint64_t limit = UINT64_C(1) << (f->dims == 1 ? HEADER_READ_BITS_1D
                                                : size_field_bits(f->dims));
  for (i = 0; i < f->dims; i++)
    if (f->n[i] < 1 || (uint64_t)f->n[i] > limit)
      return ZFPC_ERR_HEADER_SIZE;
  return ZFPC_OK;
}

static uint64_t meta_word(const zfpc_field *f)
{
  unsigned bits = size_field_bits(f->dims), i;
  uint64_t meta = ((uint64_t)f->type - 1) | ((uint64_t)(f->dims - 1) << 2);
  for (i = 0; i < f->dims; i++)
    meta |= (uint64_t)(f->n[i] - 1) << (4 + i * bits);
  return meta;
}

static uint64_t clamp_u(uint64_t v, uint64_t lo, uint64_t hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* The MODE field value (format.md §2.3): short codes where the mode has one,
 * otherwise the long form with saturated fields. */
static uint64_t mode_word(const zfpc_params *p)
{
  int64_t minexp;
  switch (zfpc_params_mode(p)) {
    case ZFPC_MODE_FIXED_RATE:
      if (p->maxbits <= MODE_SHORT_MAX_RATE_BITS)
        return p->maxbits - 1;
      break;
    case ZFPC_MODE_FIXED_PRECISION:
      return MODE_PRECISION_BASE + p->maxprec;
    case ZFPC_MODE_FIXED_ACCURACY:
      if (p->minexp <= MODE_SHORT_MAX_MINEXP)
        return (uint64_t)(p->minexp + MODE_ACCURACY_BASE);
      break;
    case ZFPC_MODE_REVERSIBLE:
      return MODE_REVERSIBLE;
    default:
      break;
  }
  minexp = (int64_t)p->minexp + MODE_LONG_MINEXP_BIAS;
  return MODE_LONG_MARKER |
         (clamp_u(p->minbits, 1, 0x8000) - 1) << 12 |
         (clamp_u(p->maxbits, 1, 0x8000) - 1) << 27 |
         (clamp_u(p->maxprec, 1, 0x80) - 1) << 42 |
         (uint64_t)(minexp < 0 ? 0 : minexp > 0x7fff ? 0x7fff : minexp) << 49;
}

/* The MODE field's width: short codes are below the long form's marker. */
static unsigned mode_field_bits(uint64_t mode)
{
  return mode < MODE_LONG_MARKER ? HEADER_MODE_SHORT_BITS : HEADER_MODE_LONG_BITS;
}

size_t zfpc_header_bits(const zfpc_params *p)
{
  return HEADER_MAGIC_BITS + HEADER_META_BITS + mode_field_bits(mode_word(p));
}

void header_write(bit_writer *w, const zfpc_field *f, const zfpc_params *p)
{
  unsigned i;
  uint64_t mode = mode_word(p);
  for (i = 0; i < 4; i++)
    write_bits(w, magic[i], 8);
  write_bits(w, meta_word(f), HEADER_META_BITS);
  write_bits(w, mode, mode_field_bits(mode));
}

static void decode_mode(uint64_t mode, zfpc_params *p)
{
  if (mode >= MODE_LONG_MARKER)
    *p = (zfpc_params){(uint32_t)((mode >> 12) & 0x7fff) + 1,
                       (uint32_t)((mode >> 27) & 0x7fff) + 1,
                       (uint32_t)((mode >> 42) & 0x7f) + 1,
                       (int32_t)((mode >> 49) & 0x7fff) - MODE_LONG_MINEXP_BIAS};
  else if (mode < MODE_SHORT_MAX_RATE_BITS)
    *p = (zfpc_params){(uint32_t)mode + 1, (uint32_t)mode + 1, ZFP_MAX_PREC, ZFP_MIN_EXP};
  else if (mode < MODE_REVERSIBLE)
    *p = (zfpc_params){ZFP_MIN_BITS, ZFP_MAX_BITS,
                       (uint32_t)(mode - MODE_PRECISION_BASE), ZFP_MIN_EXP};
  else if (mode == MODE_REVERSIBLE)
    zfpc_params_reversible(p);
  else
    *p = (zfpc_params){ZFP_MIN_BITS, ZFP_MAX_BITS, ZFP_MAX_PREC,
                       (int32_t)mode - MODE_ACCURACY_BASE};
}

/* format.md §2.4: magic and codec version, then META (any value), then MODE
 * (rejected when minbits > maxbits or maxprec is outside 1..64). */
zfpc_status zfpc_read_header(const void *in, size_t len, zfpc_header *h)
{
  bit_reader r;
  uint64_t meta, mode;
  unsigned i, bits;
  reader_init(&r, in, len, 0);
  for (i = 0; i < 4; i++)
    if (read_bits(&r, 8) != magic[i] || r.overrun)
      return ZFPC_ERR_HEADER;
  meta = read_bits(&r, HEADER_META_BITS);
  mode = read_bits(&r, HEADER_MODE_SHORT_BITS);
  if (mode == MODE_LONG_MARKER)
    mode += read_bits(&r, HEADER_MODE_LONG_BITS - HEADER_MODE_SHORT_BITS) << 12;
  if (r.overrun)
    return ZFPC_ERR_HEADER;
  h->type = (zfpc_type)((meta & 3) + 1);
  h->dims = (unsigned)((meta >> 2) & 3) + 1;
  bits = size_field_bits(h->dims);
  for (i = 0; i < 4; i++)
    h->n[i] = i < h->dims ? (size_t)low_bits(meta >> (4 + i * bits), bits) + 1 : 0;
  if (h->dims == 1)  /* zfp keeps only 32 bits of the 48-bit 1-D size */
    h->n[0] = (size_t)low_bits(meta >> 4, HEADER_READ_BITS_1D) + 1;
  decode_mode(mode, &h->params);
  if (zfpc_params_mode(&h->params) == ZFPC_MODE_NULL)
    return ZFPC_ERR_HEADER;
  h->bits = (size_t)reader_bits(&r);
  return ZFPC_OK;
}
