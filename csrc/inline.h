/* Forced inlining for the block coder's small steps: the transforms it
 * calls through function pointers that are constant at every call site,
 * and the bit stream's per-bit operations.  The compiler's own budget runs
 * out in a translation unit that instantiates every type and rank, and an
 * out-of-line write_bits costs more than the work it does. */
#ifndef ZFPC_INLINE_H
#define ZFPC_INLINE_H

#if defined(__GNUC__)
#define ALWAYS_INLINE __attribute__((always_inline))
#else
#define ALWAYS_INLINE
#endif

#endif
