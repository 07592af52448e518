/* Advice that a large fresh buffer be backed by huge pages (Linux; nothing
 * elsewhere), as NumPy advises its arrays: its first writes then take one
 * page fault per 2 MiB instead of one per 4 KiB, which matters most where
 * two threads fault at once (on a VM the host may serialise the faults).
 * The advice covers every page of the buffer, not only its 2 MiB-aligned
 * inside: a buffer this large is a mapping of its own, and advice on part
 * of it would split it, which mremap cannot grow (realloc would then copy
 * into unadvised pages).  Advice only; errors are harmless.  A file that
 * includes this defines _DEFAULT_SOURCE first (madvise is not POSIX). */
#ifndef ZFPC_HUGE_PAGES_H
#define ZFPC_HUGE_PAGES_H

#include <stddef.h>
#include <stdint.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

static inline void advise_huge_pages(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const size_t huge = (size_t)1 << 21;
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t start = (uintptr_t)p & ~(page - 1);
  uintptr_t end = ((uintptr_t)p + n + page - 1) & ~(page - 1);
  if (n >= huge)
    madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

#endif
