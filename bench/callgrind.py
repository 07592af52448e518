"""Instructions the C engine executes, counted by valgrind's callgrind.

Timings on a shared machine move with its load; instruction counts do not.
This script compresses and decompresses a few representative arrays once
each, on one thread, under ``valgrind --tool=callgrind``, and reports the
instructions executed inside ``zfpc_compress`` and ``zfpc_decompress``
(everything they call included; Python, NumPy and the argument checks
outside them are not counted).  Use it to check that a change to csrc/
keeps the engine's work the same, or to see what an optimisation saves:

    python bench/callgrind.py --out before.json
    ... change the engine, reinstall ...
    python bench/callgrind.py --compare before.json

With ``--compare`` the table shows each count as a ratio to the saved one,
and the script exits 1 when any ratio is off 1 by more than
``--tolerance`` (default 0.5 %).  Counts depend on the compiler and its
flags, so compare runs made on the same machine.

How: one child interpreter runs every case under valgrind with collection
on only inside the two engine functions (``--toggle-collect``), and
callgrind writes one profile each time either function returns
(``--dump-after``); the child prints which call each profile belongs to.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ENGINE_FUNCTIONS = ("zfpc_compress", "zfpc_decompress")  # zfpc_*compress

# name -> (generator in data.py, its shape, dtype, zfpy mode arguments, shape
# of the array compressed).  Sizes are not multiples of 4, so partial blocks
# are gathered and scattered too.
CASES: dict[str, tuple[str, tuple[int, ...], str, dict[str, Any], tuple[int, ...]]] = {
    "3d-float64-accuracy-1e-3": ("smooth3d", (30, 33, 35), "float64", {"tolerance": 1e-3},
                                 (30, 33, 35)),
    "3d-int32-precision-16": ("smooth3d", (30, 33, 35), "int32", {"precision": 16},
                              (30, 33, 35)),
    "1d-float64-rate-8": ("series1d", (40003,), "float64", {"rate": 8}, (40003,)),
    "2d-float32-reversible": ("image2d", (190, 211), "float32", {}, (190, 211)),
    "4d-int64-rate-16": ("smooth3d", (30, 33, 35), "int64", {"rate": 16}, (5, 6, 33, 35)),
}


def run_child(names: list[str]) -> None:
    """Compress and decompress each case once, printing one line per engine
    call in the order callgrind dumps their profiles."""
    sys.path.insert(0, str(HERE))
    import data  # bench/data.py: deterministic synthetic fields
    import zfpy  # zfpcodec's drop-in

    for name in names:
        generator, shape, dtype, mode, array_shape = CASES[name]
        arr = data.as_dtype(data.GENERATORS[generator](shape), dtype).reshape(array_shape)
        stream = zfpy.compress_numpy(arr, **mode, threads=1)
        print(f"{name} compress", flush=True)
        out = zfpy.decompress_numpy(stream, threads=1)
        print(f"{name} decompress", flush=True)
        if mode == {} and not np.array_equal(out, arr):
            raise SystemExit(f"{name}: the reversible round trip is not exact")


def profile_total(path: Path) -> int:
    """The instruction count of one callgrind profile (its `totals:` line,
    or `summary:` where there is no totals line)."""
    text = path.read_text()
    match = re.search(r"^totals:\s*(\d+)", text, re.M) or re.search(
        r"^summary:\s*(\d+)", text, re.M)
    if not match:
        raise SystemExit(f"{path}: no totals in this callgrind profile")
    return int(match.group(1))


def measure(names: list[str], python: str) -> dict[str, dict[str, int]]:
    """{case: {"compress": Ir, "decompress": Ir}} from one valgrind run."""
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
                   f"--callgrind-out-file={out}"]
        # One pattern for both functions: valgrind 3.19 collects nothing
        # when two --toggle-collect options come with --dump-after ones.
        command += ["--toggle-collect=zfpc_*compress"]
        command += [f"--dump-after={f}" for f in ENGINE_FUNCTIONS]
        command += [python, str(Path(__file__).resolve()), "--child", *names]
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp)
        if done.returncode:
            raise SystemExit(f"the child run failed:\n{done.stderr[-3000:]}")
        calls = done.stdout.split("\n")[:-1]
        # profiles are numbered from 1 in dump order; the last, written at
        # exit, holds what ran after the last engine call (nothing counted)
        dumps = sorted(Path(tmp).glob("callgrind.out.*"),
                       key=lambda p: int(p.name.rsplit(".", 1)[1]))
        if len(dumps) < len(calls):
            raise SystemExit(f"{len(calls)} engine calls but {len(dumps)} profiles")
        counts: dict[str, dict[str, int]] = {}
        for call, dump in zip(calls, dumps):
            name, phase = call.split()
            counts.setdefault(name, {})[phase] = profile_total(dump)
        return counts


def report(counts: dict[str, dict[str, int]], base: dict[str, dict[str, int]] | None,
           tolerance: float) -> bool:
    """Print the table; returns False when a ratio to `base` is off 1 by
    more than `tolerance`."""
    ok = True
    header = f"| {'case':<26} | {'compress Ir':>13} | {'decompress Ir':>13} |"
    if base:
        header += " compress / base | decompress / base |"
    print(header)
    print(re.sub(r"[^|]", "-", header))
    for name, phases in counts.items():
        row = f"| {name:<26} | {phases['compress']:>13,} | {phases['decompress']:>13,} |"
        if base:
            for phase in ("compress", "decompress"):
                old = base.get(name, {}).get(phase)
                if old is None:
                    row += f" {'(none)':>{len(phase) + 7}} |"
                    continue
                ratio = phases[phase] / old
                ok &= abs(ratio - 1) <= tolerance
                row += f" {ratio:>{len(phase) + 7}.4f} |"
        print(row)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES),
                        help="comma-separated case names (default: all)")
    parser.add_argument("--out", type=Path, help="write the counts to this JSON file")
    parser.add_argument("--compare", type=Path,
                        help="JSON file of an earlier run to compare with")
    parser.add_argument("--tolerance", type=float, default=0.005,
                        help="largest accepted |ratio - 1| with --compare (default 0.005)")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter where zfpcodec is installed (default: this one)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child)
        return
    names = args.cases.split(",")
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        parser.error(f"unknown case {unknown}; choose from {', '.join(CASES)}")
    counts = measure(names, args.python)
    base = json.loads(args.compare.read_text()) if args.compare else None
    ok = report(counts, base, args.tolerance)
    if args.out:
        args.out.write_text(json.dumps(counts, indent=1) + "\n")
    if not ok:
        raise SystemExit(f"an instruction count moved by more than {args.tolerance:.2%}")


if __name__ == "__main__":
    main()
