"""Random access benchmark: boxes of one big fixed-rate Zarr v3 chunk.

    python bench/random_access.py [--edge 256] [--repeats 3] [--no-s3] [--out bench/results]

A 256^3 float64 array (128 MiB) at rate 8 (16 MiB of zfp blocks) is stored
as one chunk with `zfpcodec.zarr3.ZFPCodec` as serializer, in a local
directory store and on S3 (a moto server on 127.0.0.1, read through s3fs
and obstore), and as one 256^3 shard of 64^3 inner chunks.  For cubic
boxes of growing edge (placed off the block grid, so each touches one block
more per axis than it must) it measures the bytes the store returns (a
counting wrapper around the store), the requests, and the best time of a
few reads, with zarr's partial decoding (what the codec does now) and
without it (what zarr did before: fetch and decode the whole chunk, then
slice).  Every read is checked against the same box of the whole array.

Needs the test extras (zarr, moto's S3 server, s3fs, obstore) and matplotlib
for the plot.  Writes random_access.md, .json and .png to --out.  On a
shared 2-core machine the whole run takes about two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import zarr
from zarr.core.codec_pipeline import BatchedCodecPipeline
from zarr.storage import WrapperStore

from zfpcodec.modes import Mode
from zfpcodec.region import StreamLayout
from zfpcodec.zarr3 import RANGE_MERGE_GAP, ZFPCodec

RATE = 8
BUCKET = "random-access-bench"
KEY, SECRET, REGION = "bench", "bench", "us-east-1"
GOAL_SHARE, GOAL_SPEEDUP, GOAL_BOX = 0.02, 20.0, 16
CHUNK_KEY = "c/0/0/0"  # the one chunk of the one-chunk arrays


class CountingStore(WrapperStore):
    """Counts what the wrapped store returns for chunk keys."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.bytes = self.requests = 0

    def _with_store(self, store: Any) -> CountingStore:
        return type(self)(store)

    async def get(self, key: str, prototype: Any, byte_range: Any = None) -> Any:
        value = await self._store.get(key, prototype, byte_range)
        if key.rpartition("/")[2] != "zarr.json" and value is not None:
            self.bytes += len(value)
            self.requests += 1
        return value


@contextlib.contextmanager
def whole_chunk_reads() -> Iterator[None]:
    """zarr as it read before the codec decoded partially: whole chunks."""
    saved = BatchedCodecPipeline.supports_partial_decode
    BatchedCodecPipeline.supports_partial_decode = property(lambda self: False)
    try:
        yield
    finally:
        BatchedCodecPipeline.supports_partial_decode = saved


def smooth_field(edge: int) -> np.ndarray:
    """A smooth 3-D field with a little noise (what rate 8 is meant for)."""
    axis = np.linspace(0, 6, edge)
    data = np.sin(axis)[:, None, None] * np.cos(2 * axis)[None, :, None] \
        + np.sin(3 * axis)[None, None, :]
    return data + np.random.default_rng(0).normal(0, 1e-3, data.shape)


def box(edge: int, size: int, on_grid: bool = False) -> tuple[slice, ...]:
    """A cube of `size` values per axis from edge/4 + 1: one value off the
    block grid (so it touches a block more per axis than it must), and
    inside one 64^3 inner chunk of the sharded store for sizes up to 63;
    or from edge/4, on the grid."""
    if size >= edge:
        return (slice(None),) * 3
    start = edge // 4 + (0 if on_grid else 1)
    return (slice(start, start + size),) * 3


def timed(store: CountingStore, read: Callable[[], np.ndarray]
          ) -> tuple[float, float, int, int, np.ndarray]:
    """(seconds, CPU seconds of the process, bytes, requests, values) of one
    read."""
    store.bytes = store.requests = 0
    cpu, start = time.process_time(), time.perf_counter()
    values = read()
    return (time.perf_counter() - start, time.process_time() - cpu, store.bytes,
            store.requests, values)


def compare(store: CountingStore, read: Callable[[], np.ndarray], repeats: int) -> dict:
    """`read` now and as before (whole chunks), taking turns round by round
    (which goes first alternates) after one untimed read of each
    (connections opened, caches warm): the best time of each, the median
    CPU time of each, and what each fetched."""
    read()
    with whole_chunk_reads():
        read()
    got: dict[str, list] = {"now": [], "before": []}
    values = {}
    for round_ in range(repeats):
        for way in ("now", "before") if round_ % 2 == 0 else ("before", "now"):
            values.pop(way, None)  # one selection's values held at a time
            with whole_chunk_reads() if way == "before" else contextlib.nullcontext():
                *measured, values[way] = timed(store, read)
            got[way].append(measured)
    now, before = got["now"], got["before"]
    return dict(seconds=min(r[0] for r in now), cpu=float(np.median([r[1] for r in now])),
                bytes=now[-1][2], requests=now[-1][3], values=values["now"],
                before_seconds=min(r[0] for r in before),
                before_cpu=float(np.median([r[1] for r in before])),
                before_bytes=before[-1][2], before_values=values["before"])


def run_store(name: str, store: CountingStore, data: np.ndarray, sizes: list[int],
              repeats: int, shards: bool) -> list[dict]:
    edge = data.shape[0]
    inner = (64, 64, 64) if shards else data.shape
    array = zarr.create_array(store, shape=data.shape, chunks=inner,
                              shards=data.shape if shards else None, dtype="f8",
                              serializer=ZFPCodec(rate=RATE), compressors=None,
                              overwrite=True)
    array[...] = data
    store.bytes = 0
    reference = array[...]
    stored = store.bytes
    rows = []
    cases = [(size, False) for size in sizes] + [(GOAL_BOX, True)]
    for size, on_grid in cases:
        sel = box(edge, size, on_grid)
        got = compare(store, lambda: array[sel], repeats)
        assert np.array_equal(got["values"], reference[sel]), (name, size)
        assert np.array_equal(got["before_values"], reference[sel]), (name, size)
        seconds, fetched, requests = got["seconds"], got["bytes"], got["requests"]
        before, before_bytes = got["before_seconds"], got["before_bytes"]
        rows.append(dict(store=name, edge=size, on_grid=on_grid, start=sel[0].start,
                         values=size**3, bytes=fetched,
                         share=fetched / stored, requests=requests, seconds=seconds,
                         before_seconds=before, before_bytes=before_bytes,
                         speedup=before / seconds, stored=stored))
        print(f"{name:>18} {size:>4}^3{'*' if on_grid else ' '}: {fetched:>10} B ({100 * fetched / stored:6.2f} %) "
              f"in {requests:>3} requests, {1e3 * seconds:8.2f} ms; whole chunk "
              f"{1e3 * before:8.2f} ms ({before / seconds:6.1f}x)", flush=True)
    return rows


@contextlib.contextmanager
def moto_s3() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1, in a process of its own (as S3 is:
    the server does not take the reader's interpreter lock), with an empty
    bucket; its URL."""
    import boto3

    os.environ.update(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET,
                      AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                               "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        client = boto3.client("s3", endpoint_url=url, region_name=REGION)
        for _ in range(200):
            try:
                client.create_bucket(Bucket=BUCKET)
                break
            except Exception:  # not listening yet
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait()


def s3_stores(url: str) -> dict[str, Any]:
    import obstore.store

    return {
        "S3 (s3fs)": zarr.storage.FsspecStore.from_url(
            f"s3://{BUCKET}/fsspec.zarr",
            storage_options={"endpoint_url": url, "key": KEY, "secret": SECRET}),
        "S3 (obstore)": zarr.storage.ObjectStore(obstore.store.S3Store(
            BUCKET, prefix="obstore.zarr", endpoint=url, access_key_id=KEY,
            secret_access_key=SECRET, region=REGION, client_options={"allow_http": True})),
    }


def whole_reads(store: CountingStore, repeats: int) -> dict:
    """Whole-chunk reads with and without partial decoding, taking turns."""
    array = zarr.open_array(store, mode="r")
    got = compare(store, lambda: array[...], repeats + 5)
    return dict(seconds=got["seconds"], before_seconds=got["before_seconds"],
                ratio=got["seconds"] / got["before_seconds"], cpu=got["cpu"],
                before_cpu=got["before_cpu"], cpu_ratio=got["cpu"] / got["before_cpu"])


def server_costs(store: Any, edge: int, repeats: int) -> dict:
    """What the server behind `store` takes per request, on the chunk the
    rows read (key c/0/0/0): one 64-byte range of it, one 64-byte range of
    a 1 KiB object, the 16^3 box's ranges sent together and one after
    another, and the whole chunk; best of a few, in seconds."""
    from zarr.abc.store import RangeByteRequest
    from zarr.core.buffer import default_buffer_prototype
    from zarr.core.sync import sync

    prototype = default_buffer_prototype()
    layout = StreamLayout.headerless("f8", (edge,) * 3, Mode.from_args(rate=RATE))
    ranges = layout.byte_ranges(box(edge, GOAL_BOX), max_gap=RANGE_MERGE_GAP)
    sync(store.set("small", prototype.buffer.from_bytes(bytes(1024))))

    def get(key: str, start: int | None = None, stop: int | None = None) -> Any:
        return store.get(key, prototype,
                         None if start is None else RangeByteRequest(start, stop))

    async def together() -> None:
        await asyncio.gather(*(get(CHUNK_KEY, a, b) for a, b in ranges))

    async def one_by_one() -> None:
        for a, b in ranges:
            await get(CHUNK_KEY, a, b)

    cases = {"small": lambda: get("small", 0, 64), "chunk": lambda: get(CHUNK_KEY, 0, 64),
             "together": together, "one_by_one": one_by_one, "whole": lambda: get(CHUNK_KEY)}
    best = {}
    for name, request in cases.items():
        sync(request())
        times = []
        for _ in range(repeats + 4):
            start = time.perf_counter()
            sync(request())
            times.append(time.perf_counter() - start)
        best[name] = min(times)
    return dict(best, box_requests=len(ranges))


def merge_options(edge: int) -> dict:
    """The 16^3 box's ranges merged across ever wider gaps: requests and
    bytes (what a cost model that prices a request as N bytes would fetch),
    and the fewest requests that keep within the goal's share."""
    layout = StreamLayout.headerless("f8", (edge,) * 3, Mode.from_args(rate=RATE))
    sel = box(edge, GOAL_BOX)
    length = layout.stream_bytes
    options = []
    for gap in (RANGE_MERGE_GAP, 2**18, 2**20):
        ranges = layout.byte_ranges(sel, max_gap=gap)
        fetched = sum(b - a for a, b in ranges)
        options.append(dict(max_gap=gap, requests=len(ranges), bytes=fetched,
                            share=fetched / length))
    # merge the narrowest gaps first while the bytes stay within the goal
    ranges = layout.byte_ranges(sel, max_gap=RANGE_MERGE_GAP)
    fetched = sum(b - a for a, b in ranges)
    gaps = sorted(b[0] - a[1] for a, b in zip(ranges, ranges[1:]))
    requests = len(ranges)
    for gap in gaps:
        if (fetched + gap) / length > GOAL_SHARE:
            break
        fetched += gap
        requests -= 1
    return dict(options=options, within_goal=dict(requests=requests, bytes=fetched,
                                                  share=fetched / length))


def report(rows: list[dict], whole: dict[str, dict], meta: dict) -> str:
    lines = ["# Random access: boxes of one 256^3 float64 chunk at rate 8", "",
             f"{meta['started'][:16]} UTC, {meta['machine']}; best of {meta['repeats']} "
             "reads, the two ways of reading taking turns; a shared machine, so times "
             "are indicative.", "",
             f"The chunk: {meta['edge']}^3 float64 values ({meta['raw_mib']:.0f} MiB), "
             f"{meta['stored']} bytes of zfp blocks at rate {RATE}.  *Now*: ZFPCodec with "
             "zarr's partial decoding; *whole chunk*: the same read with partial decoding "
             "off (zarr fetches and decodes the chunk, then slices), which is how every "
             "read went before.", "",
             "| store | box | bytes fetched | of the chunk | requests | now (ms) | "
             "whole chunk (ms) | speedup |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        where = "" if r["start"] is None else f" at {r['start']}" + (" (on the grid)"
                                                                   if r["on_grid"] else "")
        lines.append(f"| {r['store']} | {r['edge']}^3{where} | {r['bytes']:,} | "
                     f"{100 * r['share']:.3f} % | {r['requests']} | "
                     f"{1e3 * r['seconds']:.2f} | {1e3 * r['before_seconds']:.1f} | "
                     f"{r['speedup']:.1f}x |")
    lines += ["", "The 256^3 rows are whole-array reads, best of "
              f"{meta['repeats']}; the table below reads the whole array more often, "
              "and gives CPU time too.",
              "", "Whole-array reads (`array[...]`), now and with partial decoding off "
              f"({meta['repeats'] + 5} reads each, taking turns): the best time, and the "
              "median CPU time of the process (less at the mercy of the machine's other "
              "users).  A selection that touches every block takes the same path with "
              "partial decoding as without it: one request, the whole-chunk decoder.", "",
              "| store | now (ms) | before (ms) | now / before | CPU now (ms) | "
              "CPU before (ms) | CPU now / before |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, w in whole.items():
        lines.append(f"| {name} | {1e3 * w['seconds']:.1f} | {1e3 * w['before_seconds']:.1f} "
                     f"| {w['ratio']:.2f} | {1e3 * w['cpu']:.1f} | "
                     f"{1e3 * w['before_cpu']:.1f} | {w['cpu_ratio']:.2f} |")
    servers = meta.get("servers", {})
    if servers:
        first = next(r for r in rows if r["edge"] == GOAL_BOX and not r["on_grid"])
        lines += ["", "What the S3 server (moto, in its own process on this machine) takes "
                  "per request, measured in the same run on the same chunk object; *box "
                  f"ranges*: the {servers[next(iter(servers))]['box_requests']} ranges of the "
                  f"16^3 box at {first['start']}:", "",
                  "| store | 64 B of a 1 KiB object (ms) | 64 B of the chunk (ms) | "
                  "box ranges, sent together (ms) | box ranges, one after another (ms) | "
                  "together / one after another | whole chunk (ms) |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, c in servers.items():
            lines.append(f"| {name} | {1e3 * c['small']:.1f} | {1e3 * c['chunk']:.1f} | "
                         f"{1e3 * c['together']:.1f} | {1e3 * c['one_by_one']:.1f} | "
                         f"{c['together'] / c['one_by_one']:.2f} | {1e3 * c['whole']:.1f} |")
        lines += ["", "moto (5.x) answers every GET, ranged or not, by reading the whole "
                  "object's value (kept in a temporary file once it is larger than "
                  "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE, 5 MiB less 1 KiB by default) and then "
                  "slicing the range out of it, under a lock per object: every request "
                  "pays for reading the whole object on the server, and ranges sent "
                  "together are served one after another (a ratio near 1, or above, in "
                  "the table).  "
                  "The codec sends a box's ranges together (`asyncio.gather` over zarr's "
                  "byte getter, one request each, through s3fs and obstore alike); what they "
                  "cost after that is the server's.  An object store that serves requests "
                  "in parallel would take about one request's time for them.", "",
                  "Merging the 16^3 box's ranges into fewer requests (a cost model that "
                  "prices a request as N bytes merges ranges less than N apart) fetches "
                  "whole planes of blocks the box skips:", "",
                  "| ranges merged when less apart than | requests | bytes | of the chunk |",
                  "| ---: | ---: | ---: | ---: |"]
        for m in meta["merge_options"]["options"]:
            lines.append(f"| {m['max_gap']:,} B | {m['requests']} | {m['bytes']:,} | "
                         f"{100 * m['share']:.2f} % |")
        best = meta["merge_options"]["within_goal"]
        lines += ["", f"Within the goal's {100 * GOAL_SHARE:.0f} % the fewest requests are "
                  f"{best['requests']} ({best['bytes']:,} B, {100 * best['share']:.2f} %: "
                  "the narrowest gaps merged first); fewer fetch more than the goal allows. "
                  f" The codec merges across gaps under {RANGE_MERGE_GAP:,} B only.  Where "
                  "the S3 rows miss the 20x goal, the time goes to the server's cost per "
                  "request (above), not to bytes fetched or to decoding."]
    lines += ["",
              "Goals (16^3 box, one-chunk stores): at most 2 % of the chunk's bytes, at "
              "least 20x faster than reading the whole chunk; whole-array reads no slower.", ""]
    for r in rows:
        if r["edge"] == GOAL_BOX and "shard" not in r["store"]:
            ok = r["share"] <= GOAL_SHARE and r["speedup"] >= GOAL_SPEEDUP
            server = servers.get(r["store"])
            floor = r["requests"] * server["chunk"] if server else 0.0
            bound = "" if server is None else (
                f" (this server allows at most {r['before_seconds'] / floor:.0f}x: "
                f"{r['requests']} requests served one at a time at "
                f"{1e3 * server['chunk']:.1f} ms each)")
            lines.append(f"- {r['store']}, box at {r['start']}: {100 * r['share']:.2f} % of "
                         f"the bytes, {r['speedup']:.0f}x faster: "
                         f"{'met' if ok else 'NOT met'}{bound}")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed: no plot", file=sys.stderr)
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for name in dict.fromkeys(r["store"] for r in rows):
        mine = [r for r in rows if r["store"] == name and not r["on_grid"]]
        x = [r["values"] for r in mine]
        left.plot(x, [r["bytes"] for r in mine], "o-", label=name)
        line, = right.plot(x, [1e3 * r["seconds"] for r in mine], "o-", label=f"{name}: now")
        right.plot(x, [1e3 * r["before_seconds"] for r in mine], "--", color=line.get_color(),
                   alpha=0.6, label=f"{name}: whole chunk")
    left.axhline(rows[0]["stored"], color="grey", linestyle=":", label="the whole chunk")
    for ax, title, unit in ((left, "bytes fetched from the store", "bytes"),
                            (right, "time of one read (best of a few)", "ms")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("values selected (cubic boxes 1^3 .. 256^3, one value off the grid)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"Random access into one 256^3 float64 chunk at rate {RATE} "
                 "(Zarr v3, zfpcodec.zarr3.ZFPCodec)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edge", type=int, default=256, help="chunk edge (default 256)")
    parser.add_argument("--repeats", type=int, default=3, help="reads per case (best kept)")
    parser.add_argument("--no-s3", action="store_true", help="local stores only")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    started = datetime.now(timezone.utc).isoformat()
    data = smooth_field(args.edge)
    sizes = [s for s in (1, 4, 16, 64, 128, 256) if s <= args.edge]
    rows, whole = [], {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        stores = {"local": zarr.storage.LocalStore(Path(tmp) / "local.zarr")}
        if not args.no_s3:
            stores.update(s3_stores(stack.enter_context(moto_s3())))
        servers = {}
        for name, base in stores.items():
            store = CountingStore(base)
            rows += run_store(name, store, data, sizes, args.repeats, shards=False)
            whole[name] = whole_reads(store, args.repeats)
            if name != "local":
                servers[name] = server_costs(base, args.edge, args.repeats)
        store = CountingStore(zarr.storage.LocalStore(Path(tmp) / "sharded.zarr"))
        rows += run_store("local, 64^3 shards", store, data, sizes, args.repeats, shards=True)
    meta = dict(started=started, edge=args.edge, repeats=args.repeats,
                raw_mib=data.nbytes / 2**20, stored=rows[0]["stored"], servers=servers,
                merge_options=merge_options(args.edge),
                machine=f"{platform.machine()}, {os.cpu_count()} cores, Python "
                        f"{platform.python_version()}, zarr {zarr.__version__}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "random_access.json").write_text(
        json.dumps(dict(meta=meta, rows=rows, whole=whole), indent=1))
    text = report(rows, whole, meta)
    (args.out / "random_access.md").write_text(text)
    plot(rows, args.out / "random_access.png")
    print(text)


if __name__ == "__main__":
    main()
