"""Zarr stores exchanged with the REFERENCE stack (LLNL zfpy 1.0.1 under
numcodecs' ZFPY and zarr, in .oracle/zarr-venv; tests/reference_zarr.py):
it reads our v2 stores bit-identically, we read its v2 stores and its v3
``numcodecs.zfpy`` stores bit-identically, both write byte-identical chunks
for the same configuration, and each can write into the other's arrays."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from zfpcodec import ZFP, ZFPError

zarr = pytest.importorskip("zarr")

ZFPY_MODES = {  # what numcodecs' ZFPY can write, as its configuration
    "accuracy": {"id": "zfpy", "mode": 4, "tolerance": 1e-3},
    "rate": {"id": "zfpy", "mode": 2, "rate": 12},
    "precision": {"id": "zfpy", "mode": 3, "precision": 20},
    "reversible": {"id": "zfpy"},
}
CASES = {  # name: (zfpy mode, dtype, shape, chunks, order)
    "accuracy-f8-2d": ("accuracy", "f8", (50, 37), (16, 16), "C"),
    "rate-f4-3d": ("rate", "f4", (20, 17, 9), (8, 8, 8), "C"),
    "precision-i4-2d": ("precision", "i4", (40, 30), (16, 16), "C"),
    "reversible-i8-1d": ("reversible", "i8", (1000,), (300,), "C"),
    "reversible-f8-4d": ("reversible", "f8", (6, 5, 4, 9), (4, 4, 4, 4), "C"),
}
OURS_ONLY = {  # what only we can write
    "expert-f8-2d": (ZFP(minbits=4, maxbits=900, maxprec=32, minexp=-24), "f8", (30, 30),
                     (16, 16), "C"),
    "accuracy-f8-F": (ZFP(tolerance=1e-4), "f8", (33, 21), (16, 8), "F"),
}


def values_of(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 2, n) for n in shape], indexing="ij")
    values = sum(np.cos(g * (k + 2)) for k, g in enumerate(grids)) + rng.normal(0, .01, shape)
    return (values * (1e6 if np.dtype(dtype).kind == "i" else 1)).astype(dtype)


@pytest.fixture(scope="module")
def exchange(reference_zarr, tmp_path_factory):
    """Every store written by both sides, and every store read by both."""
    root = tmp_path_factory.mktemp("exchange")
    ops, arrays = [], {}
    cases = {name: (ZFP.from_config(ZFPY_MODES[mode]), dtype, shape, chunks, order)
             for name, (mode, dtype, shape, chunks, order) in CASES.items()}
    cases.update(OURS_ONLY)
    for k, (name, (codec, dtype, shape, chunks, order)) in enumerate(sorted(cases.items())):
        arrays[name] = values_of(dtype, shape, k)
        np.save(root / f"{name}.npy", arrays[name])
        ours = zarr.create_array(root / f"ours-{name}.zarr", shape=shape, dtype=dtype,
                                 chunks=chunks, zarr_format=2, compressors=codec, order=order)
        ours[...] = arrays[name]
        ops.append({"op": "read", "store": str(root / f"ours-{name}.zarr"),
                    "out": str(root / f"theirs-read-ours-{name}.npy")})
        if name in CASES:
            config = ZFPY_MODES[CASES[name][0]]
            ops += [{"op": "write_v2", "store": str(root / f"theirs-{name}.zarr"),
                     "array": str(root / f"{name}.npy"), "chunks": list(chunks),
                     "config": config},
                    {"op": "read", "store": str(root / f"theirs-{name}.zarr"),
                     "out": str(root / f"theirs-read-theirs-{name}.npy")},
                    {"op": "write_v3", "store": str(root / f"theirs-v3-{name}.zarr"),
                     "array": str(root / f"{name}.npy"), "chunks": list(chunks),
                     "config": {k: v for k, v in config.items() if k != "id"}},
                    {"op": "read", "store": str(root / f"theirs-v3-{name}.zarr"),
                     "out": str(root / f"theirs-read-theirs-v3-{name}.npy")}]
    results = reference_zarr.run(ops)
    # each side writes into an array the other created
    for name in ("accuracy-f8-2d", "reversible-i8-1d"):
        changed = arrays[name][::-1].copy()
        np.save(root / f"{name}-changed.npy", changed)
        arrays[f"{name}-changed"] = changed
        shutil.copytree(root / f"ours-{name}.zarr", root / f"shared-{name}.zarr")
    update = reference_zarr.run(
        [{"op": "update", "store": str(root / f"shared-{name}.zarr"),
          "array": str(root / f"{name}-changed.npy")}
         for name in ("accuracy-f8-2d", "reversible-i8-1d")])
    return {"root": root, "arrays": arrays, "results": results + update,
            "versions": reference_zarr.versions}


def test_reference_stack_is_the_real_one(exchange):
    assert exchange["versions"]["zfpy"] == "1.0.1"
    codecs = {r.get("codec") for r in exchange["results"]}
    assert "numcodecs.zfpy.ZFPY" in codecs and not any("zfpcodec" in str(c) for c in codecs)


@pytest.mark.parametrize("name", sorted(CASES) + sorted(OURS_ONLY))
def test_reference_reads_our_v2_stores_bit_identically(exchange, name):
    root = exchange["root"]
    ours_values = zarr.open_array(root / f"ours-{name}.zarr", mode="r")[...]
    theirs = np.load(root / f"theirs-read-ours-{name}.npy")
    assert theirs.dtype == ours_values.dtype and theirs.tobytes() == ours_values.tobytes()


@pytest.mark.parametrize("name", sorted(CASES))
def test_we_read_reference_v2_stores_bit_identically(exchange, name):
    root = exchange["root"]
    read = zarr.open_array(root / f"theirs-{name}.zarr", mode="r")
    assert isinstance(read.compressors[0], ZFP)
    theirs = np.load(root / f"theirs-read-theirs-{name}.npy")
    assert read[...].tobytes() == theirs.tobytes()


@pytest.mark.parametrize("name", sorted(CASES))
def test_we_read_reference_v3_numcodecs_zfpy_stores_bit_identically(exchange, name):
    import warnings

    root = exchange["root"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = zarr.open_array(root / f"theirs-v3-{name}.zarr", mode="r")
        values = read[...]
    assert isinstance(read.serializer._codec, ZFP)
    assert values.tobytes() == np.load(root / f"theirs-read-theirs-v3-{name}.npy").tobytes()


@pytest.mark.parametrize("name", sorted(CASES))
def test_both_sides_write_byte_identical_chunks_and_metadata(exchange, name):
    root = exchange["root"]
    ours, theirs = root / f"ours-{name}.zarr", root / f"theirs-{name}.zarr"
    chunk_names = sorted(p.name for p in theirs.iterdir() if not p.name.startswith("."))
    assert chunk_names == sorted(p.name for p in ours.iterdir() if not p.name.startswith("."))
    for chunk in chunk_names:
        assert (ours / chunk).read_bytes() == (theirs / chunk).read_bytes(), chunk
    ours_codec = json.loads((ours / ".zarray").read_text())["compressor"]
    theirs_codec = json.loads((theirs / ".zarray").read_text())["compressor"]
    assert ZFP.from_config(ours_codec) == ZFP.from_config(theirs_codec)


@pytest.mark.parametrize("name", ["accuracy-f8-2d", "reversible-i8-1d"])
def test_reference_writes_into_our_arrays_and_we_read_its_chunks(exchange, name):
    """Our configuration is one numcodecs' ZFPY can write with: the reference
    overwrote our array, and we read back what it wrote."""
    root, changed = exchange["root"], exchange["arrays"][f"{name}-changed"]
    read = zarr.open_array(root / f"shared-{name}.zarr", mode="r")[...]
    if name.startswith("reversible"):
        np.testing.assert_array_equal(read, changed)
    else:
        assert np.abs(read - changed).max() <= 1e-3
    # and its chunks are exactly the ones we write for the same values
    again = zarr.create_array(root / f"again-{name}.zarr", shape=changed.shape,
                              dtype=changed.dtype, chunks=CASES[name][3], zarr_format=2,
                              compressors=ZFP.from_config(ZFPY_MODES[CASES[name][0]]))
    again[...] = changed
    for chunk in (root / f"shared-{name}.zarr").iterdir():
        if not chunk.name.startswith("."):
            assert chunk.read_bytes() == (root / f"again-{name}.zarr" / chunk.name).read_bytes()


STOCK_ONLY = {  # configurations numcodecs' ZFPY builds and compresses with, and we cannot
    "tolerance-inf": {"id": "zfpy", "mode": 4, "tolerance": float("inf")},
    "tolerance-true": {"id": "zfpy", "mode": 4, "tolerance": True},
    "precision-12.5": {"id": "zfpy", "mode": 3, "precision": 12.5},
    "tolerance-nan": {"id": "zfpy", "mode": 4, "tolerance": float("nan")},
    "rate-true": {"id": "zfpy", "mode": 2, "rate": True},
}  # (rate 1e30 or inf crash numcodecs' ZFPY inside zarr: no such array exists)


@pytest.fixture(scope="module")
def stock_only(reference_zarr, tmp_path_factory):
    root = tmp_path_factory.mktemp("stock-only")
    values = values_of("f8", (20, 13), 7)
    np.save(root / "values.npy", values)
    ops = []
    for name, config in STOCK_ONLY.items():
        for version in ("v2", "v3"):
            stored = config if version == "v2" else {k: v for k, v in config.items()
                                                     if k != "id"}
            ops += [{"op": f"write_{version}", "store": str(root / f"{name}-{version}.zarr"),
                     "array": str(root / "values.npy"), "chunks": [8, 8], "config": stored},
                    {"op": "read", "store": str(root / f"{name}-{version}.zarr"),
                     "out": str(root / f"{name}-{version}.npy")}]
    reference_zarr.run(ops)
    return root


@pytest.mark.parametrize("version", ["v2", "v3"])
@pytest.mark.parametrize("name", sorted(STOCK_ONLY))
def test_arrays_stock_wrote_with_configurations_we_cannot_write_stay_readable(
        stock_only, name, version):
    """Their chunks need only their own headers: we read them to the
    reference's values, and refuse to write into the array, leaving it as
    it was."""
    import warnings

    store = stock_only / f"{name}-{version}.zarr"
    chunks = {p.relative_to(store): p.read_bytes() for p in store.rglob("*") if p.is_file()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        array = zarr.open_array(store, mode="r+")
        assert array[...].tobytes() == np.load(stock_only / f"{name}-{version}.npy").tobytes()
        with pytest.raises(ZFPError, match="cannot write new ones.*new array"):
            array[:8, :8] = 1.0
    assert {p.relative_to(store): p.read_bytes()
            for p in store.rglob("*") if p.is_file()} == chunks
