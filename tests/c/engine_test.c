/* The C engine's own test driver: a few arrays through the public interface
 * (csrc/zfpc.h) alone, with no Python, so that every compiler and platform
 * the engine is built with can be checked the same way (tools/check-portable.sh
 * builds it with clang -std=c99 -pedantic and, for Windows, with mingw-w64
 * and runs it under Wine; tests/test_c_engine.py builds and runs it with the
 * host's compiler).
 *
 * For each case it checks: the stream's length and FNV-1a hash equal those
 * of zfpy.compress_numpy on the same array (EXPECTED below, from our Python
 * package, whose streams the differential tests prove equal to zfpy 1.0.1's;
 * tests/test_c_engine.py recomputes them), the same bytes with 3 threads,
 * the header read back, the decoded values' hash (with 1 and 3 threads), an
 * exact round trip where the mode is lossless and the error bound where it
 * is fixed accuracy; and that a truncated stream and a corrupt header are
 * refused.  Prints one line per case, then "N passed, N failed"; the exit
 * status is 0 when every case passed.
 *
 * The values are exact in every type (integers, and integers / 64 for
 * floats), so no platform's libm can change them. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zfpc.h"

typedef enum { REVERSIBLE, ACCURACY, RATE, PRECISION } kind;

typedef struct {
  const char *name;
  zfpc_type type;
  unsigned dims;
  size_t n[4];        /* x (fastest) first, as zfpc_field */
  kind mode;
  double parameter;   /* tolerance, rate or precision */
  size_t size;        /* expected stream bytes */
  uint64_t stream;    /* expected FNV-1a hash of the stream */
  uint64_t decoded;   /* expected FNV-1a hash of the decoded values */
} test_case;

/* Made by tests/test_c_engine.py (print_expected) from zfpcodec's zfpy. */
static const test_case CASES[] = {
  {"f64 3-D reversible", ZFPC_TYPE_DOUBLE, 3, {40, 37, 23, 0}, REVERSIBLE, 0,
   51312, 0x6b216d4610aa155f, 0x0dfa90035e96011a},
  {"f64 3-D accuracy 1e-3", ZFPC_TYPE_DOUBLE, 3, {40, 37, 23, 0}, ACCURACY, 1e-3,
   65152, 0xbc26830c2227623e, 0x8ecd9f07be64ae49},
  {"f32 2-D rate 12", ZFPC_TYPE_FLOAT, 2, {150, 67, 0, 0}, RATE, 12,
   15520, 0xb435d7fa79588c4f, 0xc544584ea682ccdc},
  {"f32 2-D precision 20", ZFPC_TYPE_FLOAT, 2, {150, 67, 0, 0}, PRECISION, 20,
   13888, 0x02bef981c89a18ee, 0xb757540ff15fc64d},
  {"i32 1-D reversible", ZFPC_TYPE_INT32, 1, {5000, 0, 0, 0}, REVERSIBLE, 0,
   14936, 0xab139ddd8d7f5489, 0x711370bf982cb5dd},
  {"i64 4-D precision 40", ZFPC_TYPE_INT64, 4, {9, 8, 7, 6}, PRECISION, 40,
   7072, 0x91b0b26e529219fd, 0x3ca421df329faa80},
  {"i32 3-D rate 9.5", ZFPC_TYPE_INT32, 3, {33, 30, 27, 0}, RATE, 9.5,
   38320, 0xc3dfdf9afb174e6b, 0x6fcdf33740bfcb9c},
};

static uint64_t fnv1a(const void *data, size_t bytes)
{
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325u;
  size_t i;
  for (i = 0; i < bytes; i++)
    h = (h ^ p[i]) * 0x100000001b3u;
  return h;
}

static size_t type_size(zfpc_type type)
{
  return type == ZFPC_TYPE_INT32 || type == ZFPC_TYPE_FLOAT ? 4 : 8;
}

static size_t count(const test_case *c)
{
  size_t total = 1;
  unsigned a;
  for (a = 0; a < c->dims; a++)
    total *= c->n[a];
  return total;
}

/* A smooth field plus a little hash noise, as an integer k in [0, 2^16). */
static uint32_t level(size_t i, size_t x, size_t y, size_t z, size_t w)
{
  uint32_t noise = ((uint32_t)i * 2654435761u) >> 28;
  return (uint32_t)((x * x + 3 * y * y + 2 * x * y + 5 * z + 7 * w * w + noise) & 0xffff);
}

static void fill(const test_case *c, void *data)
{
  size_t n0 = c->n[0], n1 = c->n[1] ? c->n[1] : 1, n2 = c->n[2] ? c->n[2] : 1;
  size_t i, total = count(c);
  for (i = 0; i < total; i++) {
    size_t x = i % n0, y = i / n0 % n1, z = i / (n0 * n1) % n2, w = i / (n0 * n1 * n2);
    uint32_t k = level(i, x, y, z, w);
    switch (c->type) {
    case ZFPC_TYPE_INT32: ((int32_t *)data)[i] = (int32_t)k * 1000 - 30000000; break;
    case ZFPC_TYPE_INT64: ((int64_t *)data)[i] = ((int64_t)k << 30) - ((int64_t)1 << 45); break;
    case ZFPC_TYPE_FLOAT: ((float *)data)[i] = (float)k / 64.0f - 400.0f; break;
    default: ((double *)data)[i] = (double)k / 64.0 - 400.0; break;
    }
  }
}

static zfpc_field field(const test_case *c, void *data)
{
  zfpc_field f;
  ptrdiff_t stride = (ptrdiff_t)type_size(c->type);
  unsigned a;
  memset(&f, 0, sizeof f);
  f.type = c->type;
  f.dims = c->dims;
  f.data = data;
  for (a = 0; a < c->dims; a++) {
    f.n[a] = c->n[a];
    f.stride[a] = stride;
    stride *= (ptrdiff_t)c->n[a];
  }
  return f;
}

static zfpc_status params(const test_case *c, zfpc_params *p)
{
  switch (c->mode) {
  case ACCURACY: zfpc_params_accuracy(p, c->parameter); return ZFPC_OK;
  case RATE: return zfpc_params_rate(p, c->parameter, ZFPC_TYPE_NONE, c->dims);
  case PRECISION: zfpc_params_precision(p, (uint32_t)c->parameter); return ZFPC_OK;
  default: zfpc_params_reversible(p); return ZFPC_OK;
  }
}

static double max_error(const test_case *c, const void *a, const void *b)
{
  size_t i, total = count(c);
  double worst = 0;
  for (i = 0; i < total; i++) {
    double d = c->type == ZFPC_TYPE_FLOAT
                   ? fabs((double)((const float *)a)[i] - ((const float *)b)[i])
                   : fabs(((const double *)a)[i] - ((const double *)b)[i]);
    worst = d > worst ? d : worst;
  }
  return worst;
}

/* NULL when the case passes, else what went wrong. */
static const char *run(const test_case *c)
{
  static char why[160];
  size_t bytes = count(c) * type_size(c->type), bound, size, size3;
  unsigned char *values = malloc(bytes), *back = malloc(bytes), *stream = NULL,
                *stream3 = NULL;
  const char *failure = NULL;
  zfpc_params p;
  zfpc_header h;
  zfpc_field f, g;
  unsigned threads;
  uint64_t end_bits;
  if (!values || !back)
    return "out of memory";
  fill(c, values);
  f = field(c, values);
  if (params(c, &p) != ZFPC_OK || zfpc_compress_bound(&f, &p, 1, &bound) != ZFPC_OK)
    failure = "parameters or bound refused";
  else if (!(stream = malloc(bound)) || !(stream3 = malloc(bound)))
    failure = "out of memory";
  else if (zfpc_compress(&f, &p, 1, stream, bound, NULL, NULL, &size, 1, NULL) != ZFPC_OK ||
           zfpc_compress(&f, &p, 1, stream3, bound, NULL, NULL, &size3, 3, NULL) != ZFPC_OK)
    failure = "compression failed";
  else if (size != c->size || fnv1a(stream, size) != c->stream) {
    sprintf(why, "stream of %lu bytes, hash 0x%016llx: not zfpy's", (unsigned long)size,
            (unsigned long long)fnv1a(stream, size));
    failure = why;
  } else if (size3 != size || memcmp(stream, stream3, size) != 0)
    failure = "3 threads wrote other bytes than 1";
  else if (zfpc_read_header(stream, size, &h) != ZFPC_OK || h.type != c->type ||
           h.dims != c->dims || h.n[0] != c->n[0] || h.n[c->dims - 1] != c->n[c->dims - 1])
    failure = "header does not read back";
  else if (zfpc_read_header(stream, 3, &h) == ZFPC_OK)
    failure = "a 3-byte header was accepted";
  for (threads = 1; !failure && threads <= 3; threads += 2) {
    memset(back, 0, bytes);
    g = field(c, back);
    if (zfpc_decompress(&g, &h.params, stream, size, h.bits, threads, &end_bits) != ZFPC_OK)
      failure = "decompression failed";
    else if (end_bits > 8 * (uint64_t)size || 8 * (uint64_t)size - end_bits >= 64)
      failure = "the blocks do not end in the stream's last word";
    else if (fnv1a(back, bytes) != c->decoded) {
      sprintf(why, "decoded values hash 0x%016llx (%u threads): not zfpy's",
              (unsigned long long)fnv1a(back, bytes), threads);
      failure = why;
    } else if (c->mode == REVERSIBLE && memcmp(values, back, bytes) != 0)
      failure = "reversible round trip is not exact";
    else if (c->mode == ACCURACY && max_error(c, values, back) > c->parameter)
      failure = "error above the tolerance";
  }
  if (!failure && zfpc_decompress(&g, &h.params, stream, size / 2, h.bits, 1, &end_bits) !=
                      ZFPC_ERR_TRUNCATED)
    failure = "half a stream was not reported truncated";
  if (!failure) {
    stream[0] ^= 0xff; /* the magic 'z' */
    if (zfpc_read_header(stream, size, &h) != ZFPC_ERR_HEADER)
      failure = "a corrupt magic was accepted";
  }
  free(values);
  free(back);
  free(stream);
  free(stream3);
  return failure;
}

int main(void)
{
  size_t i, cases = sizeof CASES / sizeof CASES[0];
  unsigned passed = 0, failed = 0;
  for (i = 0; i < cases; i++) {
    const char *failure = run(&CASES[i]);
    printf("%s: %s\n", failure ? "FAIL" : "ok", CASES[i].name);
    if (failure) {
      printf("    %s\n", failure);
      failed++;
    } else {
      passed++;
    }
  }
  printf("%u passed, %u failed\n", passed, failed);
  return failed != 0;
}
