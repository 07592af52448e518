/* The compiler builtins the engine uses, with fallbacks, so that it builds
 * with GCC, Clang (Apple's and clang-cl too), MSVC and any C99 compiler.
 *
 * GCC and Clang get the builtins themselves: on those compilers these
 * macros expand to exactly the code the engine had before.  MSVC gets its
 * intrinsics; any other compiler plain C, correct but slower.  Defining
 * ZFPC_BITOPS_MSVC or ZFPC_BITOPS_GENERIC selects a fallback on any
 * compiler, which is how tools/check-portable.sh tests them (the intrinsics
 * with mingw-w64, the plain C with the host's GCC).
 *
 * CTZ64 and CLZ64 count the trailing and leading zero bits of a non-zero
 * 64-bit word (zero is undefined, as for the builtins); the OVERFLOW macros
 * store a op b in *r and are true when the exact result did not fit. */
#ifndef ZFPC_PORTABLE_H
#define ZFPC_PORTABLE_H

#include <stddef.h>
#include <stdint.h>

#if !defined(ZFPC_BITOPS_GENERIC) && !defined(ZFPC_BITOPS_MSVC)
#if defined(__GNUC__) || defined(__clang__)
#define ZFPC_BITOPS_BUILTIN
#elif defined(_MSC_VER)
#define ZFPC_BITOPS_MSVC
#else
#define ZFPC_BITOPS_GENERIC
#endif
#endif

#if defined(ZFPC_BITOPS_BUILTIN)

#define CTZ64(x) __builtin_ctzll(x)
#define CLZ64(x) __builtin_clzll(x)
#define BSWAP32(x) __builtin_bswap32(x)
#define BSWAP64(x) __builtin_bswap64(x)
#define MUL_OVERFLOW_SIZE(a, b, r) __builtin_mul_overflow(a, b, r)
#define MUL_OVERFLOW_U64(a, b, r) __builtin_mul_overflow(a, b, r)
#define ADD_OVERFLOW_U64(a, b, r) __builtin_add_overflow(a, b, r)

#else

#if defined(ZFPC_BITOPS_MSVC)
#include <intrin.h>
#include <stdlib.h>

static __inline unsigned zfpc_ctz64(uint64_t x)
{
  unsigned long i;
  _BitScanForward64(&i, x);
  return (unsigned)i;
}

static __inline unsigned zfpc_clz64(uint64_t x)
{
  unsigned long i;
  _BitScanReverse64(&i, x);
  return 63 - (unsigned)i;
}

#define BSWAP32(x) _byteswap_ulong(x)
#define BSWAP64(x) _byteswap_uint64(x)

#else /* generic C */

static inline unsigned zfpc_ctz64(uint64_t x)
{
  unsigned n = 0;
  for (; !(x & 1); x >>= 1)
    n++;
  return n;
}

static inline unsigned zfpc_clz64(uint64_t x)
{
  unsigned n = 0;
  for (; !(x >> 63); x <<= 1)
    n++;
  return n;
}

static inline uint32_t zfpc_bswap32(uint32_t x)
{
  return x >> 24 | (x >> 8 & 0xff00u) | (x << 8 & 0xff0000u) | x << 24;
}

static inline uint64_t zfpc_bswap64(uint64_t x)
{
  return (uint64_t)zfpc_bswap32((uint32_t)x) << 32 | zfpc_bswap32((uint32_t)(x >> 32));
}

#define BSWAP32(x) zfpc_bswap32(x)
#define BSWAP64(x) zfpc_bswap64(x)

#endif

static inline int zfpc_mul_overflow_size(size_t a, size_t b, size_t *r)
{
  *r = a * b;
  return a != 0 && *r / a != b;
}

static inline int zfpc_mul_overflow_u64(uint64_t a, uint64_t b, uint64_t *r)
{
  *r = a * b;
  return a != 0 && *r / a != b;
}

static inline int zfpc_add_overflow_u64(uint64_t a, uint64_t b, uint64_t *r)
{
  *r = a + b;
  return *r < a;
}

#define CTZ64(x) zfpc_ctz64(x)
#define CLZ64(x) zfpc_clz64(x)
#define MUL_OVERFLOW_SIZE(a, b, r) zfpc_mul_overflow_size(a, b, r)
#define MUL_OVERFLOW_U64(a, b, r) zfpc_mul_overflow_u64(a, b, r)
#define ADD_OVERFLOW_U64(a, b, r) zfpc_add_overflow_u64(a, b, r)

#endif

/* ZFPC_VECTORS: the compiler has GCC's vector types and
 * __builtin_shufflevector (GCC 12 and later, Clang), with which the 32-bit
 * block transforms work on four lines at once (int_transform.tmpl.h); the
 * plain-C fallback (ZFPC_BITOPS_GENERIC) transforms one line at a time. */
#if defined(__has_builtin) && !defined(ZFPC_BITOPS_GENERIC)
#if __has_builtin(__builtin_shufflevector)
#define ZFPC_VECTORS
#endif
#endif

#endif
