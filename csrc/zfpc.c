/* The public interface (zfpc.h): compression and decompression of whole
 * arrays, parameters and header checks, then the blocks in format.md §4.2
 * order, then the final flush. */
#include "block_codec.h"
#include "blocks.h"
#include "format.h"
#include "header.h"
#include "traverse.h"

const char *zfpc_status_message(zfpc_status status)
{
  switch (status) {
    case ZFPC_OK: return "success";
    case ZFPC_ERR_PARAMS: return "invalid compression parameters";
    case ZFPC_ERR_FIELD: return "invalid array type, rank or size";
    case ZFPC_ERR_HEADER_SIZE: return "array sizes do not fit the zfp header";
    case ZFPC_ERR_HEADER: return "missing or corrupt zfp header";
    case ZFPC_ERR_TRUNCATED: return "compressed stream is truncated";
    case ZFPC_ERR_OUTPUT_FULL: return "output buffer is too small";
    case ZFPC_ERR_TOO_LARGE: return "array is too large";
    case ZFPC_ERR_NOMEM: return "out of memory";
  }
  return "unknown error";
}

static zfpc_status check_params(const zfpc_params *p)
{
  return zfpc_params_mode(p) == ZFPC_MODE_NULL ? ZFPC_ERR_PARAMS : ZFPC_OK;
}

/* The checks both compression entry points make before any work: the
 * field's block grid, the parameters, and with a header the sizes it can
 * record. */
static zfpc_status check_compression(block_grid *g, const zfpc_field *f,
                                     const zfpc_params *p, int header)
{
  zfpc_status status = grid_init(g, f);
  if (status == ZFPC_OK)
    status = check_params(p);
  if (status == ZFPC_OK && header)
    status = header_check(f);
  return status;
}

/* Whether `f` is a C-contiguous array in native byte order, as the masked
 * container's fill requires (its mask runs over the values in C order). */
static int is_c_contiguous(const zfpc_field *f)
{
  ptrdiff_t expected = f->type == ZFPC_TYPE_INT32 || f->type == ZFPC_TYPE_FLOAT ? 4 : 8;
  unsigned a;
  for (a = 0; a < f->dims; a++) {
    if (f->stride[a] != expected)
      return 0;
    expected *= (ptrdiff_t)f->n[a];
  }
  return !f->byteswap;
}

zfpc_status zfpc_compress_bound(const zfpc_field *f, const zfpc_params *p,
                                int header, size_t *bytes)
{
  block_grid g;
  uint64_t bits;
  zfpc_status status = check_compression(&g, f, p, header);
  if (status != ZFPC_OK)
    return status;
  if (MUL_OVERFLOW_U64((uint64_t)g.count, block_max_bits(f->type, p, f->dims), &bits) ||
      ADD_OVERFLOW_U64(bits, (uint64_t)(header ? zfpc_header_bits(p) : 0) + 63, &bits) ||
      bits / 64 * 8 > SIZE_MAX)
    return ZFPC_ERR_TOO_LARGE;
  *bytes = (size_t)(bits / 64 * 8);
  return ZFPC_OK;
}

zfpc_status zfpc_compress(const zfpc_field *f, const zfpc_params *p,
                          int header, void *out, size_t cap, zfpc_grow grow,
                          void *grow_ctx, size_t *size, unsigned threads,
                          zfpc_report *report)
{
  return zfpc_compress_filled(f, p, header, out, cap, grow, grow_ctx, size,
                              threads, report, NULL);
}

zfpc_status zfpc_compress_filled(const zfpc_field *f, const zfpc_params *p,
                                 int header, void *out, size_t cap,
                                 zfpc_grow grow, void *grow_ctx, size_t *size,
                                 unsigned threads, zfpc_report *report,
                                 const zfpc_missing *missing)
{
  bit_writer w;
  block_grid g;
  zfpc_report ignored;
  zfpc_status status = check_compression(&g, f, p, header);
  if (status == ZFPC_OK && missing && !is_c_contiguous(f))
    status = ZFPC_ERR_FIELD;
  if (status != ZFPC_OK)
    return status;
  writer_init(&w, out, cap);
  w.grow = grow;
  w.grow_ctx = grow_ctx;
  if (header) {
    if (!writer_reserve(&w, zfpc_header_bits(p)))
      return ZFPC_ERR_NOMEM;
    header_write(&w, f, p);
  }
  if (!report)
    report = &ignored;
  report->nonfinite_blocks = report->range_blocks = report->scale_blocks = 0;
  status = encode_blocks(&w, f, &g, p, threads, report, missing);
  writer_flush(&w);
  if (status == ZFPC_OK && w.overflow)
    status = ZFPC_ERR_OUTPUT_FULL;
  *size = w.pos;
  return status;
}

zfpc_status zfpc_decompress(const zfpc_field *f, const zfpc_params *p,
                            const void *in, size_t len, size_t bit_offset,
                            unsigned threads, uint64_t *end_bits)
{
  block_grid g;
  zfpc_status status = grid_init(&g, f);
  if (status == ZFPC_OK)
    status = check_params(p);
  if (status != ZFPC_OK)
    return status;
  return decode_blocks(in, len, bit_offset, f, &g, p, threads, end_bits);
}
