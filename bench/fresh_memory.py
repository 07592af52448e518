"""Why two threads compress a large stream less than twice as fast: its
buffer is fresh memory.

Every call gets a new stream, a bytes object the size of the stream's worst
case, which glibc maps afresh (the previous one, shrunk to its stream, freed
a smaller block than the next asks for, so glibc's threshold for mapping
blocks of their own never rises above it).  The first write to each page of
it costs the kernel a page fault and a page of zeros, and on a machine where
those do not run faster on two threads they cap the scaling, most where the
stream is about as large as its array (reversible mode).

`probe` times compression on one thread and on two in a child process as
the benchmark runs it, and in one whose allocator keeps the memory it frees
(glibc's MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ and
MALLOC_TOP_PAD_), where no page of a stream is fresh after the first call:
the difference is what fresh memory costs the scaling.
"""

from __future__ import annotations

import json
import subprocess
import sys

from peer_link import child_env

# glibc: never map blocks of their own, never give memory back
KEEP_MEMORY = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 31),
               "MALLOC_TOP_PAD_": str(1 << 27)}

_CHILD = r"""
import json, sys, time
import numpy as np
import zfpy
arr, reps = np.load(sys.argv[1]), int(sys.argv[2])
seconds = {}
for threads in (1, 2) * 3:   # in turns
    for _ in range(reps):
        start = time.perf_counter()
        zfpy.compress_numpy(arr, threads=threads)
        took = time.perf_counter() - start
        seconds[threads] = min(seconds.get(threads, took), took)
json.dump(seconds, sys.stdout)
"""


def compress_seconds(path: str, reps: int, keep_memory: bool) -> dict[str, float]:
    """Least seconds of our compress_numpy(threads=1) and (threads=2),
    reversible, on the array saved at `path`, in a child process (keyed
    "1" and "2", as JSON keeps them)."""
    env = child_env()
    if keep_memory:
        env.update(KEEP_MEMORY)
    done = subprocess.run([sys.executable, "-c", _CHILD, path, str(reps)], env=env,
                          capture_output=True, text=True, check=True)
    seconds: dict[str, float] = json.loads(done.stdout)
    return seconds


def probe(path: str, reps: int) -> dict:
    """Two-thread scaling of reversible compression of the array at `path`,
    as run and with the allocator keeping its memory."""
    as_run = compress_seconds(path, reps, keep_memory=False)
    kept = compress_seconds(path, reps, keep_memory=True)
    return {"compress_s": as_run, "compress_kept_memory_s": kept,
            "scaling": as_run["1"] / as_run["2"],
            "scaling_kept_memory": kept["1"] / kept["2"]}
