"""Missing values on real fields: zfpcodec.MaskedZFP against plain zfp.

For each real field with missing values (land in ocean models and
climatologies) and each tolerance, it measures

* the masked codec: compression ratio (mask included), the largest error
  on a valid value (goal: <= tolerance) and the share of missing values
  restored bit for bit (goal: 100 %);
* the baseline a user has without a mask: plain `zfpcodec.ZFP` on the field
  with every missing value replaced by the mean of the valid values (goal:
  our ratio >= 1.2x its ratio);
* plain `ZFP` on the raw field, fill values included, as zfp stores it
  (``strict=False``: by default `ZFP` now refuses such a field): its ratio
  and the error it makes on valid values;
* encode and decode speed of the masked codec against plain `ZFP` on the
  raw field (goal: within 30 %): the least CPU time (process time) of
  `--reps` calls of each, the two codecs taking turns.

The fields come from packages (see bench/README.md, "Missing values"):
Debian's ferret-datasets (Levitus and COADS climatologies, NOAA's World
Ocean Atlas subset) and PyPI's iris-sample-data (NEMO and ORCA2 ocean model
output).  Fields whose package is not installed are skipped.  Writes
``masked.md``, ``masked.json`` and ``masked.png`` to the output folder.

    python bench/masked.py              # every field, 3 tolerances, 9 calls each
    python bench/masked.py --small      # two slices of each 3-D/4-D field, 5 calls
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from zfpcodec import MaskedZFP, ZFP, __version__
from zfpcodec import masked as masked_container

FERRET = Path("/usr/share/ferret-vis/data")  # Debian package ferret-datasets
RELATIVE_TOLERANCES = (1e-2, 1e-3, 1e-4)     # times the valid values' range
GOAL_RATIO, GOAL_SPEED = 1.2, 1.3


@dataclass
class Field:
    name: str
    source: str
    values: np.ndarray       # native float32, missing values as stored
    missing: float | str     # the fill value, or "nan"

    @property
    def mask(self) -> np.ndarray:
        if self.missing == "nan":
            return ~np.isfinite(self.values)
        return (self.values == self.values.dtype.type(self.missing)) | \
            ~np.isfinite(self.values)


# --------------------------------------------------------------------------
# the fields

def _netcdf3(path: Path, variable: str) -> tuple[np.ndarray, float]:
    from scipy.io import netcdf_file

    with netcdf_file(path, "r", mmap=False) as f:
        v = f.variables[variable]
        fill = getattr(v, "_FillValue", None)
        if fill is None:
            fill = getattr(v, "missing_value")
        return v.data.astype(v.data.dtype.newbyteorder("=")), float(fill)


def _netcdf4(name: str, variable: str) -> tuple[np.ndarray, float]:
    import h5py
    import iris_sample_data

    path = Path(iris_sample_data.__file__).parent / "sample_data" / name
    with h5py.File(path, "r") as f:
        v = f[variable]
        # a leading time axis of length 1 is no dimension of the field
        return np.squeeze(v[...], axis=0) if v.shape[0] == 1 else v[...], \
            float(np.asarray(v.attrs["_FillValue"]).reshape(-1)[0])


Loader = tuple[str, Callable[[], Field]]  # the field's name, and what loads it


def _ferret(variable_file: str, variable: str, name: str) -> Loader:
    def load() -> Field:
        values, fill = _netcdf3(FERRET / variable_file, variable)
        return Field(name, f"ferret-datasets (Debian): {variable_file} {variable}",
                     values, fill)
    return name, load


def _iris(file: str, variable: str, name: str) -> Loader:
    def load() -> Field:
        values, fill = _netcdf4(file, variable)
        return Field(name, f"iris-sample-data (PyPI): {file} {variable}", values, fill)
    return name, load


def _as_nan(loader: Loader, name: str) -> Loader:
    """The same field as xarray hands it over: missing values are NaN."""
    def load() -> Field:
        f = loader[1]()
        values = np.where(f.mask, np.float32(np.nan), f.values).astype(f.values.dtype)
        return Field(name, f.source + ", fill value as NaN", values, "nan")
    return name, load


LEVITUS = _ferret("levitus_climatology.cdf", "TEMP", "Levitus temperature 3-D")
FIELDS: list[Loader] = [
    LEVITUS,
    _as_nan(LEVITUS, "Levitus temperature 3-D, NaN land"),
    _ferret("levitus_climatology.cdf", "SALT", "Levitus salinity 3-D"),
    _ferret("coads_climatology.cdf", "SST", "COADS sea surface temp."),
    _ferret("ocean_atlas_subset.nc", "TEMP", "World Ocean Atlas temp. 4-D"),
    _iris("NEMO/nemo_1m_20150101-20150201_grid-T.nc", "tos", "NEMO sea surface temp. 2-D"),
    _iris("orca2_votemper.nc", "votemper", "ORCA2 temperature 2-D"),
    _iris("ostia_monthly.nc", "surface_temperature", "OSTIA sea surface temp. 3-D"),
]


def _small(values: np.ndarray) -> np.ndarray:
    """The first 2 slices along each leading axis of a 3-D or 4-D field."""
    return values[(slice(0, 2),) * (values.ndim - 2)] if values.ndim > 2 else values


# --------------------------------------------------------------------------
# measuring

def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    """CPU seconds of one call (process time: on a shared machine other
    processes' load does not count) and its result."""
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def _block_kinds(mask: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The 4^d blocks (zfp's tiling from index 0) by what they hold:
    "clean" (nothing missing), "partial" (some values missing) and "empty"
    (all missing); for each kind, True at its blocks' values, and how many
    such blocks there are."""
    padded = np.pad(mask, [(0, -n % 4) for n in mask.shape])
    inside = np.pad(np.ones(mask.shape, bool), [(0, -n % 4) for n in mask.shape])
    shape = [m for n in padded.shape for m in (n // 4, 4)]
    axes = tuple(range(1, 2 * mask.ndim, 2))
    missing = padded.reshape(shape).sum(axis=axes, keepdims=True)
    values = inside.reshape(shape).sum(axis=axes, keepdims=True)
    kinds = {"clean": missing == 0, "partial": (missing > 0) & (missing < values),
             "empty": missing == values}
    cut = tuple(slice(0, n) for n in mask.shape)
    return ({kind: np.broadcast_to(blocks, shape).reshape(padded.shape)[cut]
             for kind, blocks in kinds.items()},
            {kind: int(blocks.sum()) for kind, blocks in kinds.items()})


def bytes_by_block_kind(codec: ZFP, values: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """The bytes `codec` spends on each kind of block of `values` (see
    `_block_kinds`).  zfp codes blocks independently, so they are measured
    by coding `values` with every other block zeroed (1 bit each in fixed
    accuracy), less those bits."""
    where, counts = _block_kinds(mask)
    spent = {}
    for kind, inside in where.items():
        others = sum(counts.values()) - counts[kind]
        spent[kind] = len(codec.encode(np.where(inside, values, 0).astype(values.dtype))) \
            - others / 8
    return spent


def why(plain: ZFP, baseline_input: np.ndarray, values: np.ndarray, mask: np.ndarray,
        missing: float | str, baseline_bytes: int, side_bytes: int) -> dict[str, float]:
    """Where the gain over the baseline comes from and what bounds it: the
    shares of the baseline's bytes in clean, partial and empty blocks; ours
    / baseline in partial blocks (what our fill saves there) and what it
    would have to be for the ratio goal (`GOAL_RATIO`); and the
    ceiling: clean blocks cost the same bytes in both streams, so ours is at
    least their bytes, 1 bit for every other block and the mask and values
    sections (`side_bytes`), whatever the fill."""
    base = bytes_by_block_kind(plain, baseline_input, mask)
    filled = masked_container.fill_missing(values, mask)
    partial_ours = bytes_by_block_kind(plain, filled, mask)["partial"]
    counts = _block_kinds(mask)[1]
    floor = base["clean"] + (counts["partial"] + counts["empty"]) / 8 + side_bytes
    goal_partial = baseline_bytes / GOAL_RATIO - base["clean"] - counts["empty"] / 8 - side_bytes
    # bytes per block, as a share of a clean block's (the same in both streams)
    clean_block = base["clean"] / max(counts["clean"], 1)
    per_partial = max(counts["partial"], 1) * clean_block
    return {"baseline_share_" + kind: spent / baseline_bytes for kind, spent in base.items()} | {
        "partial_ours_vs_baseline": partial_ours / max(base["partial"], 1),
        "partial_needed": goal_partial / max(base["partial"], 1),
        "partial_block_vs_clean": partial_ours / per_partial,
        "partial_block_needed_vs_clean": goal_partial / per_partial,
        "ceiling": baseline_bytes / floor}


def measure(field: Field, relative: float, reps: int) -> dict:
    values, mask = field.values, field.mask
    valid = values[~mask]
    tolerance = float(relative * (valid.max() - valid.min()))
    ours = MaskedZFP(tolerance=tolerance, missing=field.missing)
    plain = ZFP(tolerance=tolerance, strict=False)  # it refuses the raw field otherwise
    baseline_input = np.where(mask, valid.mean(), values).astype(values.dtype)

    container, raw_stream = ours.encode(values), plain.encode(values)
    times = {key: float("inf") for key in ("encode_ours", "decode_ours", "encode_plain",
                                           "decode_plain", "encode_baseline")}
    for _ in range(reps):  # ours and plain in turn, so that both meet the same load
        for key, fn in (("encode_ours", lambda: ours.encode(values)),
                        ("encode_plain", lambda: plain.encode(values)),
                        ("encode_baseline", lambda: plain.encode(baseline_input)),
                        ("decode_ours", lambda: ours.decode(container)),
                        ("decode_plain", lambda: plain.decode(raw_stream))):
            seconds, result = _timed(fn)
            times[key] = min(times[key], seconds)
    back, raw_back = ours.decode(container), plain.decode(raw_stream)
    baseline_bytes = len(plain.encode(baseline_input))
    side_bytes = len(container) - masked_container.read(container).stream.nbytes

    bits = f"u{values.dtype.itemsize}"
    restored = np.count_nonzero(back.view(bits)[mask] == values.view(bits)[mask])
    raw_valid_error = np.abs(raw_back[~mask].astype(np.float64) - valid).max()
    return {
        "field": field.name, "relative": relative, "tolerance": tolerance,
        "missing_share": float(mask.mean()), "shape": list(values.shape),
        "bytes": {"raw": int(values.nbytes), "ours": len(container),
                  "baseline": baseline_bytes, "plain_raw": len(raw_stream)},
        "ratio": {"ours": values.nbytes / len(container),
                  "baseline": values.nbytes / baseline_bytes,
                  "plain_raw": values.nbytes / len(raw_stream)},
        "ours_vs_baseline": baseline_bytes / len(container),
        "ours_vs_plain_raw": len(raw_stream) / len(container),
        "why": why(plain, baseline_input, values, mask, field.missing, baseline_bytes,
                   side_bytes),
        "mask_share": side_bytes / len(container),
        "valid_max_error": float(np.abs(back[~mask].astype(np.float64) - valid).max()),
        "plain_raw_valid_max_error": float(raw_valid_error),
        "missing_restored": restored / max(int(mask.sum()), 1),
        "seconds": times,
    }


# --------------------------------------------------------------------------
# reporting

def report(rows: list[dict], skipped: list[str], meta: dict) -> str:
    lines = [
        "# Missing values on real fields: MaskedZFP against plain zfp",
        "",
        f"zfpcodec {meta['version']}, Python {meta['python']}, {meta['machine']}, "
        f"{meta['cores']} cores; {'small slices' if meta['small'] else 'whole fields'}, "
        f"least CPU time of {meta['reps']} calls; `python bench/masked.py"
        f"{' --small' if meta['small'] else ''}`.",
        "",
        "Tolerance = relative x (valid max - valid min). Ratios count the mask and the "
        "missing values' bits in our bytes. *Baseline*: plain ZFP with every missing value "
        "replaced by the valid values' mean. *Plain raw*: plain ZFP on the field as "
        "stored (fill values included). Speed: our time / plain ZFP's on the raw field "
        "(< 1 is faster), and for encoding also / plain ZFP's on the baseline's field "
        "(plain zfp codes NaN and huge fill values fast, but wrongly: the baseline's "
        "field is one it codes right). Where the gain comes from: zfp codes 4^d blocks independently; "
        "*clean* blocks (nothing missing) cost the same bytes in both streams, *empty* "
        "ones (all missing) 1 bit in ours, *partial* ones depend on the fill (the column "
        "after the shares: our bytes there / the baseline's; the next: our bytes per "
        "partial block / the bytes per clean block). *Ceiling*: the largest "
        "ours / baseline any fill could reach (clean blocks as they are, 1 bit per other "
        "block, the mask and values sections).",
        "",
        "| field | missing | rel. tol. | ratio ours | baseline | plain raw | ours / baseline "
        "| valid max err / tol (ours) | plain raw valid max err | missing restored "
        "| encode time ratio (vs baseline field) | decode time ratio | baseline bytes: clean / partial / empty "
        "blocks | ours / baseline, partial blocks | ours per partial block / per clean block "
        "| ceiling |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
        "| --- | --- | --- |",
    ]
    for r in rows:
        s, w = r["seconds"], r["why"]
        lines.append(
            f"| {r['field']} | {r['missing_share']:.0%} | {r['relative']:g} "
            f"| {r['ratio']['ours']:.2f} | {r['ratio']['baseline']:.2f} "
            f"| {r['ratio']['plain_raw']:.2f} | **{r['ours_vs_baseline']:.2f}x** "
            f"| {r['valid_max_error'] / r['tolerance']:.2f} "
            f"| {r['plain_raw_valid_max_error']:.3g} | {r['missing_restored']:.0%} "
            f"| {s['encode_ours'] / s['encode_plain']:.2f} "
            f"({s['encode_ours'] / s['encode_baseline']:.2f}) "
            f"| {s['decode_ours'] / s['decode_plain']:.2f} "
            f"| {w['baseline_share_clean']:.0%} / {w['baseline_share_partial']:.0%} / "
            f"{w['baseline_share_empty']:.0%} | {w['partial_ours_vs_baseline']:.2f} "
            f"| {w['partial_block_vs_clean']:.2f} | {w['ceiling']:.2f}x |")
    lines += ["", "## Goals", ""] + goals(rows)
    if skipped:
        lines += ["", "Skipped (package not installed): " + "; ".join(skipped) + "."]
    return "\n".join(lines) + "\n"


def goals(rows: list[dict]) -> list[str]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    bound = all(r["valid_max_error"] <= r["tolerance"] for r in rows)
    restored = all(r["missing_restored"] == 1 for r in rows)
    gains = [r["ours_vs_baseline"] for r in rows]
    encode = [r["seconds"]["encode_ours"] / r["seconds"]["encode_plain"] for r in rows]
    decode = [r["seconds"]["decode_ours"] / r["seconds"]["decode_plain"] for r in rows]
    fair = [r["seconds"]["encode_ours"] / r["seconds"]["encode_baseline"] for r in rows]
    short = [r for r in rows if r["ours_vs_baseline"] < GOAL_RATIO]
    return [
        f"- valid values within the tolerance, every field and tolerance: {verdict(bound)}",
        f"- missing values restored bit for bit: {verdict(restored)}",
        f"- ratio >= {GOAL_RATIO}x the mean-filled baseline: {verdict(min(gains) >= GOAL_RATIO)}"
        f" (from {min(gains):.2f}x to {max(gains):.2f}x, median {np.median(gains):.2f}x, "
        f"{len(rows) - len(short)} of {len(rows)} rows)" + why_short(short),
        f"- encode within {GOAL_SPEED - 1:.0%} of plain ZFP: "
        f"{verdict(max(encode) <= GOAL_SPEED)} (time ratio {min(encode):.2f} to "
        f"{max(encode):.2f}, median {np.median(encode):.2f}, {sum(e <= GOAL_SPEED for e in encode)} "
        f"of {len(rows)} rows; against plain ZFP on the baseline's field {min(fair):.2f} to "
        f"{max(fair):.2f}, median {np.median(fair):.2f})",
        f"- decode within {GOAL_SPEED - 1:.0%} of plain ZFP: "
        f"{verdict(max(decode) <= GOAL_SPEED)} (time ratio {min(decode):.2f} to "
        f"{max(decode):.2f}, median {np.median(decode):.2f})",
    ]


def why_short(short: list[dict]) -> str:
    """Why the rows below the ratio goal are: how much of the baseline lies
    in blocks no fill changes, in partial blocks, and what our fill saves
    in those."""
    if not short:
        return ""
    def span(key: str, form: str) -> str:
        values = [r["why"][key] for r in short]
        return f"{min(values):{form}} to {max(values):{form}}"
    return (f". Why: in the rows below {GOAL_RATIO}x, clean blocks (coded identically by "
            f"both, so no fill gains there) hold {span('baseline_share_clean', '.0%')} of "
            f"the baseline's bytes and empty blocks (1 bit each in ours) only "
            f"{span('baseline_share_empty', '.0%')}; the rest is in partial blocks, which "
            f"our fill cuts to {span('partial_ours_vs_baseline', '.2f')} of the baseline's "
            f"bytes, where {GOAL_RATIO}x would need {span('partial_needed', '.2f')} (ceilings, "
            f"were partial blocks free: {span('ceiling', '.2f')}x). A partial block of ours "
            f"already costs {span('partial_block_vs_clean', '.2f')} of the bytes of a clean "
            f"block of the same field and tolerance; {GOAL_RATIO}x would need "
            f"{span('partial_block_needed_vs_clean', '.2f')} (each row: "
            + ", ".join(f"{r['why']['partial_block_vs_clean']:.2f} for "
                        f"{r['why']['partial_block_needed_vs_clean']:.2f}" for r in short)
            + "): their partial blocks would have to cost less than the field's blocks "
            "with nothing missing, which hold more valid values to code")


def plot(rows: list[dict], out: Path) -> None:
    """Two panels: compression ratio at the middle tolerance, and the largest
    error on valid values relative to the tolerance, ours against plain zfp."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    middle = sorted({r["relative"] for r in rows})[len({r["relative"] for r in rows}) // 2]
    picked = [r for r in rows if r["relative"] == middle]
    names = [r["field"] for r in picked]
    y = np.arange(len(picked))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 0.5 * len(picked) + 1.8),
                                      sharey=True)
    for offset, key, label in ((-0.27, "ours", "MaskedZFP"),
                               (0, "baseline", "ZFP, missing = valid mean"),
                               (0.27, "plain_raw", "ZFP on the raw field")):
        left.barh(y + offset, [r["ratio"][key] for r in picked], height=0.26, label=label)
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_xlabel(f"compression ratio (tolerance {middle:g} x range)")
    left.legend(loc="lower right", fontsize=8)
    right.barh(y - 0.2, [max(r["valid_max_error"] / r["tolerance"], 1e-3) for r in picked],
               height=0.38, label="MaskedZFP")
    right.barh(y + 0.2, [r["plain_raw_valid_max_error"] / r["tolerance"] for r in picked],
               height=0.38, label="ZFP on the raw field")
    right.axvline(1, color="black", linewidth=1)
    right.set_xscale("log")
    right.set_xlabel("largest error on a valid value / tolerance (line: the bound)")
    right.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true",
                        help="two slices along each leading axis of each field")
    parser.add_argument("--reps", type=int, default=None,
                        help="timed calls of each codec (the least CPU time counts)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args()
    reps = args.reps or (5 if args.small else 9)
    rows, skipped = [], []
    for name, load in FIELDS:
        try:
            field = load()
        except (ImportError, OSError) as error:  # the package is not installed
            skipped.append(f"{name} ({type(error).__name__}: {error})")
            continue
        if args.small:
            field.values = _small(field.values)
        for relative in RELATIVE_TOLERANCES:
            row = measure(field, relative, reps)
            row["source"] = field.source
            rows.append(row)
            print(f"{field.name:38s} {relative:6g}  ratio {row['ratio']['ours']:6.2f}  "
                  f"x{row['ours_vs_baseline']:.2f} baseline  err/tol "
                  f"{row['valid_max_error'] / row['tolerance']:.2f}", flush=True)
    if not rows:
        raise SystemExit("bench/masked.py: no field could be loaded (" + "; ".join(skipped)
                         + "); see bench/requirements-masked.txt")
    meta = {"version": __version__, "python": platform.python_version(),
            "machine": platform.machine(), "cores": os.cpu_count(), "small": args.small,
            "reps": reps}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "masked.json").write_text(json.dumps({"meta": meta, "rows": rows,
                                                      "skipped": skipped}, indent=1))
    text = report(rows, skipped, meta)
    (args.out / "masked.md").write_text(text)
    if not args.no_plot:
        plot(rows, args.out / "masked.png")
    print(text)


if __name__ == "__main__":
    main()
