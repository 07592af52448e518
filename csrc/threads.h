/* Threads, locks, condition variables and the number of cores: POSIX
 * threads everywhere but Windows, where the native API (slim reader/writer
 * locks, condition variables, _beginthreadex) serves the same calls.  Only
 * what blocks.c needs; on POSIX systems each call is the pthread call
 * itself once inlined. */
#ifndef ZFPC_THREADS_H
#define ZFPC_THREADS_H

#include "inline.h"

#if defined(_WIN32)

#include <process.h>
#include <windows.h>

typedef SRWLOCK zfpc_mutex;
typedef CONDITION_VARIABLE zfpc_cond;
typedef struct {
  HANDLE handle;
  void *(*run)(void *);
  void *arg;
} zfpc_thread;

static inline void zfpc_mutex_init(zfpc_mutex *m) { InitializeSRWLock(m); }
static inline void zfpc_mutex_destroy(zfpc_mutex *m) { (void)m; }
static inline void zfpc_mutex_lock(zfpc_mutex *m) { AcquireSRWLockExclusive(m); }
static inline void zfpc_mutex_unlock(zfpc_mutex *m) { ReleaseSRWLockExclusive(m); }
static inline void zfpc_cond_init(zfpc_cond *c) { InitializeConditionVariable(c); }
static inline void zfpc_cond_destroy(zfpc_cond *c) { (void)c; }
static inline void zfpc_cond_wait(zfpc_cond *c, zfpc_mutex *m)
{
  SleepConditionVariableSRW(c, m, INFINITE, 0);
}
static inline void zfpc_cond_broadcast(zfpc_cond *c) { WakeAllConditionVariable(c); }

static unsigned __stdcall zfpc_thread_entry(void *thread)
{
  zfpc_thread *t = thread;
  t->run(t->arg);
  return 0;
}

/* 0 when the thread started; `t` must stay in place until joined. */
static inline int zfpc_thread_start(zfpc_thread *t, void *(*run)(void *), void *arg)
{
  t->run = run;
  t->arg = arg;
  t->handle = (HANDLE)_beginthreadex(NULL, 0, zfpc_thread_entry, t, 0, NULL);
  return t->handle ? 0 : -1;
}

static inline void zfpc_thread_join(zfpc_thread *t)
{
  WaitForSingleObject(t->handle, INFINITE);
  CloseHandle(t->handle);
}

static inline unsigned zfpc_cores(void)
{
  DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
  return n > 0 ? (unsigned)n : 1;
}

#else

#include <pthread.h>
#include <unistd.h>

typedef pthread_mutex_t zfpc_mutex;
typedef pthread_cond_t zfpc_cond;
typedef pthread_t zfpc_thread;

static inline void zfpc_mutex_init(zfpc_mutex *m) { pthread_mutex_init(m, NULL); }
static inline void zfpc_mutex_destroy(zfpc_mutex *m) { pthread_mutex_destroy(m); }
static inline void zfpc_mutex_lock(zfpc_mutex *m) { pthread_mutex_lock(m); }
static inline void zfpc_mutex_unlock(zfpc_mutex *m) { pthread_mutex_unlock(m); }
static inline void zfpc_cond_init(zfpc_cond *c) { pthread_cond_init(c, NULL); }
static inline void zfpc_cond_destroy(zfpc_cond *c) { pthread_cond_destroy(c); }
static inline void zfpc_cond_wait(zfpc_cond *c, zfpc_mutex *m) { pthread_cond_wait(c, m); }
static inline void zfpc_cond_broadcast(zfpc_cond *c) { pthread_cond_broadcast(c); }

/* 0 when the thread started. */
static inline int zfpc_thread_start(zfpc_thread *t, void *(*run)(void *), void *arg)
{
  return pthread_create(t, NULL, run, arg);
}

static inline void zfpc_thread_join(zfpc_thread *t) { pthread_join(*t, NULL); }

static inline unsigned zfpc_cores(void)
{
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (unsigned)online : 1;
}

#endif

#endif
