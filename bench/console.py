"""What the orchestrator prints on stderr: timed progress lines and alarms."""

from __future__ import annotations

import sys
import time

T0 = time.perf_counter()


def log(msg: str) -> None:
    """A progress line, with the seconds since the start."""
    print(f"[{time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def loud(msg: str) -> None:
    """A message no one can miss (a mismatch)."""
    bar = "!" * 78
    print(f"\n{bar}\n!!! {msg}\n{bar}\n", file=sys.stderr, flush=True)
