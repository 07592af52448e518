"""Instructions the C engine executes, counted by valgrind's callgrind, and
what LLNL's zfp executes on the same arrays.

Timings on a shared machine move with its load; instruction counts do not.
This script compresses and decompresses a few representative arrays once
each, on one thread, under ``valgrind --tool=callgrind``, and reports the
instructions executed inside ``zfpc_compress_filled`` and ``zfpc_decompress``
(everything they call included; Python, NumPy and the argument checks
outside them are not counted).  With an interpreter that has zfpy 1.0.1
(``--zfpy-python``; by default the bench venv, bench/.venv-peers, when it
exists) it counts libzfp's ``zfp_compress`` and ``zfp_decompress`` on the
same arrays too, checks that both make the same stream and values, and
shows zfpy's count over ours: a deterministic stand-in for the speed ratio
(it ignores what an instruction costs: cache misses, dependency chains,
branch mispredictions).

    python bench/callgrind.py --out before.json
    ... change the engine, reinstall ...
    python bench/callgrind.py --compare before.json

``--why FILE`` writes, per case and phase, the instructions per block of
both and where ours go step by step, and (unless ``--time-rounds 0``) the
same calls timed natively, in turns: time per block and instructions per
nanosecond, which separate a cell that executes too many instructions from
one whose instructions run slowly.

With ``--compare`` the table shows each of our counts as a ratio to the
saved one, and the script exits 1 when any ratio is above 1 + ``--tolerance``
(default 0.5 %), or off 1 by more than that with ``--exact`` (a refactoring
that must not change the work).  Counts depend on the compiler and its
flags, so compare runs made on the same machine.  ``--profiles DIR`` also
writes one callgrind profile per call, named after the case, for
``callgrind_annotate`` (from extra runs, one per case and phase).

How: each interpreter runs every case in one child process under valgrind,
with collection on only inside the two library functions
(``--toggle-collect``); callgrind writes one profile each time either
function returns (``--dump-after``), and the child prints which call each
profile belongs to and a hash of its result.  The arrays are made here and
handed to the children as .npy files, so both sides read the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PEERS_PYTHON = HERE / ".venv-peers" / "bin" / "python"
TIMED_CALLS = 20  # calls per case and phase in each timed child run (--why)

# the library functions counted, as a callgrind pattern and one by one
# (valgrind 3.19 collects nothing when two --toggle-collect options come with
# --dump-after ones, so one wildcard pattern covers both; ours compresses
# through zfpc_compress_filled, and the pattern also takes in the
# zfpc_compress_bound call before it: a few hundred instructions)
LIBRARIES = {
    "ours": ("zfpc_*compress*", ("zfpc_compress_filled", "zfpc_decompress")),
    "zfpy": ("zfp_*compress", ("zfp_compress", "zfp_decompress")),
}


@dataclass(frozen=True)
class Case:
    """An array (made on demand; LookupError says why it cannot be) and the
    zfpy mode arguments it is compressed with."""

    make: Callable[[], np.ndarray]
    mode: dict[str, Any]


def synthetic(generator: str, shape: tuple[int, ...], dtype: str,
              array_shape: tuple[int, ...] | None = None,
              scale: float | None = None) -> Callable[[], np.ndarray]:
    """A field of bench/data.py in `dtype` (integers: rounded times
    `scale`, or data.as_dtype's 1e4 without it), reshaped."""
    def make() -> np.ndarray:
        import data

        field = data.GENERATORS[generator](shape)
        arr = (np.round(field * scale).astype(dtype) if scale
               else data.as_dtype(field, dtype))
        return arr.reshape(array_shape or shape)
    return make


def noisy_box(shape: tuple[int, int, int], box: int) -> Callable[[], np.ndarray]:
    """Zeros with a `box`-cubed block of unit noise in the middle: most
    blocks are empty, the coder's fast path (sparse fields, masks,
    backgrounds)."""
    def make() -> np.ndarray:
        arr = np.zeros(shape)
        starts = [(n - box) // 2 for n in shape]
        inside = tuple(slice(s, s + box) for s in starts)
        arr[inside] = np.random.default_rng(20240601).standard_normal((box,) * 3)
        return arr
    return make


def real(name: str, count: int) -> Callable[[], np.ndarray]:
    """A central window of about `count` values of a real field
    (real_fields.py), as stored."""
    def make() -> np.ndarray:
        import real_fields

        return real_fields.window(real_fields.load(name).values, count)
    return make


# Sizes are not multiples of 4, so partial blocks are gathered and scattered
# too.  The cases after the first five are the cells where zfpy came
# closest in timings (issue 16).
SPARSE = noisy_box((61, 62, 63), 13)
CASES: dict[str, Case] = {
    "3d-float64-accuracy-1e-3": Case(synthetic("smooth3d", (30, 33, 35), "float64"),
                                     {"tolerance": 1e-3}),
    "3d-int32-precision-16": Case(synthetic("smooth3d", (30, 33, 35), "int32"),
                                  {"precision": 16}),
    "1d-float64-rate-8": Case(synthetic("series1d", (40003,), "float64"), {"rate": 8}),
    "2d-float32-reversible": Case(synthetic("image2d", (190, 211), "float32"), {}),
    "4d-int64-rate-16": Case(synthetic("smooth3d", (30, 33, 35), "int64", (5, 6, 33, 35)),
                             {"rate": 16}),
    "3d-float64-sparse-rate-8": Case(SPARSE, {"rate": 8}),
    "3d-float64-sparse-rate-16": Case(SPARSE, {"rate": 16}),
    "3d-float64-sparse-precision-20": Case(SPARSE, {"precision": 20}),
    "3d-int32-2^20-precision-20": Case(
        synthetic("smooth3d", (30, 33, 35), "int32", scale=2**20), {"precision": 20}),
    "4d-int32-2^20-precision-20": Case(
        synthetic("smooth3d", (30, 33, 35), "int32", (5, 6, 33, 35), scale=2**20),
        {"precision": 20}),
    "4d-int64-2^20-precision-20": Case(
        synthetic("smooth3d", (30, 33, 35), "int64", (5, 6, 33, 35), scale=2**20),
        {"precision": 20}),
    "real-2d-float32-topography-rate-8": Case(real("topography2d", 2**18), {"rate": 8}),
    "real-2d-float32-topography-accuracy-1": Case(real("topography2d", 2**18),
                                                  {"tolerance": 1.0}),
    "real-3d-float32-winds-precision-16": Case(real("winds3d", 2**18), {"precision": 16}),
}
# The cells of run.py's grid section furthest under 1.5x zfpy (wall time).
CASES.update({
    "grid-1d-float64-smooth-rate-4": Case(synthetic("smooth-1d", (40003,), "float64"),
                                          {"rate": 4}),
    "grid-2d-float64-sparse-rate-4": Case(synthetic("sparse-2d", (190, 211), "float64"),
                                          {"rate": 4}),
    "grid-2d-float64-smooth-rate-4": Case(synthetic("smooth-2d", (190, 211), "float64"),
                                          {"rate": 4}),
    "grid-2d-float32-smooth-accuracy-1e-3": Case(
        synthetic("smooth-2d", (190, 211), "float32"), {"tolerance": 1e-3}),
    "grid-4d-int32-smooth-precision-20": Case(
        synthetic("smooth-4d", (13, 14, 15, 17), "int32"), {"precision": 20}),
    "grid-4d-int32-sparse-reversible": Case(
        synthetic("sparse-4d", (13, 14, 15, 17), "int32"), {}),
})


def child_cases(folder: Path, names: list[str], peer: bool
                ) -> Iterator[tuple[str, np.ndarray, dict[str, Any], Callable[[], bytes],
                                    Callable[[bytes], np.ndarray]]]:
    """Each case a child runs: its name, array and mode, and the zfpy calls
    that compress it and decompress a stream, one thread.  `peer`: `zfpy`
    is LLNL's, which takes no threads."""
    import zfpy

    modes = json.loads((folder / "modes.json").read_text())
    threads = {} if peer else {"threads": 1}
    for name in names:
        arr, mode = np.load(folder / f"{name}.npy"), modes[name]
        yield (name, arr, mode,
               lambda arr=arr, mode=mode: zfpy.compress_numpy(arr, **mode, **threads),
               lambda stream: zfpy.decompress_numpy(stream, **threads))


def run_child(folder: Path, names: list[str], peer: bool) -> None:
    """Compress and decompress each case once, printing one line per library
    call, in the order callgrind dumps their profiles, with a hash of what
    the call made."""
    for name, arr, mode, compress, decompress in child_cases(folder, names, peer):
        stream = compress()
        print(f"{name} compress {hashlib.sha256(stream).hexdigest()}", flush=True)
        out = decompress(stream)
        print(f"{name} decompress {hashlib.sha256(out.tobytes()).hexdigest()}", flush=True)
        if mode == {} and not np.array_equal(out, arr):
            raise SystemExit(f"{name}: the reversible round trip is not exact")


def time_child(folder: Path, names: list[str], peer: bool, calls: int) -> None:
    """Time each case natively (no valgrind): the least wall time of
    `calls` compressions and as many decompressions, one thread, after a
    warm-up call; prints one line per case and phase."""
    import time

    for name, _, _, compress, decompress in child_cases(folder, names, peer):
        stream = compress()
        decompress(stream)
        for phase, call in (("compress", compress), ("decompress", lambda: decompress(stream))):
            best = float("inf")
            for _ in range(calls):
                start = time.perf_counter()
                call()
                best = min(best, time.perf_counter() - start)
            print(f"{name} {phase} {best!r}", flush=True)


def child_command(python: str, library: str, *args: str) -> list[str]:
    """The command line that runs this script as a child for `library`
    (``--child`` or ``--time-child`` and their arguments in `args`)."""
    return [python, str(Path(__file__).resolve()), *args,
            *([] if library == "ours" else ["--peer"])]


Times = dict[str, dict[str, float]]  # library -> "case phase" -> least seconds


def timings(pythons: dict[str, str], names: list[str], folder: Path, rounds: int,
            calls: int) -> Times:
    """The least wall time of each case and phase per library, over
    `rounds` child runs that take turns (ours, zfpy, ours, ...), so that
    both meet the machine's load of the same minutes."""
    times: Times = {library: {} for library in pythons}
    for _ in range(rounds):
        for library, python in pythons.items():
            done = subprocess.run(child_command(python, library, "--time-child", str(calls),
                                                str(folder), *names),
                                  capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"the timed {library} child run failed:\n"
                                 f"{done.stderr[-3000:]}")
            for line in done.stdout.splitlines():
                name, phase, seconds = line.split()
                key = f"{name} {phase}"
                times[library][key] = min(times[library].get(key, float("inf")),
                                          float(seconds))
    return times


def profile_total(path: Path) -> int:
    """The instruction count of one callgrind profile (its `totals:` line,
    or `summary:` where there is no totals line)."""
    text = path.read_text()
    match = re.search(r"^totals:\s*(\d+)", text, re.M) or re.search(
        r"^summary:\s*(\d+)", text, re.M)
    if not match:
        raise SystemExit(f"{path}: no totals in this callgrind profile")
    return int(match.group(1))


# The steps of zfp's block coding (docs/format.md), by the engine's source
# file that holds each: inlined code is counted where it is written.
STEPS = {
    "plane_coder.tmpl.h": "bit planes", "bitplanes.h": "bit planes",
    "bitstream.h": "bit I/O",
    "int_transform.tmpl.h": "transform",
    "float_block.tmpl.h": "float exponent and conversion",
    "traverse.h": "gather/scatter", "traverse.c": "gather/scatter",
    "int_block.tmpl.h": "block coder", "block_codec.c": "block coder",
}
OTHER_STEP = "chunks, header, rest"


def step_costs(text: str) -> dict[str, int]:
    """The self instructions of one callgrind profile, summed by step
    (STEPS) of the source file each cost line belongs to: `fl=` names a
    function's file, `fi=`/`fe=` the file of the inlined lines that follow,
    and the cost line after a `calls=` line is the callee's (counted where
    the callee's own lines are), so it is skipped.  A build without debug
    information (-g) names no files: everything is OTHER_STEP."""
    costs: dict[str, int] = {}
    function_file = current = ""
    after_call = False
    for line in text.splitlines():
        if line.startswith("fl="):
            function_file = current = line[3:]
        elif line.startswith(("fi=", "fe=")):
            current = line[3:]
        elif line.startswith("fn="):
            current = function_file
        elif line.startswith("calls="):
            after_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            if after_call:
                after_call = False
                continue
            fields = line.split()
            if len(fields) > 1:
                step = STEPS.get(current.rsplit("/", 1)[-1], OTHER_STEP)
                costs[step] = costs.get(step, 0) + int(fields[1])
    return costs


Counts = dict[str, dict[str, Any]]  # case -> {"compress": Ir, "decompress": Ir, hashes}


def callgrind(library: str, names: list[str], python: str, folder: Path,
              functions: tuple[str, ...]) -> tuple[list[str], list[Path], str]:
    """Run the child for `library` on `names` under callgrind, collecting and
    dumping in `functions` (a wildcard pattern for several: valgrind 3.19
    collects nothing when two --toggle-collect options come with --dump-after
    ones); returns the child's lines, the profiles in dump order, and the
    folder that holds them (the caller removes it)."""
    pattern = LIBRARIES[library][0] if len(functions) > 1 else functions[0]
    tmp = tempfile.mkdtemp()
    out = Path(tmp) / "callgrind.out"
    command = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
               f"--callgrind-out-file={out}", f"--toggle-collect={pattern}",
               # names in full in every profile, so each can be read alone
               "--compress-strings=no"]
    command += [f"--dump-after={f}" for f in functions]
    command += child_command(python, library, "--child", str(folder), *names)
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp)
    if done.returncode:
        shutil.rmtree(tmp)
        raise SystemExit(f"the {library} child run failed:\n{done.stderr[-3000:]}")
    # profiles are numbered from 1 in dump order; the last, written at exit,
    # holds what ran after the last library call (nothing counted)
    dumps = sorted(Path(tmp).glob("callgrind.out.*"),
                   key=lambda p: int(p.name.rsplit(".", 1)[1]))
    return done.stdout.split("\n")[:-1], dumps, tmp


def measure(library: str, names: list[str], python: str, folder: Path) -> Counts:
    """{case: {"compress": Ir, "decompress": Ir, "compress_sha": ...,
    "decompress_sha": ...}} from one valgrind run of `library`'s calls."""
    calls, dumps, tmp = callgrind(library, names, python, folder, LIBRARIES[library][1])
    try:
        if len(dumps) < len(calls):
            raise SystemExit(f"{library}: {len(calls)} calls but {len(dumps)} profiles")
        counts: Counts = {}
        for call, dump in zip(calls, dumps):
            name, phase, sha = call.split()
            counts.setdefault(name, {})[phase] = profile_total(dump)
            counts[name][f"{phase}_sha"] = sha
            counts[name][f"{phase}_steps"] = step_costs(dump.read_text())
            counts[name]["blocks"] = blocks_of(np.load(folder / f"{name}.npy", mmap_mode="r"))
        return counts
    finally:
        shutil.rmtree(tmp)


def keep_profiles(library: str, names: list[str], python: str, folder: Path,
                  dest: Path) -> None:
    """One profile per case and phase in `dest`, each from a run that
    collects that function alone: callgrind_annotate attributes the costs of
    a run's first dump to the right functions, not those of later ones."""
    for name in names:
        for phase, function in zip(("compress", "decompress"), LIBRARIES[library][1]):
            _, dumps, tmp = callgrind(library, [name], python, folder, (function,))
            shutil.copy(dumps[0], dest / f"{library}.{name}.{phase}.callgrind")
            shutil.rmtree(tmp)


def report(ours: Counts, zfpy: Counts, base: Counts | None, tolerance: float,
           exact: bool) -> list[str]:
    """Print the table; returns the problems found: a stream or decoded
    array that differs from zfpy's, a count that grew (or, with `exact`,
    moved) by more than `tolerance` against `base`."""
    problems = []
    columns = ["case", "compress Ir", "decompress Ir"]
    if zfpy:
        columns += ["zfpy compress Ir", "zfpy decompress Ir", "zfpy/ours compress",
                    "zfpy/ours decompress", "same bytes"]
    if base:
        columns += ["compress / base", "decompress / base"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("-" * (len(c) + 2) for c in columns) + "|")
    phases = ("compress", "decompress")
    for name, counts in ours.items():
        cells = [name] + [f"{counts[p]:,}" for p in phases]
        theirs = zfpy.get(name)
        if theirs:
            same = all(counts[f"{p}_sha"] == theirs[f"{p}_sha"] for p in phases)
            if not same:
                problems.append(f"{name}: our stream or decoded values differ from zfpy's")
            cells += [f"{theirs[p]:,}" for p in phases]
            cells += [f"{theirs[p] / counts[p]:.2f}x" for p in phases]
            cells.append("yes" if same else "**NO**")
        elif zfpy:
            cells += ["-"] * 5
        if base:
            for phase in phases:
                old = base.get(name, {}).get(phase)
                if old is None:
                    cells.append("(none)")
                    continue
                ratio = counts[phase] / old
                if ratio - 1 > tolerance or (exact and 1 - ratio > tolerance):
                    problems.append(f"{name} {phase}: {ratio:.4f} x the saved count")
                cells.append(f"{ratio:.4f}")
        print("| " + " | ".join(cells) + " |")
    return problems


def blocks_of(arr: np.ndarray) -> int:
    """The number of zfp blocks (4 values a side) of an array."""
    return int(np.prod([-(-n // 4) for n in arr.shape]))


def why(ours: Counts, zfpy: Counts, times: Times) -> str:
    """Markdown: instructions per block, ours and zfpy's, and where ours
    go, step by step (STEPS), for every case and phase; with `times`, the
    time per block of each and the instructions each retires per
    nanosecond, which tell a cell that executes too many instructions from
    one whose instructions run slowly (dependency chains, mispredicted
    branches, stalls)."""
    steps = list(dict.fromkeys([*STEPS.values(), OTHER_STEP]))
    timed = bool(times.get("ours")) and bool(times.get("zfpy"))
    head = ["case", "phase", "ours Ir/block", "zfpy Ir/block", "zfpy/ours Ir"]
    if timed:
        head += ["ours ns/block", "zfpy ns/block", "zfpy/ours time", "ours Ir/ns",
                 "zfpy Ir/ns"]
    head += steps
    lines = ["# Instructions per block, zfpcodec and zfpy 1.0.1",
             "",
             "`python bench/callgrind.py --why` (valgrind's callgrind; one thread; the engine "
             "built with -g). Ir/block: instructions of the whole call over the array's "
             "blocks. The step columns split ours by the source file each instruction "
             "comes from (inlined code counts where it is written); zfpy's library has no "
             "debug information to split. zfpy/ours above 1: we execute fewer.",
             ""]
    if timed:
        lines += ["ns/block: the least wall time of the same call, natively (no valgrind), "
                  "over the array's blocks, Python's call included; ours and zfpy timed in "
                  "turns. Ir/ns: instructions per nanosecond, instructions per cycle times "
                  "the clock (which a virtual machine does not report reliably; both sides "
                  "run at the same one): where zfpy/ours Ir is above zfpy/ours time, our "
                  "instructions run slower than zfpy's (dependency chains, mispredicted "
                  "branches, stalls), and where it is below, faster.",
                  ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    for name, counts in ours.items():
        blocks = counts["blocks"]
        for phase in ("compress", "decompress"):
            theirs = zfpy.get(name, {}).get(phase)
            where = counts.get(f"{phase}_steps", {})
            cells = [name, phase, f"{counts[phase] / blocks:.0f}",
                     f"{theirs / blocks:.0f}" if theirs else "-",
                     f"{theirs / counts[phase]:.2f}x" if theirs else "-"]
            if timed:
                key = f"{name} {phase}"
                mine, peer = times["ours"].get(key), times["zfpy"].get(key)
                if mine and peer and theirs:
                    cells += [f"{mine / blocks * 1e9:.1f}", f"{peer / blocks * 1e9:.1f}",
                              f"{peer / mine:.2f}x", f"{counts[phase] / (mine * 1e9):.1f}",
                              f"{theirs / (peer * 1e9):.1f}"]
                else:
                    cells += ["-"] * 5
            cells += [f"{where.get(step, 0) / blocks:.0f}" for step in steps]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def load_saved(path: Path) -> Counts:
    """Our counts from a saved run (this format, or the earlier one that
    held ours alone)."""
    saved = json.loads(path.read_text())
    return saved["ours"] if "ours" in saved else saved


def make_arrays(names: list[str], folder: Path) -> list[str]:
    """Write each case's array to `folder`; returns the cases that could be
    made (the others are named on stderr)."""
    made, modes = [], {}
    for name in names:
        try:
            np.save(folder / f"{name}.npy", CASES[name].make())
        except LookupError as error:
            print(f"skipped {name}: {error}", file=sys.stderr)
            continue
        made.append(name)
        modes[name] = CASES[name].mode
    (folder / "modes.json").write_text(json.dumps(modes))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES),
                        help="comma-separated case names (default: all)")
    parser.add_argument("--out", type=Path, help="write the counts to this JSON file")
    parser.add_argument("--compare", type=Path,
                        help="JSON file of an earlier run to compare with")
    parser.add_argument("--tolerance", type=float, default=0.005,
                        help="largest accepted growth (or |ratio - 1| with --exact) "
                             "with --compare (default 0.005)")
    parser.add_argument("--exact", action="store_true",
                        help="with --compare, fewer instructions fail too")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter where zfpcodec is installed (default: this one)")
    parser.add_argument("--zfpy-python", default=str(PEERS_PYTHON),
                        help="interpreter with LLNL zfpy 1.0.1 (default: the bench venv); "
                             "'' to count ours alone")
    parser.add_argument("--profiles", type=Path,
                        help="keep the callgrind profiles in this folder")
    parser.add_argument("--why", type=Path,
                        help="write a markdown table of instructions per block, ours and "
                             "zfpy's, and where ours go step by step (needs an engine "
                             "built with -g: pip install -Csetup-args=-Dc_args=-g .)")
    parser.add_argument("--time-rounds", type=int, default=5,
                        help="with --why: timed child runs per library, taking turns "
                             "(0: no timings; default 5)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--time-child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(Path(args.child[0]), args.child[1:], args.peer)
        return
    if args.time_child:
        time_child(Path(args.time_child[1]), args.time_child[2:], args.peer,
                   int(args.time_child[0]))
        return
    names = args.cases.split(",")
    unknown = sorted(set(names) - set(CASES))
    if unknown:
        parser.error(f"unknown case {unknown}; choose from {', '.join(CASES)}")
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    if args.profiles:
        args.profiles.mkdir(parents=True, exist_ok=True)
    zfpy_python = args.zfpy_python
    if zfpy_python and not Path(zfpy_python).exists():
        print(f"zfpy not counted: no interpreter at {zfpy_python} (run bench/run.py once "
              "to make the bench venv, or pass --zfpy-python)", file=sys.stderr)
        zfpy_python = ""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = make_arrays(names, folder)
        ours = measure("ours", names, args.python, folder)
        zfpy = measure("zfpy", names, zfpy_python, folder) if zfpy_python else {}
        times: Times = {}
        if args.why and zfpy_python and args.time_rounds > 0:
            times = timings({"ours": args.python, "zfpy": zfpy_python}, names, folder,
                            args.time_rounds, TIMED_CALLS)
        if args.profiles:
            keep_profiles("ours", names, args.python, folder, args.profiles)
            if zfpy_python:
                keep_profiles("zfpy", names, zfpy_python, folder, args.profiles)
    base = load_saved(args.compare) if args.compare else None
    problems = report(ours, zfpy, base, args.tolerance, args.exact)
    if args.out:
        args.out.write_text(json.dumps({"ours": ours, "zfpy": zfpy}, indent=1) + "\n")
    if args.why:
        args.why.write_text(why(ours, zfpy, times))
    if problems:
        raise SystemExit("\n".join(problems))


if __name__ == "__main__":
    main()
