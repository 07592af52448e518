"""The benchmark's sections, in the order a full run takes them; each is a
function of the shared `harness.Bench` that stores its rows in
``bench.results``."""

from __future__ import annotations

from sections import (grid, memory, peer_table, rate_distortion, single, threads, variable_rate,
                      zarr_v3)

SECTIONS = {
    "single": single.run,
    "grid": grid.run,
    "peers": peer_table.run,
    "threads": threads.run,
    "varrate": variable_rate.run,
    "zarr": zarr_v3.run,
    "memory": memory.run,
    "rd": rate_distortion.run,
}
