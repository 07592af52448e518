"""Stores we write with numcodecs configurations (Zarr v2 ``zfpy``, Zarr v3
``numcodecs.zfpy``) stay writable by the REFERENCE stack, stock numcodecs
over LLNL zfpy 1.0.1 (tests/reference_zarr.py), wherever a configuration
it can write with exists: reversible as numcodecs writes it (mode 4, every
parameter -1), expert parameters that a ZFPY mode gives exactly as that
mode.  Expert parameters no ZFPY mode gives stay readable by it.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from zfpcodec import ZFP

zarr = pytest.importorskip("zarr")

WRITABLE = {  # name: (our codec, the mode stock numcodecs writes it with)
    "reversible": (ZFP(reversible=True), 4),
    "reversible-mode-5": (ZFP(mode=5), 4),
    "expert-as-precision": (ZFP(maxprec=20), 3),
    "expert-as-accuracy": (ZFP(minexp=-10), 4),
    "expert-defaults": (ZFP(minbits=1, maxbits=16658, maxprec=64, minexp=-1074), 3),
}
EXPERT_ONLY = ZFP(minbits=4, maxbits=900, maxprec=32, minexp=-24)


def values_of(seed):
    rng = np.random.default_rng(seed)
    return np.cos(np.linspace(0, 9, 40 * 30)).reshape(40, 30) + rng.normal(0, .01, (40, 30))


def write(path, codec, values, zarr_format):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zarr: numcodecs codecs are not in the v3 spec
        if zarr_format == 2:
            array = zarr.create_array(path, shape=values.shape, dtype=values.dtype,
                                      chunks=(16, 16), zarr_format=2, compressors=codec)
        else:
            from zarr.codecs.numcodecs import ZFPY

            array = zarr.create_array(path, shape=values.shape, dtype=values.dtype,
                                      chunks=(16, 16), compressors=None,
                                      serializer=ZFPY(**codec.get_config()))
        array[...] = values


def read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return zarr.open_array(path, mode="r")[...]


def stored_config(path, zarr_format):
    if zarr_format == 2:
        return json.loads((path / ".zarray").read_text())["compressor"]
    (codec,) = json.loads((path / "zarr.json").read_text())["codecs"]
    assert codec["name"] == "numcodecs.zfpy"
    return codec["configuration"]


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("name", sorted(WRITABLE))
def test_stock_numcodecs_writes_into_our_stores(name, zarr_format, reference_zarr, tmp_path):
    codec, stock_mode = WRITABLE[name]
    store = tmp_path / f"{name}.zarr"
    write(store, codec, values_of(0), zarr_format)
    assert stored_config(store, zarr_format)["mode"] == stock_mode
    changed = values_of(1)[::-1].copy()
    np.save(tmp_path / "changed.npy", changed)
    reference_zarr.run([{"op": "update", "store": str(store),
                         "array": str(tmp_path / "changed.npy")},
                        {"op": "read", "store": str(store),
                         "out": str(tmp_path / "theirs.npy")}])
    ours = read(store)
    assert ours.tobytes() == np.load(tmp_path / "theirs.npy").tobytes()
    # what stock numcodecs wrote is what we write for the same values
    write(tmp_path / "again.zarr", codec, changed, zarr_format)
    assert read(tmp_path / "again.zarr").tobytes() == ours.tobytes()
    if name.startswith("reversible"):
        np.testing.assert_array_equal(ours, changed)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_expert_parameters_no_stock_mode_gives_stay_readable(zarr_format, reference_zarr,
                                                             tmp_path):
    """Mode 1 (expert): stock numcodecs has no configuration to write such
    chunks with (its ZFPY(mode=1) fails on encode), but it reads them: the
    stream header carries the parameters."""
    store = tmp_path / "expert.zarr"
    write(store, EXPERT_ONLY, values_of(0), zarr_format)
    assert stored_config(store, zarr_format)["mode"] == 1
    reference_zarr.run([{"op": "read", "store": str(store), "out": str(tmp_path / "t.npy")}])
    assert np.load(tmp_path / "t.npy").tobytes() == read(store).tobytes()
    np.save(tmp_path / "changed.npy", values_of(1))
    (update,) = reference_zarr.run_lenient([{"op": "update", "store": str(store),
                                             "array": str(tmp_path / "changed.npy")}])
    assert not update["ok"] and "compression_kwargs" in update["error"]


def test_equivalent_expert_parameters_give_the_same_streams():
    values = values_of(2)
    for name, (codec, _) in WRITABLE.items():
        stock = ZFP.from_config(codec.get_config())
        assert stock.encode(values) == codec.encode(values), name
        assert stock == codec
