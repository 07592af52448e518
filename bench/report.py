"""The markdown report of a benchmark run (results/bench.json -> bench.md).

    python bench/report.py bench/results/bench.json   # re-print a saved run
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MIB = 2**20
TARGET_3D = 1.5       # single thread, 3-D, every mode and type: x zfpy 1.0.1
TARGET_LOW_RANK = 1.0  # 1-D and 2-D: never slower than zfpy
TARGET_2T = 1.8       # 2 threads on 8 MB and up: x our one thread
TARGET_2T_VARIABLE = 1.6  # 2 threads, variable-rate decompression, every rank


def _f(x, digits=0, suffix=""):
    if x is None:
        return "-"
    return f"{x:,.{digits}f}{suffix}"


def _x(x):
    return "-" if x is None else f"{x:.2f}x"


def _err(x):
    if x is None:
        return "-"
    return "0" if x == 0 else f"{x:.2g}"


def _yes(x):
    return {True: "yes", False: "**NO**", None: "-"}[x]


def _table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _param(mode, param):
    if param is None or mode in ("reversible", "-"):
        return mode
    label = {"accuracy": "tol", "rate": "rate", "precision": "prec"}.get(mode, mode)
    return f"{mode} ({label} {param:g})"


def busy(r) -> float:
    """Cores other processes kept busy, the larger of before and after the run."""
    return max(r.get("busy_start") or 0, r.get("busy_end") or 0, r.get("busy_during") or 0)


def header(r) -> str:
    m = r["machine"]
    v = r.get("versions", {})
    p = v.get("peers") or {}
    cfg = r["config"]
    peers = ", ".join(f"{k} {p[k]}" for k in ("zfpy", "numcodecs", "imagecodecs", "blosc2",
                                               "hdf5plugin", "h5py", "zarr") if p.get(k))
    load = lambda t: "/".join(f"{x:.1f}" for x in t) if t else "?"  # noqa: E731
    lines = [
        "# zfpcodec benchmark",
        "",
        f"- **Machine:** {m.get('cpu')} (family/model {m.get('cpu_family_model')}"
        f"{', ' + m['hypervisor'] + ' guest' if m.get('hypervisor') else ''}), "
        f"{m.get('cpus')} cores, {m.get('mem_gib', '?')} GiB; Python {m.get('python')}, "
        f"NumPy {m.get('numpy')}.",
        f"- **Ours:** zfpcodec {v.get('zfpcodec')} at {m.get('commit', '?')}, through its "
        "`zfpy` drop-in (`compress_numpy` / `decompress_numpy`, `threads=`).",
        f"- **Peers** (bench venv, Python {p.get('python', '?')}): {peers or 'not run'}.",
        f"- **Run:** {r.get('started')}, {r.get('elapsed_s', 0):.0f} s; "
        f"{'--quick; ' if cfg.get('quick') else ''}"
        f"best of {cfg['rounds']} rounds x {cfg['reps']} calls per case after a warm-up, ours "
        f"and the peers taking turns. Load average (1/5/15 min) {load(r.get('load_start'))} at "
        f"the start, {load(r.get('load_end'))} at the end; other processes kept "
        f"{r.get('busy_start', '?')} cores busy just before the run, "
        f"{r.get('busy_during', '?')} on average during it, {r.get('busy_end', '?')} just after.",
        f"- **These timings are single runs on a shared {m.get('cpus')}-core machine** "
        + ("where other jobs were running during the run" if busy(r) > 0.3 else
           "(other jobs may run on it; it was idle just before and just after this run)")
        + ": expect +-10-20 % noise between runs; the ratios to zfpy are measured in the "
        "same minutes on the same data and are steadier than the absolute MB/s.",
        "- MB/s = 10^6 bytes of *uncompressed* array per second, for both compression and "
        "decompression. Ratio = uncompressed / compressed bytes.",
    ]
    mism = r.get("mismatches") or []
    checked = sum(1 for row in r.get("single", []) + r.get("grid", [])
                  if row.get("same_as_zfpy") is not None)
    checked += sum(1 for row in r.get("peers", []) if row.get("codec") == "zfpy"
                   and row.get("same_as_ours") is not None)
    if not checked and not mism:
        lines.append("- No zfpy 1.0.1 configuration was compared in this run.")
    elif mism:
        lines.append(f"- **!!! {len(mism)} MISMATCH(ES) WITH zfpy 1.0.1:** "
                     + "; ".join(f"{x['case']} ({x['kind']})" for x in mism))
    else:
        lines.append(f"- **Byte-exact:** all {checked} zfpy 1.0.1 configurations measured gave "
                     "the same stream bytes and the same decoded values as zfpcodec; more "
                     "threads never changed our bytes.")
    return "\n".join(lines)


def targets(r) -> str:
    single = [row for row in r.get("single", []) if row.get("speedup_comp")]
    rows = []

    def add(name, values, goal):
        """One goal: the worst and median case; goal None = for information."""
        if not values:
            rows.append((name, "not measured", "-", "-"))
            return
        worst = min(values, key=lambda kv: kv[0])
        verdict = "info" if goal is None else "met" if worst[0] >= goal else "**not met**"
        rows.append((name, f"{worst[0]:.2f}x ({worst[1]})",
                     f"{sorted(v for v, _ in values)[len(values) // 2]:.2f}x", verdict))

    for op, label in (("comp", "compress"), ("decomp", "decompress")):
        add(f"3-D, 1 thread, {label}: >= {TARGET_3D}x zfpy (every mode; f32, f64, i32)",
            [(row[f"speedup_{op}"], f"{row['dtype']} {row['mode']}") for row in single
             if row["rank"] == 3], TARGET_3D)
    for op, label in (("comp", "compress"), ("decomp", "decompress")):
        add(f"1-D and 2-D, 1 thread, {label}: never slower than zfpy",
            [(row[f"speedup_{op}"], f"{row['rank']}-D {row['dtype']} {row['mode']}")
             for row in single if row["rank"] < 3], TARGET_LOW_RANK)
    grid = [row for row in r.get("grid", []) if row.get("speedup_comp")]
    for op, label in (("comp", "compress"), ("decomp", "decompress")):
        values = [(row[f"speedup_{op}"], _grid_label(row)) for row in grid]
        add(f"grid (every type, rank 1-4, mode; smooth, noisy, sparse), 1 thread, {label}: "
            f">= {TARGET_3D}x zfpy; cells under it: "
            f"{sum(v < TARGET_3D for v, _ in values)} of {len(values)}", values, TARGET_3D)
    real = [row for row in r.get("single_real", []) if row.get("speedup_comp")]
    for op, label in (("comp", "compress"), ("decomp", "decompress")):
        add(f"real fields, 1 thread, {label}: >= {TARGET_3D}x zfpy (every mode)",
            [(row[f"speedup_{op}"], f"{row['field']} {row['mode']}") for row in real],
            TARGET_3D)
    two = [row for row in r.get("threads", []) if row.get("impl") == "zfpcodec"
           and row.get("threads") == 2 and row.get("size_mb", 0) >= 8]
    add(f"2 threads, >= 8 MiB, compress: >= {TARGET_2T}x our 1 thread",
        [(row["comp_scaling"], f"{row['size_mb']:g} MiB {row['dtype']} {row['mode']}")
         for row in two if row.get("comp_scaling")], TARGET_2T)
    add(f"2 threads, >= 8 MiB, decompress, fixed rate: >= {TARGET_2T}x our 1 thread",
        [(row["decomp_scaling"], f"{row['size_mb']:g} MiB {row['dtype']}")
         for row in two if row.get("decomp_scaling") and row["mode"] == "rate"], TARGET_2T)
    add(f"2 threads, >= 8 MiB, decompress, variable rate, every rank and real fields: "
        f">= {TARGET_2T_VARIABLE}x our 1 thread",
        [(row["decomp_scaling"], f"3-D {row['size_mb']:g} MiB {row['dtype']} {row['mode']}")
         for row in two if row.get("decomp_scaling") and row["mode"] != "rate"]
        + [(row["scaling"], f"{row['array']} {row['dtype']} {row['mode']}")
           for row in r.get("varrate", [])], TARGET_2T_VARIABLE)
    for pipeline, scaling in _zarr_scaling(r).items():
        for op in ("write", "read"):
            add(f"Zarr v3, zfpcodec, zarr's {pipeline} pipeline, {op}: 2 workers >= "
                f"{TARGET_2T}x 1 worker", [(scaling[op], scaling["label"])], TARGET_2T)
    add("2 threads, >= 8 MiB, compress: x zfpy 1.0.1 (one thread)",
        [(row["comp_vs_zfpy"], f"{row['size_mb']:g} MiB {row['dtype']} {row['mode']}")
         for row in two if row.get("comp_vs_zfpy")], None)
    text = ("## Targets\n\nRatios measured in this run on the same arrays; worst case and "
            "median over the cases each goal covers.\n\n"
            + _table(("target", "worst case", "median", "verdict"), rows))
    cores = r["machine"].get("cpus") or 1
    if r.get("threads") and busy(r) > 0.3:
        text += (f"\n\n**Thread figures are unreliable in this run:** other processes kept "
                 f"{busy(r):.1f} of the {cores} cores busy (the most of: just before, on "
                 "average during, just after the run), and a second thread only helps when "
                 "a core is free. Re-run `--only threads` on an idle machine before judging "
                 "the 1.8x target.")
    return text


def single(r) -> str:
    head = ("data", "dtype", "mode", "shape", "ratio", "compress MB/s ours",
            "zfpy", "ours/zfpy", "decompress MB/s ours", "zfpy", "ours/zfpy", "same bytes")
    text = ("## One thread, every mode and type: zfpcodec vs zfpy 1.0.1\n\n"
            "Same array, same call (`compress_numpy(a, **mode)`, `decompress_numpy(s)`), one "
            "thread each. `same bytes`: our stream and decoded values equal zfpy's.\n\n"
            + _table(head, _single_rows(r.get("single", []))))
    if r.get("single_real") or r.get("real_skipped"):
        text += ("\n\n### Real fields\n\nThe same on real fields as stored (bench/"
                 "real_fields.py; central windows of the single-thread size), with the "
                 "largest absolute error of the round trip.\n\n"
                 + _table(head[:5] + ("max error",) + head[5:],
                          _single_rows(r.get("single_real", []), error=True)))
        text += "".join(f"\n\nSkipped: {m}" for m in r.get("real_skipped", []))
    return text


def _single_rows(rows: list[dict], error: bool = False) -> list[tuple]:
    """The cells of the single-thread tables, one tuple per row (`error`:
    with the largest absolute error after the ratio)."""
    out = []
    for row in rows:
        o, z = row["ours"], row.get("zfpy") or {}
        cells = (f"{row['rank']}-D {row['field']}", row["dtype"],
                 _param(row["mode"], row["param"]), "x".join(map(str, row["shape"])),
                 _f(o.get("ratio"), 2))
        if error:
            cells += (_err(o.get("maxerr")),)
        out.append(cells + (_f(o.get("comp_mbps")), _f(z.get("comp_mbps")),
                            _x(row.get("speedup_comp")), _f(o.get("decomp_mbps")),
                            _f(z.get("decomp_mbps")), _x(row.get("speedup_decomp")),
                            _yes(row.get("same_as_zfpy"))))
    return out


def _grid_label(row: dict) -> str:
    return f"{row['rank']}-D {row['field'].split('-')[0]} {row['dtype']} " + _param(
        row["mode"], row["param"])


def grid(r) -> str:
    """The grid as one line per field, rank and type, one column per mode:
    ours/zfpy for compression / decompression, cells under the target in
    bold; then where the cells under it are."""
    rows = r.get("grid") or []
    if not rows:
        return ""
    modes = list(dict.fromkeys((row["mode"], row["param"]) for row in rows))
    lines: dict = {}
    for row in rows:
        key = (row["field"].split("-")[0], row["rank"], row["dtype"])
        lines.setdefault(key, {})[(row["mode"], row["param"])] = row

    def cell(row):
        if not row or not row.get("speedup_comp"):
            return "-"
        c, d = row["speedup_comp"], row["speedup_decomp"]
        mark = lambda x: f"**{x:.2f}**" if x < TARGET_3D else f"{x:.2f}"  # noqa: E731
        same = "" if row.get("same_as_zfpy") is not False else " **DIFFERENT BYTES**"
        return f"{mark(c)} / {mark(d)}{same}"

    table = _table(("field", "rank", "dtype", *[_param(m, p) for m, p in modes]),
                   [(k[0], f"{k[1]}-D", k[2], *[cell(v.get(m)) for m in modes])
                    for k, v in lines.items()])
    under: dict = {}
    for row in rows:
        for op in ("comp", "decomp"):
            if (row.get(f"speedup_{op}") or TARGET_3D) < TARGET_3D:
                under.setdefault((row["rank"], op), []).append(row)
    where = [(f"{rank}-D", {"comp": "compress", "decomp": "decompress"}[op], len(found),
              ", ".join(sorted({_param(x["mode"], x["param"]) for x in found})),
              ", ".join(sorted({x["field"].split("-")[0] for x in found})),
              f"{min(x[f'speedup_{op}'] for x in found):.2f}x")
             for (rank, op), found in sorted(under.items())]
    shape = {row["rank"]: "x".join(map(str, row["shape"])) for row in rows
             if row["dtype"] == "float64"}
    text = ("## Grid: every type, rank and mode, one thread, vs zfpy 1.0.1\n\n"
            "Each cell: ours/zfpy for compression / decompression, on the same array "
            f"(float64 shapes {', '.join(f'{k}-D {v}' for k, v in sorted(shape.items()))}; the "
            "other types the same shape; integers are the field x 1e4, rounded). Under "
            f"{TARGET_3D}x in bold. Fields: smooth (a k^-2.5 random field plus 1e-3 noise), "
            "noisy (white noise), sparse (zeros but a noisy box a quarter of each axis "
            "wide). zfpy 1.0.1 has no expert mode, so it has no column. Every cell's bytes "
            "and decoded values were compared with zfpy's.\n\n" + table)
    if where:
        text += ("\n\nWhere the cells under the target are (`bench/callgrind.py` counts the "
                 "instructions per block of such cases, ours and zfpy's, and where ours go):"
                 "\n\n" + _table(("rank", "op", "cells", "modes", "fields", "worst"), where))
    return text


def threads(r) -> str:
    rows = []
    for row in r.get("threads", []):
        if not row.get("threads"):
            continue
        rows.append((f"{row['size_mb']:g} MiB", row["dtype"], _param(row["mode"], row["param"]),
                     row["impl"], row["threads"], _f(row["comp_mbps"]),
                     _x(row.get("comp_scaling")), _x(row.get("comp_vs_zfpy")),
                     _f(row["decomp_mbps"]), _x(row.get("decomp_scaling")),
                     _x(row.get("decomp_vs_zfpy")), _f(row["ratio"], 2)))
    head = ("size", "dtype", "mode", "codec", "threads", "compress MB/s", "vs 1 thread",
            "vs zfpy", "decompress MB/s", "vs 1 thread", "vs zfpy", "ratio")
    return ("## Threads (3-D smooth field)\n\n"
            "`vs 1 thread`: against the same codec with one thread; `vs zfpy`: against zfpy "
            "1.0.1 (one thread, it has no threads) on the same array. zfpcodec decompresses "
            "fixed-rate streams by block offsets and variable-rate streams behind a pass that "
            "locates the chunks; imagecodecs' OpenMP threads compress only; "
            "blosc2 runs zfp per Blosc block (its own format, no reversible mode).\n\n"
            + _table(head, rows) + _fresh_memory(r.get("fresh_memory")))


def _fresh_memory(probes) -> str:
    if not probes:
        return ""
    rows = [(f"{p['size_mb']:g} MiB", "x".join(map(str, p["shape"])),
             p["call"],
             f"{1e3 * p['seconds']['1']:.2f} / {1e3 * p['seconds']['2']:.2f}",
             _x(p["scaling"]),
             f"{1e3 * p['kept_memory_seconds']['1']:.2f} / "
             f"{1e3 * p['kept_memory_seconds']['2']:.2f}", _x(p["scaling_kept_memory"]))
            for p in probes]
    head = ("size", "shape", "call", "as run: ms, 1 / 2 threads", "2 vs 1 thread",
            "memory kept: ms, 1 / 2 threads", "2 vs 1 thread")
    return ("\n\n**Why some rows scale less: fresh memory** "
            "(bench/fresh_memory.py). Each compression's stream is a new buffer the size of "
            "its worst case, which glibc maps afresh, and the first write to each page costs "
            "the kernel a fault and a page of zeros, one page at a time however many threads "
            "fault (on two threads the calling thread makes the stream's pages present ahead "
            "of the chunks' copies, so that only it waits); a reversible stream is about as "
            "large as its array. Each decompression's array is new too, and so is, on two threads, the "
            "buffer of the blocks decoded early (half the array); after the temporaries of "
            "scoring a round trip, glibc maps them afresh. float64 reversible compression and "
            "fixed-accuracy decompression, in child processes, timed as this benchmark times "
            "them (`common.run_case`) and where glibc's allocator keeps the memory it frees "
            "(MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, "
            "MALLOC_TOP_PAD_), so no page is fresh after the first call:\n\n"
            + _table(head, rows))


def varrate(r) -> str:
    rows = [(row["array"], row["dtype"], "x".join(map(str, row["shape"])), row["mode"],
             _f(row["decomp_mbps_1"]), _f(row["decomp_mbps_2"]), _x(row["scaling"]),
             _f(row["measure_share"], 2), _x(row["bound"]))
            for row in r.get("varrate", [])]
    if not rows:
        return ""
    head = ("array", "dtype", "shape", "mode", "1 thread MB/s", "2 threads MB/s",
            "vs 1 thread", "measure / decode (m)", "measuring bound (2 + m) / (1 + m)")
    return ("## Variable-rate decompression on two threads, every rank\n\n"
            "These streams store no block offsets. One thread decodes from the first block "
            "while the other parses blocks from a bit guessed part way in; once the first "
            "proves that the two parses agree, the second decodes the last part "
            "(csrc/guessed_split.c). In 1-D, 2-D and 3-D lossy streams the guess "
            "is near the middle and the second thread, after measuring a prefix about twice "
            "the garbage run it expects, decodes its blocks into a "
            "buffer of their own (up to 64 MiB), which the first stores into the array on "
            "the agreement. Elsewhere (4-D and 3-D reversible streams, whose parses from a "
            "guess fall in late), and where that buffer would be larger, it only "
            "measures them (reads them without rebuilding values), from a guess near the "
            "start or from the first block: with m the measuring time over the one-thread "
            "decoding time, an ideal guess then gives (2 + m) / (1 + m), the `measuring "
            "bound`, which decoding early passes.\n\n"
            + _table(head, rows))


def peers(r) -> str:
    out = ["## Peers on synthetic and real data (one thread)",
           "",
           "Reversible, then an absolute error bound of about 1e-4 of the value range "
           "(a power of ten, which blosc2's ZFP_ACC needs). zfpy, numcodecs, imagecodecs "
           "and hdf5plugin run LLNL zfp 1.0.1; blosc2 runs zfp per Blosc block; SZ3, SPERR "
           "and LERC are other error-bounded lossy codecs (imagecodecs), at the same bound. "
           "`numpy copy`: `np.copyto` of the array, the memory system's speed. "
           "Real datasets are small (KB), so their MB/s are dominated by per-call overhead.",
           ""]
    sets = {d["name"]: d for d in r.get("datasets", [])}
    out.append(_table(("dataset", "dtype", "shape", "source", "what"), [
        (n, d["dtype"], "x".join(map(str, d["shape"])), d["source"], d["description"])
        for n, d in sets.items()]))
    out.append("")
    rows = []
    for row in r.get("peers", []):
        if "comp_mbps" not in row:
            continue
        rows.append((row["dataset"], _param(row["mode"], row["param"]), row["codec"],
                     _f(row.get("ratio"), 2), _f(row["comp_mbps"]), _f(row.get("decomp_mbps")),
                     _err(row.get("maxerr")),
                     "lossless" if row.get("lossless") else _f(row.get("psnr"), 1),
                     _yes(row.get("same_as_ours"))))
    head = ("dataset", "mode", "codec", "ratio", "compress MB/s", "decompress MB/s",
            "max error", "PSNR dB", "same bytes as zfpcodec")
    out.append(_table(head, rows))
    skipped = sorted({f"{row['codec']}: {row.get('skipped') or row.get('error')}"
                      for row in r.get("peers", []) if "comp_mbps" not in row})
    if skipped:
        out += ["", "Not measured: " + "; ".join(skipped) + "."]
    return "\n".join(out)


def _zarr_scaling(r) -> dict[str, dict]:
    """Per codec pipeline of our Zarr rows: write and read MB/s at 2
    workers over 1, and which zarr measured them."""
    rows = [row for row in (r.get("zarr") or {}).get("rows", [])
            if row.get("impl") == "zfpcodec" and row.get("write_mbps")]
    out = {}
    for pipeline in dict.fromkeys(row.get("pipeline", "batched") for row in rows):
        by_workers = {row["workers"]: row for row in rows
                      if row.get("pipeline", "batched") == pipeline}
        if 1 in by_workers and 2 in by_workers:
            one, two = by_workers[1], by_workers[2]
            out[pipeline] = {"write": two["write_mbps"] / one["write_mbps"],
                             "read": two["read_mbps"] / one["read_mbps"],
                             "label": f"zarr {two.get('zarr', '?')}"}
    return out


def _zarr_split(z) -> str:
    """Where our rows' time goes: the codec alone against zarr's own work,
    and what two workers could reach were that work to run one at a time."""
    rows = [row for row in z["rows"] if row.get("impl") == "zfpcodec" and row.get("codec_read_ms")]
    out = []
    for pipeline in dict.fromkeys(row["pipeline"] for row in rows):
        by_workers = {row["workers"]: row for row in rows if row["pipeline"] == pipeline}
        if 1 not in by_workers or 2 not in by_workers:
            continue
        one, two = by_workers[1], by_workers[2]
        for op in ("write", "read"):
            whole, codec = one[f"{op}_ms"], one[f"codec_{op}_ms"]
            rest = max(whole - codec, 0.0)
            out.append((pipeline, op, _f(whole, 1), _f(codec, 1), _f(rest, 1),
                        _f(two[f"{op}_ms"], 1), _f(whole / two[f"{op}_ms"], 2, "x"),
                        _f(whole / (codec / 2 + rest), 2, "x")))
    if not out:
        return ""
    head = ("pipeline", "op", "1 worker, ms", "our codec alone, ms", "zarr's rest, ms",
            "2 workers, ms", "2 workers / 1", "at most, were zarr's rest serial")
    return ("\n\nWhere our rows' time goes: `our codec alone` codes every chunk on one thread "
            "as the codec does inside zarr (`zarr_probe.py`); the rest of a 1-worker time is "
            "zarr's own work per chunk (cutting and padding chunks, copying decoded ones into "
            "the new output array, whose fresh pages the kernel zeroes). Two workers halve the "
            "codec's part at best; were zarr's rest to run one chunk at a time, the last column "
            "would be the most they could reach (a ratio above it: some of zarr's work ran side "
            "by side).\n\n" + _table(head, out))


def zarr(r) -> str:
    z = r.get("zarr")
    if not z:
        return ""
    if "skipped" in z:
        return f"## Zarr v3\n\n{z['skipped']}."
    rows = [(row["impl"], row.get("zarr", "?"), row.get("pipeline", "batched"), row["workers"],
             _f(row.get("write_mbps")), _f(row.get("read_mbps")), _f(row.get("ratio"), 2),
             _err(row.get("maxerr")), row.get("error", ""))
            for row in z["rows"]]
    head = ("codec", "zarr", "pipeline", "zarr workers", "write MB/s", "read MB/s", "ratio",
            "max error", "error")
    first = next((row for row in z["rows"] if "shape" in row), {})
    return ("## Zarr v3 (MemoryStore)\n\n"
            f"A {z['dtype']} array of shape {'x'.join(map(str, first.get('shape', [])))} in "
            f"chunks of {'x'.join(map(str, first.get('chunks', [])))}, tolerance "
            f"{z['tolerance']:g}: `zfpcodec.zarr3.ZFPCodec` vs `zarr.codecs.numcodecs.ZFPY` "
            "(zfpy 1.0.1) as the serializer. Pipeline `batched`: zarr's default, which runs "
            "the codec's async methods on zarr's thread pool (`ZARR_THREADING__MAX_WORKERS` "
            "workers) while its event loop's thread does zarr's own work per chunk; `fused`: "
            "the pipeline newer zarr releases offer (`codec_pipeline.path`), which runs the "
            "codec's sync methods and zarr's per-chunk work on a pool of "
            "`codec_pipeline.max_workers` (set to the same count; one worker runs on the "
            "calling thread). `--zarr-python` chooses the interpreter, and so the zarr, of "
            "our rows.\n\n" + _table(head, rows) + _zarr_split(z))


def memory(r) -> str:
    m = r.get("memory")
    if not m:
        return ""
    rows = []
    for row in m["rows"]:
        if "error" in row:
            rows.append((row["impl"], row["op"], row["mode"], row["threads"], "error", "", "", "",
                         row["error"]))
            continue
        base = row["result_nbytes"] if row["op"] == "decompress" else row["stream_bytes"]
        rows.append((row["impl"], row["op"].replace("_", " into "), row["mode"], row["threads"],
                     _f(row["rss_peak"] / MIB, 1), _f(row["traced_peak"] / MIB, 1),
                     _f(row["stream_bytes"] / MIB, 1), _f(row["input_bytes"] / MIB, 1),
                     _f(row["rss_peak"] / base, 2) if row["op"] != "decompress_out" else "-"))
    head = ("codec", "call", "mode", "threads", "peak RSS growth MiB", "tracemalloc peak MiB",
            "stream MiB", "array MiB", "RSS peak / (stream or new array)")
    return ("## Memory\n\n"
            f"float64 {'x'.join(map(str, m['shape']))}, one fresh process per call. `peak RSS "
            "growth`: the kernel's high-water mark (reset just before the call) minus the "
            "resident size before it; it counts every touched allocation (C `malloc` "
            "included) and what the call returns. `tracemalloc peak`: what Python and NumPy "
            "allocated (zfpy's C buffers are invisible to it). Compression should need about "
            "the stream's size (ours up to 2 MiB more: a large output buffer is advised onto "
            "huge pages, and the last one it writes is resident whole until the buffer is "
            "cut to the stream), decompression into an existing array about nothing, "
            "`decompress_numpy` about the new array.\n\n" + _table(head, rows))


def _bpv_at(points, psnr):
    pts = sorted((p["bpv"], p["psnr"]) for p in points if p.get("psnr") is not None)
    for (b0, q0), (b1, q1) in zip(pts, pts[1:]):
        if q0 < psnr <= q1 or q1 < psnr <= q0:
            return b0 + (b1 - b0) * (psnr - q0) / (q1 - q0)
    return None


def rd(r) -> str:
    data = r.get("rd")
    if not data:
        return ""
    levels = (60, 80, 100)
    rows = []
    for name, ds in data.items():
        for label, pts in ds["curves"].items():
            rows.append((f"{name} ({ds['dtype']})", label,
                         *[_f(_bpv_at(pts, q), 2) for q in levels]))
    # runs saved before the benchmark took zfp's PSNR recorded no definition
    psnr = r.get("config", {}).get("psnr", "20 log10(range / RMSE)")
    return ("## Rate-distortion\n\n"
            f"Bits per value needed for a PSNR ({psnr}), interpolated along "
            "each codec's curve; lower is better. zfp's curves are ours (the bytes equal "
            "zfpy's). Plot: `rate_distortion.png`.\n\n"
            + _table(("data", "codec", *[f"bits/value @ {q} dB" for q in levels]), rows))


def plots_section() -> str:
    return ("## Plots\n\n"
            "- `throughput.png`: one-thread MB/s, zfpcodec vs zfpy 1.0.1, 3-D fields, every "
            "mode and type\n"
            "- `speedup_vs_zfpy.png`: ours/zfpy for every rank, type and mode, with the "
            "targets\n"
            "- `peers_throughput.png`: every codec on the 3-D fields\n"
            "- `threads.png`: thread scaling\n"
            "- `rate_distortion.png`: PSNR against bits per value\n")


def markdown(r) -> str:
    parts = [header(r), targets(r), single(r), grid(r), threads(r), varrate(r), peers(r),
             zarr(r), memory(r), rd(r), plots_section()]
    return "\n\n".join(p for p in parts if p) + "\n"


if __name__ == "__main__":
    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
