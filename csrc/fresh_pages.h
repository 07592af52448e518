/* Advice on large fresh buffers (Linux; nothing elsewhere).  A file that
 * includes this defines _DEFAULT_SOURCE first (madvise is not POSIX).
 * Advice only: errors are harmless, and the buffers' contents never
 * change. */
#ifndef ZFPC_FRESH_PAGES_H
#define ZFPC_FRESH_PAGES_H

#include <stddef.h>
#include <stdint.h>
/* The size of an x86-64 (and most arm64) huge page: the unit in which a
 * buffer advised onto huge pages is faulted. */
#define HUGE_PAGE_BYTES ((size_t)1 << 21)

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>

/* `advice` on the whole pages holding bytes [p, p + n). */
static inline void advise_pages(void *p, size_t n, int advice)
{
  const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  uintptr_t from = (uintptr_t)p & ~(page - 1);
  uintptr_t to = ((uintptr_t)p + n + page - 1) & ~(page - 1);
  madvise((void *)from, to - from, advice);
}
#endif

/* Advice that a large fresh buffer be backed by huge pages, as NumPy
 * advises its arrays: its first writes then take one page fault per 2 MiB
 * instead of one per 4 KiB, which matters most where two threads fault at
 * once (on a VM the host may serialise the faults).  The advice covers
 * every page of the buffer, not only its 2 MiB-aligned inside: a buffer
 * this large is a mapping of its own, and advice on part of it would split
 * it, which mremap cannot grow (realloc would then copy into unadvised
 * pages). */
static inline void advise_huge_pages(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (n >= HUGE_PAGE_BYTES)
    advise_pages(p, n, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

/* Fault in the pages of [p, p + n) now, writable, as a first write would,
 * leaving their bytes as they are (other threads may be writing them).
 * Fresh pages are cleared one at a time however many threads fault them
 * (measured on this project's VM: 7 MiB took 0.65 ms on one thread, and
 * 0.65-0.78 ms on two, both stalled throughout), so one thread populating
 * ahead while the others code spares them the wait.  Linux 5.14 on; a
 * no-op before. */
static inline void populate_pages(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  if (n)
    advise_pages(p, n, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)n;
#endif
}

#endif
