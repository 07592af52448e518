"""The machine the benchmark runs on, and how busy other processes keep it."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from console import log

REPO = Path(__file__).resolve().parent.parent


def machine() -> dict:
    """The machine, the interpreter and the commit the results come from."""
    info = {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "numpy": np.__version__}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        fields = dict(line.split(":", 1) for line in lscpu.splitlines() if ":" in line)
        fields = {k.strip(): v.strip() for k, v in fields.items()}
        info["cpu"] = fields.get("Model name")
        info["cpu_family_model"] = f"{fields.get('CPU family')}/{fields.get('Model')}"
        info["hypervisor"] = fields.get("Hypervisor vendor")
    except OSError:
        info["cpu"] = platform.processor()
    try:
        info["mem_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    except (ValueError, OSError):
        pass
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "csrc",
                                "src"], capture_output=True, text=True).stdout.strip()
        info["commit"] = commit + ("+uncommitted changes" if dirty else "")
    except OSError:
        pass
    return info


def busy_cores(seconds: float = 1.0) -> float | None:
    """How many cores other processes keep busy: CPU time used machine-wide
    over `seconds` while this script sleeps (from /proc/stat)."""
    def sample():
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)   # idle + iowait
        return sum(fields) - idle, sum(fields)
    try:
        busy0, total0 = sample()
        time.sleep(seconds)
        busy1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    cores = os.cpu_count() or 1
    return round(cores * (busy1 - busy0) / max(total1 - total0, 1), 2)


def machine_cpu_seconds() -> tuple[float, float] | None:
    """(CPU seconds used machine-wide, CPU seconds used by this process and
    its finished children) so far."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    busy = (sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)) / ticks
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system


def wait_for_idle_cores(seconds: float) -> None:
    """Wait up to `seconds` until other processes keep less than a third of
    a core busy."""
    deadline = time.perf_counter() + seconds
    while seconds and time.perf_counter() < deadline:
        others = busy_cores(2.0)
        if others is None or others < 0.3:
            return
        log(f"waiting for idle cores: other processes use {others} cores")
        time.sleep(8)
