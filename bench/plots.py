"""PNG plots of a benchmark run: ``python plots.py results/bench.json OUTDIR``.

Run by `run.py` with the bench venv's Python (it has matplotlib).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

OURS, ZFPY = "#1f77b4", "#ff7f0e"
COLORS = {"zfpcodec": OURS, "zfpy": ZFPY, "numcodecs": "#2ca02c", "imagecodecs": "#d62728",
          "hdf5plugin": "#9467bd", "blosc2": "#8c564b", "sz3": "#e377c2", "sperr": "#7f7f7f",
          "lerc": "#bcbd22", "numpy copy": "#17becf"}
MODE_SHORT = {"reversible": "rev", "accuracy": "acc", "rate": "rate", "precision": "prec"}


def subtitle(r) -> str:
    m = r["machine"]
    return (f"{m.get('cpu')}, {m.get('cpus')} cores; {r.get('started', '')[:10]}; "
            "single runs on a shared machine")


def throughput(r, out: Path) -> None:
    rows = [row for row in r.get("single", []) if row["rank"] == 3 and row.get("zfpy")
            and "comp_mbps" in row["zfpy"]]
    if not rows:
        return
    labels = [f"{row['dtype']}\n{MODE_SHORT[row['mode']]}" for row in rows]
    x = np.arange(len(rows))
    fig, axes = plt.subplots(2, 1, figsize=(12, 7), sharex=True)
    for ax, op, name in zip(axes, ("comp", "decomp"), ("compression", "decompression")):
        ours = [row["ours"][f"{op}_mbps"] for row in rows]
        theirs = [row["zfpy"][f"{op}_mbps"] for row in rows]
        ax.bar(x - 0.2, ours, 0.4, label="zfpcodec", color=OURS)
        ax.bar(x + 0.2, theirs, 0.4, label="zfpy 1.0.1", color=ZFPY)
        for xi, o, t in zip(x, ours, theirs):
            ax.text(xi - 0.2, o, f"{o / t:.1f}x", ha="center", va="bottom", fontsize=7)
        ax.set_ylabel(f"{name} MB/s")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left")
    axes[1].set_xticks(x, labels, fontsize=8)
    shape = "x".join(map(str, rows[0]["shape"]))
    fig.suptitle(f"One thread, 3-D smooth field {shape}: zfpcodec vs zfpy 1.0.1\n{subtitle(r)}",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=110)
    plt.close(fig)


def speedup(r, out: Path) -> None:
    rows = [row for row in r.get("single", []) if row.get("speedup_comp")]
    if not rows:
        return
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.5), sharey=True)
    for ax, rank in zip(axes, (3, 2, 1)):
        sel = [row for row in rows if row["rank"] == rank]
        x = np.arange(len(sel))
        ax.bar(x - 0.2, [row["speedup_comp"] for row in sel], 0.4, label="compress", color=OURS)
        ax.bar(x + 0.2, [row["speedup_decomp"] for row in sel], 0.4, label="decompress",
               color="#aec7e8")
        goal = 1.5 if rank == 3 else 1.0
        ax.axhline(goal, color="red", ls="--", lw=1, label=f"target {goal}x")
        ax.axhline(1.0, color="black", lw=0.8)
        ax.set_xticks(x, [f"{row['dtype'][0]}{row['dtype'][-2:]}\n{MODE_SHORT[row['mode']]}"
                          for row in sel], fontsize=7)
        ax.set_title(f"{rank}-D ({sel[0]['field']})" if sel else f"{rank}-D", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("zfpcodec speed / zfpy 1.0.1 speed (one thread)")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"zfpcodec / zfpy 1.0.1, same data, same run\n{subtitle(r)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "speedup_vs_zfpy.png", dpi=110)
    plt.close(fig)


def peers(r, out: Path) -> None:
    rows = [row for row in r.get("peers", []) if "comp_mbps" in row]
    sets = [d["name"] for d in r.get("datasets", []) if not d.get("real")]
    cases = [(ds, mode) for ds in sets for mode in ("reversible", "accuracy")
             if any(row["dataset"] == ds and row["mode"] == mode for row in rows)]
    if not cases:
        return
    codecs = [c for c in COLORS if c != "numpy copy" and any(row["codec"] == c for row in rows)]
    copies = [row["comp_mbps"] for row in rows if row["codec"] == "numpy copy"
              and row["dataset"] in sets]
    fig, axes = plt.subplots(2, 1, figsize=(13, 7.5), sharex=True)
    width = 0.8 / len(codecs)
    x = np.arange(len(cases))
    for ax, op, name in zip(axes, ("comp", "decomp"), ("compression", "decompression")):
        for i, codec in enumerate(codecs):
            vals = []
            for ds, mode in cases:
                hit = [row for row in rows if row["dataset"] == ds and row["codec"] == codec
                       and row["mode"] == mode]
                vals.append((hit[0].get(f"{op}_mbps") or 0) if hit else 0)
            ax.bar(x - 0.4 + (i + 0.5) * width, vals, width, label=codec, color=COLORS[codec])
        ax.set_yscale("log")
        ax.set_ylabel(f"{name} MB/s (log)")
        ax.grid(axis="y", alpha=0.3, which="both")
    axes[0].legend(ncol=5, fontsize=8)
    axes[1].set_xticks(x, [f"{ds}\n{mode}" for ds, mode in cases], fontsize=8)
    note = (f"; numpy copy (np.copyto) {min(copies) / 1000:.0f}-{max(copies) / 1000:.0f} GB/s"
            if copies else "")
    fig.suptitle(f"Every codec, one thread, synthetic fields{note}\n{subtitle(r)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "peers_throughput.png", dpi=110)
    plt.close(fig)


def threads(r, out: Path) -> None:
    """Scaling against the same codec on one thread: a column per size."""
    rows = [row for row in r.get("threads", []) if row.get("threads")]
    counts = sorted({row["threads"] for row in rows if row["threads"] > 1})
    if not counts:
        return
    sizes = sorted({row["size_mb"] for row in rows})
    groups = [(d, m) for d in ("float32", "float64") for m in MODE_SHORT
              if any(row["dtype"] == d and row["mode"] == m for row in rows)]
    series = [("zfpcodec", t) for t in counts] + [(impl, counts[-1])
                                                  for impl in ("imagecodecs", "blosc2")]
    series = [s for s in series if any(row["impl"] == s[0] and row["threads"] == s[1]
                                       for row in rows)]
    shades = {t: 1.0 - 0.5 * i / max(len(counts) - 1, 1) for i, t in enumerate(reversed(counts))}
    fig, axes = plt.subplots(2, len(sizes), figsize=(7 * len(sizes), 7), sharex=True, sharey=True,
                             squeeze=False)
    width = 0.8 / len(series)
    x = np.arange(len(groups))
    for col, size in enumerate(sizes):
        sel = [row for row in rows if row["size_mb"] == size]
        for ax, op, name in zip(axes[:, col], ("comp", "decomp"),
                                ("compression", "decompression")):
            for i, (impl, t) in enumerate(series):
                vals = []
                for dtype, mode in groups:
                    hit = [row for row in sel if row["impl"] == impl and row["threads"] == t
                           and row["dtype"] == dtype and row["mode"] == mode]
                    vals.append((hit[0].get(f"{op}_scaling") or 0) if hit else 0)
                ax.bar(x - 0.4 + (i + 0.5) * width, vals, width, color=COLORS[impl],
                       alpha=shades[t] if impl == "zfpcodec" else 0.8,
                       label=f"{impl}, {t} threads")
            ax.axhline(1.0, color="black", lw=0.8)
            ax.axhline(1.8, color="red", ls="--", lw=1, label="target 1.8x (2 threads)")
            ax.grid(axis="y", alpha=0.3)
            ax.set_title(f"{name}, {size:g} MiB arrays", fontsize=9)
            if col == 0:
                ax.set_ylabel(f"{name}: x same codec, 1 thread")
        axes[1, col].set_xticks(x, [f"{d}\n{MODE_SHORT[m]}" for d, m in groups], fontsize=8)
    axes[0, 0].legend(fontsize=7, ncol=2, loc="lower left")
    fig.suptitle("Thread scaling, 3-D smooth field; zfpcodec decompresses variable-rate "
                 "streams after a measuring pass, imagecodecs compresses only\n"
                 f"{subtitle(r)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "threads.png", dpi=110)
    plt.close(fig)


def rate_distortion(r, out: Path) -> None:
    data = r.get("rd") or {}
    if not data:
        return
    cols = 2 if len(data) > 1 else 1
    rows = (len(data) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 4.6 * rows), squeeze=False)
    for ax in axes.flat[len(data):]:
        ax.set_visible(False)
    for ax, (name, ds) in zip(axes.flat, data.items()):
        for label, pts in ds["curves"].items():
            # in the order of the codec's parameter: its curve as swept
            pts = [(p["bpv"], p["psnr"]) for p in pts if p.get("psnr") is not None]
            if not pts:
                continue
            zfp = label.startswith("zfp")
            ax.plot(*zip(*pts), marker="o" if zfp else ".", ms=3, lw=2 if zfp else 1.2,
                    label=label)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("bits per value")
        ax.set_ylabel("PSNR (dB)")
        ax.set_title(f"{name} ({ds['dtype']} {'x'.join(map(str, ds['shape']))})", fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    fig.suptitle("Rate-distortion: zfp (zfpcodec; its bytes equal zfpy's) vs other lossy "
                 f"codecs\n{subtitle(r)}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "rate_distortion.png", dpi=110)
    plt.close(fig)


def main() -> None:
    r = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    for plot in (throughput, speedup, peers, threads, rate_distortion):
        try:
            plot(r, out)
        except Exception as error:  # one bad plot must not hide the others
            print(f"plots: {plot.__name__} failed: {error!r}", file=sys.stderr)


if __name__ == "__main__":
    main()
