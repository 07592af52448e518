/* Forced inlining and unrolling for the block coder's small steps.  The
 * transforms are called through function pointers that are constant at
 * every call site, and the bit stream's per-bit operations are smaller than
 * a call; the compiler's own budget runs out in a translation unit that
 * instantiates every type and rank. */
#ifndef ZFPC_INLINE_H
#define ZFPC_INLINE_H

/* ZFPC_NO_FORCED_INLINE leaves every inlining to the compiler, for the
 * sanitizer builds (tools/asan-tests.sh, tools/fuzz.sh): forced into one
 * another, the instrumented coders make functions that GCC's back end took
 * 8 minutes over at -O2 (11 at -O1), against 70 s (26 s) without. */
#if defined(ZFPC_NO_FORCED_INLINE)
#define ALWAYS_INLINE
#elif defined(__GNUC__) || defined(__clang__) /* clang-cl defines only the second */
#define ALWAYS_INLINE __attribute__((always_inline))
#elif defined(_MSC_VER)
#define ALWAYS_INLINE __forceinline
#else
#define ALWAYS_INLINE
#endif

/* A step the block coder rarely takes, kept out of line: inlined, it would
 * grow the loop the coder is inlined into and change what the compiler
 * inlines there. */
#if defined(__GNUC__) || defined(__clang__)
#define NEVER_INLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define NEVER_INLINE __declspec(noinline)
#else
#define NEVER_INLINE
#endif

/* A static function of a header that some of its includers do not call,
 * and whose inlining is left to the compiler (`static inline` would change
 * the compiler's choice). */
#if defined(__GNUC__) || defined(__clang__)
#define MAYBE_UNUSED __attribute__((unused))
#else
#define MAYBE_UNUSED
#endif

/* Full unrolling of a loop with a constant trip count (at most n), which
 * GCC does not do by itself for the short loops of a block. */
#if defined(__GNUC__) && !defined(__clang__)
#define UNROLL_PRAGMA(x) _Pragma(#x)
#define UNROLL(n) UNROLL_PRAGMA(GCC unroll n)
#else
#define UNROLL(n)
#endif

/* An element-wise loop that the compiler may vectorise even where its
 * floating-point rules would stop it: GCC turns `a > m ? a : m` on vectors
 * into max instructions only under `#pragma omp simd`.  meson.build
 * defines ZFPC_OPENMP_SIMD where the compiler takes -fopenmp-simd (the
 * pragma alone, no OpenMP runtime). */
#if defined(ZFPC_OPENMP_SIMD)
#define SIMD_LOOP _Pragma("omp simd")
#else
#define SIMD_LOOP
#endif

#endif
