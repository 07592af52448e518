"""Why two threads compress and decompress large arrays less than twice
as fast: their buffers are fresh memory.

Every compression gets a new stream, a bytes object the size of the
stream's worst case, which glibc maps afresh (the previous one, shrunk to
its stream, freed a smaller block than the next asks for, so glibc's
threshold for mapping blocks of their own never rises above it).  Every
decompression gets a new array, and two threads on a variable-rate stream a
buffer of half the array for the blocks decoded early; after the large
temporaries of scoring a round trip, glibc has given their memory back and
maps those afresh too.  The first write to each page costs the kernel a
page fault and a page of zeros, and on a machine where those do not run
faster on two threads they cap the scaling, most where the stream is about
as large as its array (reversible compression) and where decoding is fast
against the array's size (variable-rate decompression).

`probe` times each on one thread and on two in a child process as the
benchmark times them (`common.run_case`: warm-up, timed calls, the round
trip scored between cases), and in one whose allocator keeps the memory it
frees (glibc's MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ and
MALLOC_TOP_PAD_), where no page is fresh after the first call: the
difference is what fresh memory costs the scaling.
"""

from __future__ import annotations

import json
import subprocess
import sys

from peer_link import HERE, child_env

# glibc: never map blocks of their own, never give memory back
KEEP_MEMORY = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 31),
               "MALLOC_TOP_PAD_": str(1 << 27)}

_CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import common
from ours import Ours
arr, rounds, reps, call = np.load(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
mode, param, key = {"compress": ("reversible", None, "comp_s"),
                    "decompress": ("accuracy", TOLERANCE, "decomp_s")}[call]
seconds = {}
for _ in range(rounds):
    for threads in (1, 2):   # in turns, timed and scored as the benchmark does
        took = min(common.run_case(Ours(mode, param, threads), arr, reps=reps)[key])
        seconds[threads] = min(seconds.get(threads, took), took)
json.dump(seconds, sys.stdout)
"""
# the threads table's variable-rate mode
TOLERANCE = 1e-3
CALLS = {"compress": "reversible compression",
         "decompress": f"decompression at fixed accuracy (tolerance {TOLERANCE:g})"}


def seconds_of(call: str, path: str, rounds: int, reps: int,
               keep_memory: bool) -> dict[str, float]:
    """Least seconds of our `call` ("compress": compress_numpy, reversible;
    "decompress": decompress_numpy of the fixed-accuracy stream) on one
    thread and on two, on the array saved at `path`, timed by the
    benchmark's own `run_case` in a child process (keyed "1" and "2", as
    JSON keeps them)."""
    env = child_env()
    if keep_memory:
        env.update(KEEP_MEMORY)
    child = _CHILD.replace("TOLERANCE", repr(TOLERANCE))
    done = subprocess.run([sys.executable, "-c", child, str(HERE), path, str(rounds),
                           str(reps), call], env=env, capture_output=True, text=True,
                          check=True)
    seconds: dict[str, float] = json.loads(done.stdout)
    return seconds


def probe(path: str, rounds: int, reps: int) -> list[dict]:
    """Two-thread scaling of each call on the array at `path`, as run and
    with the allocator keeping its memory."""
    out = []
    for call in CALLS:
        as_run = seconds_of(call, path, rounds, reps, keep_memory=False)
        kept = seconds_of(call, path, rounds, reps, keep_memory=True)
        out.append({"call": call, "seconds": as_run, "kept_memory_seconds": kept,
                    "scaling": as_run["1"] / as_run["2"],
                    "scaling_kept_memory": kept["1"] / kept["2"]})
    return out
