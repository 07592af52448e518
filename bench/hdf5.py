"""H5Z-ZFP datasets: zfpcodec.hdf5 against h5py + hdf5plugin on the same file.

Standalone (python bench/hdf5.py, with zfpcodec, h5py and hdf5plugin
installed): writes one HDF5 file through hdf5plugin's H5Z-ZFP, a smooth
3-D field in a few modes, then times

* reading each whole dataset and a slab of it: ``dataset[...]`` through the
  plugin (HDF5 decodes chunk after chunk on one thread) and
  ``zfpcodec.hdf5.read`` on 1 and 2 threads;
* writing it: ``create_dataset(..., **hdf5plugin.Zfp(...))`` against
  ``zfpcodec.hdf5.write`` on 1 and 2 threads (byte-identical chunks).

Best of `--rounds` rounds, the contenders taking turns in each; MB/s is
10^6 bytes of uncompressed values per second.  Prints a markdown table and
writes it, with a JSON copy, to `--out` (hdf5.md, hdf5.json).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Callable

import h5py
import hdf5plugin
import numpy as np

import zfpcodec
import zfpcodec.hdf5 as zh

MODES = {  # label: (dtype, zfpcodec mode arguments)
    "accuracy 1e-3 f8": ("f8", {"tolerance": 1e-3}),
    "rate 16 f4": ("f4", {"rate": 16}),
    "reversible f8": ("f8", {"reversible": True}),
}
CHUNK_SIDE = 64


def field(side: int, dtype: str) -> np.ndarray:
    """A smooth 3-D field with a little noise (what zfp is for)."""
    axis = np.linspace(0, 4 * np.pi, side)
    z, y, x = np.meshgrid(axis, axis, axis, indexing="ij", sparse=True)
    values = np.sin(x) * np.cos(y) + np.sin(0.5 * z) + 0.001 * np.random.default_rng(0).normal(
        size=(side, side, side))
    return values.astype(dtype)


def plugin_args(mode: dict) -> dict:
    mode = dict(mode)
    if "tolerance" in mode:
        mode["accuracy"] = mode.pop("tolerance")
    return hdf5plugin.Zfp(**mode)


def best(call: Callable[[], object], rounds_done: dict, key: str) -> None:
    """Time one call (the garbage collector off) and keep the best."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        call()
        seconds = time.perf_counter() - start
    finally:
        gc.enable()
    rounds_done[key] = min(rounds_done.get(key, float("inf")), seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=256,
                        help="side of the cubic field (default 256: 128 MiB of float64)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.h5"
        data = {label: field(args.side, dtype) for label, (dtype, _) in MODES.items()}
        chunks = (CHUNK_SIDE,) * 3
        with h5py.File(path, "w") as file:
            for label, (_, mode) in MODES.items():
                file.create_dataset(label, data=data[label], chunks=chunks, **plugin_args(mode))
        slab = (slice(100, 140), slice(None), slice(None))
        for label, (_, mode) in MODES.items():
            times: dict[str, float] = {}
            with h5py.File(path, "r") as file:
                dataset = file[label]
                expected = dataset[...]
                for threads in (1, 2):
                    assert np.array_equal(zh.read(dataset, threads=threads), expected)
                stored = dataset.id.get_storage_size()
                for _ in range(args.rounds):
                    best(lambda: dataset[...], times, "read plugin")
                    best(lambda: zh.read(dataset), times, "read ours 1")
                    best(lambda: zh.read(dataset, threads=2), times, "read ours 2")
                    best(lambda: dataset[slab], times, "slab plugin")
                    best(lambda: zh.read(dataset, slab), times, "slab ours 1")
                    best(lambda: zh.read(dataset, slab, threads=2), times, "slab ours 2")
            values = data[label]
            with h5py.File(Path(folder) / "write.h5", "w") as out:
                for i in range(args.rounds):
                    best(lambda: out.create_dataset(f"p{i}", data=values, chunks=chunks,
                                                    **plugin_args(mode)), times, "write plugin")
                    best(lambda: zh.write(out, f"a{i}", values, chunks=chunks, **mode),
                         times, "write ours 1")
                    best(lambda: zh.write(out, f"b{i}", values, chunks=chunks, threads=2,
                                          **mode), times, "write ours 2")
            nbytes, slab_bytes = values.nbytes, values[slab].nbytes
            rows.append({"dataset": label, "ratio": nbytes / stored,
                         **{key: (slab_bytes if key.startswith("slab") else nbytes)
                            / seconds / 1e6 for key, seconds in times.items()}})

    loads = (load_before, os.getloadavg()[0])
    report = render(rows, args, loads)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hdf5.md").write_text(report)
    (args.out / "hdf5.json").write_text(json.dumps({"machine": machine(), "side": args.side,
                                                    "rounds": args.rounds, "load": loads,
                                                    "rows": rows}, indent=2))


COLUMNS = [("read plugin", "read: plugin"), ("read ours 1", "ours 1T"),
           ("read ours 2", "ours 2T"), ("slab plugin", "slab: plugin"),
           ("slab ours 1", "ours 1T"), ("slab ours 2", "ours 2T"),
           ("write plugin", "write: plugin"), ("write ours 1", "ours 1T"),
           ("write ours 2", "ours 2T")]


def render(rows: list[dict], args, loads: tuple[float, float]) -> str:
    side = args.side
    lines = [
        "# H5Z-ZFP datasets: zfpcodec.hdf5 against h5py + hdf5plugin",
        "",
        f"`python bench/hdf5.py --side {side} --rounds {args.rounds}` on {machine()}; "
        f"1-minute load average {loads[0]:.1f} before the run, {loads[1]:.1f} after (a "
        "load above the core count means other processes took turns on the cores, which "
        "mostly hides what a second thread gains).",
        "",
        f"One HDF5 file written by hdf5plugin's H5Z-ZFP: a smooth {side}^3 field per mode, "
        f"chunks {CHUNK_SIDE}^3. MB/s of uncompressed values, best of {args.rounds} "
        "rounds (the contenders take turns). *read*: the whole dataset; *slab*: "
        f"`[100:140, :, :]` ({139 // CHUNK_SIDE - 100 // CHUNK_SIDE + 1} layers of chunks); "
        "*write*: a new "
        "dataset from the array (byte-identical chunks). The plugin runs inside HDF5, "
        "one chunk after another on one thread; zfpcodec reads the chunks' bytes with "
        "`read_direct_chunk` and decodes them on 1 or 2 threads (1T, 2T).",
        "",
        "| dataset | ratio | " + " | ".join(title for _, title in COLUMNS) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in COLUMNS) + " |",
    ]
    for row in rows:
        lines.append(f"| {row['dataset']} | {row['ratio']:.3g} | "
                     + " | ".join(f"{row[key]:.0f}" for key, _ in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, zfpcodec {zfpcodec.__version__}, "
            f"h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}), "
            f"hdf5plugin {hdf5plugin.version}")


if __name__ == "__main__":
    main()
