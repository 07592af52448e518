"""``zfpcodec h5`` (list, import, export), run as a subprocess on real files:
what it writes equals zfpcodec.hdf5.write's bytes and reads back through
the REFERENCE (hdf5plugin, tests/h5plugin.py); what it lists and exports
equals what zfpcodec.hdf5 reads; every failure exits 1 or 2 naming the
problem."""

from __future__ import annotations

import importlib.util
import json
import os

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")
if importlib.util.find_spec("hdf5plugin") is None:
    pytest.skip("hdf5plugin (the reference H5Z-ZFP) is not installed", allow_module_level=True)
from common import corrupt_zarr_source  # noqa: E402
from h5plugin import Reference, Spec  # noqa: E402
from test_cli import EXIT_FAILURE, EXIT_USAGE, fails, needs_zarr, run, smooth  # noqa: E402
from test_hdf5 import assert_same, raw_chunks, values  # noqa: E402

import zfpcodec.hdf5 as zh  # noqa: E402
from zfpcodec.hdf5.h5z_zfp import FILTER_ID, VERSION_WORD  # noqa: E402


@pytest.fixture
def field(tmp_path):
    data = smooth((30, 20, 12), np.float64)
    path = tmp_path / "field.npy"
    np.save(path, data)
    return path, data


def test_import_writes_what_zfpcodec_hdf5_writes_and_the_plugin_reads(tmp_path, field):
    path, data = field
    run("h5", "import", path, tmp_path / "cli.h5", "--dataset", "/g/T", "--tolerance", "1e-3",
        "--chunks", "8,8,12", "--threads", "2")
    with h5py.File(tmp_path / "api.h5", "w") as file:
        zh.write(file, "T", data, chunks=(8, 8, 12), tolerance=1e-3)
    with h5py.File(tmp_path / "cli.h5", "r") as cli, h5py.File(tmp_path / "api.h5", "r") as api:
        assert cli["g/T"].chunks == (8, 8, 12)
        assert raw_chunks(cli["g/T"]) == raw_chunks(api["T"])
        ours = zh.read(cli["g/T"])
    assert np.abs(ours - data).max() <= 1e-3
    expected, _ = Reference(tmp_path).read("cli.h5")
    assert_same(expected["/g/T"], ours)


@pytest.mark.parametrize("shape", [(1, 3, 1, 8, 9, 5), (2, 3, 4, 5, 6, 7)])
def test_import_of_a_npy_of_more_than_4_axes_is_what_the_plugin_reads(tmp_path, shape):
    """H5Z-ZFP chunks may have more axes as long as at most 4 are longer
    than 1, as zfpcodec.hdf5.write takes them (the command refused such
    .npy files as zfp's limit on a whole array)."""
    data = smooth(shape, np.float32)
    np.save(tmp_path / "six.npy", data)
    run("h5", "import", tmp_path / "six.npy", tmp_path / "six.h5", "--dataset", "x",
        "--tolerance", "1e-3")
    with h5py.File(tmp_path / "six.h5", "r") as file:
        assert sum(n > 1 for n in file["x"].chunks) <= 4
        ours = zh.read(file["x"])
    assert ours.shape == shape and np.abs(ours - data).max() <= 1e-3
    expected, _ = Reference(tmp_path).read("six.h5")
    assert_same(expected["/x"], ours)


def test_import_refuses_to_replace_a_dataset_unless_told(tmp_path, field):
    path, data = field
    target = tmp_path / "x.h5"
    run("h5", "import", path, target, "--dataset", "x", "--rate", "8")
    fails("h5", "import", path, target, "--dataset", "x", "--rate", "8", expect=EXIT_FAILURE,
          message="already holds x (give --force to replace it)")
    stderr = run("h5", "import", path, target, "--dataset", "x", "-R", "--overwrite").stderr
    assert "H5Z-ZFP reversible (lossless)" in stderr
    with h5py.File(target, "r") as file:
        assert_same(zh.read(file["x"]), data)


def test_import_into_an_existing_file_keeps_its_datasets_mode_and_links(tmp_path, field):
    # the dataset is added to a copy renamed over the file (see
    # test_cli_never_loses_data): the rest of the file, its permissions and
    # a symbolic link to it come through
    path, data = field
    target, link = tmp_path / "x.h5", tmp_path / "link.h5"
    with h5py.File(target, "w") as file:
        file["old"] = np.arange(6)
        file["g/older"] = np.ones((2, 2))
        file.attrs["title"] = "run 7"
    target.chmod(0o640)
    link.symlink_to(target.name)
    run("h5", "import", path, link, "--dataset", "g/T", "-R")
    assert link.is_symlink() and (target.stat().st_mode & 0o777) == 0o640
    with h5py.File(target, "r") as file:
        np.testing.assert_array_equal(file["old"][...], np.arange(6))
        np.testing.assert_array_equal(file["g/older"][...], np.ones((2, 2)))
        assert file.attrs["title"] == "run 7"
        assert_same(zh.read(file["g/T"]), data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["field.npy", "link.h5", "x.h5"]


@needs_zarr
def test_import_of_a_zarr_array_keeps_its_chunks_and_fill_value(tmp_path):
    import zarr

    data = values("f4", (40, 33))
    source = zarr.create_array(tmp_path / "in.zarr", shape=data.shape, dtype="f4",
                               chunks=(16, 12), fill_value=-9.0)
    source[...] = data
    run("h5", "import", tmp_path / "in.zarr", tmp_path / "x.h5", "--dataset", "v", "-p", "20")
    with h5py.File(tmp_path / "x.h5", "r") as file:
        assert file["v"].chunks == (16, 12) and file["v"].fillvalue == -9.0
        ours = zh.read(file["v"])
    with h5py.File(tmp_path / "api.h5", "w") as file:
        np.testing.assert_array_equal(ours, zh.read(zh.write(
            file, "v", data, chunks=(16, 12), precision=20, fillvalue=-9.0)))


def not_json(constant):
    raise ValueError(f"{constant} is not strict JSON")


def test_list_shows_modes_and_ratios_of_plugin_written_datasets(tmp_path):
    ref = Reference(tmp_path)
    ref.write("x.h5", [Spec("rate", values("f8", (32, 32)), (16, 16), {"rate": 8}),
                       Spec("deep/rev", values("i4", (20, 7)), (8, 7), {"reversible": True})])
    with h5py.File(tmp_path / "x.h5", "a") as file:
        file["plain"] = np.zeros(4)
        file.create_dataset("broken", shape=(4, 4), dtype="f8", chunks=(4, 4),
                            compression=FILTER_ID, compression_opts=(VERSION_WORD, 1, 2, 3),
                            allow_unknown_filter=True)
        stored = {name: sum(len(chunk) for _, chunk in raw_chunks(file[name]).values())
                  for name in ("rate", "deep/rev")}
    table = run("h5", "list", tmp_path / "x.h5").stdout
    lines = table.splitlines()
    assert lines[0].split() == ["dataset", "type", "shape", "chunks", "mode", "ratio",
                                "bits/value"]
    assert lines[2].split() == ["/deep/rev", "int32", "20x7", "8x7", "reversible",
                                "(lossless)", f"{20 * 7 * 4 / stored['deep/rev']:.4g}",
                                f"{8 * stored['deep/rev'] / 140:.4g}"]
    assert lines[3].split()[:5] == ["/rate", "float64", "32x32", "16x16", "fixed"]
    assert lines[3].split()[-2:] == ["8", "8"]  # 8 bits per value: ratio 8
    assert lines[4].startswith("/broken: unreadable: H5Z-ZFP cd_values hold no valid zfp "
                               "header")
    rows = json.loads(run("h5", "list", tmp_path / "x.h5", "--json").stdout,
                      parse_constant=not_json)
    assert [row["path"] for row in rows] == ["/broken", "/deep/rev", "/rate"]
    assert rows[0]["chunks_stored"] == 0 and rows[0]["ratio"] is None
    rate = rows[2]
    assert rate["mode"] == "fixed rate 8 bits/value (128 bits per block)"
    assert rate["stored_bytes"] == stored["rate"] == 32 * 32
    assert rate["chunks_stored"] == 4 and rate["raw_bytes"] == 32 * 32 * 8
    with h5py.File(tmp_path / "none.h5", "w") as file:
        file["x"] = 1
    assert run("h5", "list", tmp_path / "none.h5").stdout.endswith("no H5Z-ZFP datasets\n")


def test_export_to_npy_is_what_zfpcodec_hdf5_reads(tmp_path):
    ref = Reference(tmp_path)
    ref.write("x.h5", [Spec("v", values(">f8", (50, 30)), (16, 16), {"accuracy": 1e-2})])
    run("h5", "export", tmp_path / "x.h5", "v", tmp_path / "v.npy")
    exported = np.load(tmp_path / "v.npy")
    with h5py.File(tmp_path / "x.h5", "r") as file:
        expected = zh.read(file["v"])
    assert exported.dtype == np.dtype("=f8")
    np.testing.assert_array_equal(exported, expected)


@needs_zarr
def test_export_to_zarr_uses_the_datasets_mode_unless_told(tmp_path, field):
    import zarr

    from zfpcodec.zarr3 import ZFPCodec

    path, data = field
    run("h5", "import", path, tmp_path / "x.h5", "--dataset", "T", "-a", "1e-3",
        "--chunks", "16,16,12")
    run("h5", "export", tmp_path / "x.h5", "T", tmp_path / "same.zarr")
    run("h5", "export", tmp_path / "x.h5", "T", tmp_path / "exact.zarr", "-R",
        "--zarr-format", "2")
    with h5py.File(tmp_path / "x.h5", "r") as file:
        expected = zh.read(file["T"])
    same = zarr.open_array(tmp_path / "same.zarr", mode="r")
    assert same.serializer == ZFPCodec(mode="fixed_accuracy", tolerance=2.0**-10)
    assert same.chunks == (16, 16, 12)
    assert np.abs(same[...] - expected).max() <= 2.0**-10
    exact = zarr.open_array(tmp_path / "exact.zarr", mode="r")
    assert exact.metadata.zarr_format == 2
    np.testing.assert_array_equal(exact[...], expected)
    fails("h5", "export", tmp_path / "x.h5", "T", tmp_path / "same.zarr", expect=EXIT_FAILURE,
          message="same.zarr exists; use --force to replace it")


@pytest.mark.parametrize("shape, chunks, budget", [
    ((7, 9, 11), (3, 4, 5), 200),        # regions cut along axes 0 and 1: runs of 44 values
    ((5, 6, 7, 9), (2, 3, 4, 4), 30),    # along every axis: runs of up to 4
    ((10, 12), (4, 5), 1000),            # whole: one run
    ((0, 4), (2, 2), 8),                 # no values: the header alone
])
def test_export_writes_each_region_of_a_npy_where_it_belongs(tmp_path, shape, chunks, budget):
    from zfpcodec.cli.h5 import _npy_file
    from zfpcodec.cli.zarr import chunk_batches

    data = np.arange(int(np.prod(shape)), dtype=">f8").reshape(shape)
    path = tmp_path / "out.npy"
    with _npy_file(str(path), np.dtype("=f8"), shape) as write:
        for region in chunk_batches(shape, chunks, budget):
            write(region, data[region])
    back = np.load(path)
    assert back.dtype == np.dtype("=f8")
    np.testing.assert_array_equal(back, data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npy"]


def test_import_of_an_empty_npy_is_an_empty_dataset(tmp_path):
    np.save(tmp_path / "empty.npy", np.zeros((0, 5)))
    run("h5", "import", tmp_path / "empty.npy", tmp_path / "e.h5", "--dataset", "E", "-r", "8")
    with h5py.File(tmp_path / "e.h5", "r") as file:
        assert file["E"].shape == (0, 5)
        assert_same(zh.read(file["E"]), np.zeros((0, 5)))
    expected, _ = Reference(tmp_path).read("e.h5")
    assert_same(expected["/E"], np.zeros((0, 5)))


def test_h5_failures_exit_with_a_message(tmp_path, field):
    path, _ = field
    with h5py.File(tmp_path / "x.h5", "w") as file:
        file.create_dataset("gz", data=np.zeros((4, 4)), chunks=(2, 2), compression="gzip")
    fails("h5", expect=EXIT_USAGE, message="choose an action: list, import or export")
    fails("h5", "list", tmp_path / "missing.h5", expect=EXIT_FAILURE,
          message="missing.h5: no such file")
    fails("h5", "list", path, expect=EXIT_FAILURE, message="field.npy: not a readable HDF5 file")
    fails("h5", "list", tmp_path, expect=EXIT_FAILURE,
          message=f"{tmp_path}: a directory, not an HDF5 file")
    if hasattr(os, "mkfifo"):  # HDF5 reads in place: a pipe is refused unopened
        os.mkfifo(tmp_path / "pipe.h5")
        fails("h5", "export", tmp_path / "pipe.h5", "x", tmp_path / "o.npy", expect=EXIT_FAILURE,
              message="pipe.h5 is not a regular file (a pipe?): HDF5 files are read in place")
    fails("h5", "import", path, tmp_path / "x.h5", "--dataset", "big", "--chunks",
          "1024,1024,1024", expect=EXIT_FAILURE,
          message="chunks (1024, 1024, 1024) are longer than the dataset's shape (30, 20, 12)")
    fails("h5", "export", tmp_path / "x.h5", "gz", tmp_path / "o.npy", expect=EXIT_FAILURE,
          message="'/gz' is not compressed with H5Z-ZFP")
    fails("h5", "export", tmp_path / "x.h5", "nope", tmp_path / "o.npy", expect=EXIT_FAILURE,
          message="holds no dataset nope")
    fails("h5", "export", tmp_path / "x.h5", "gz", tmp_path / "o.npy", "-r", "4",
          expect=EXIT_USAGE, message="mode options are for Zarr stores")
    fails("h5", "import", path, tmp_path / "x.h5", "--dataset", "a", "--chunks", "2,x",
          expect=EXIT_USAGE, message="--chunks: '2,x' is not a shape")
    fails("h5", "import", path, tmp_path / "x.h5", "--dataset", "a", "--chunks", "2,2",
          expect=EXIT_USAGE, message="--chunks 2x2 has 2 axes, the source 3")
    fails("h5", "import", path, tmp_path / "x.h5", "--dataset", "a", "--chunks", "1,1,1",
          expect=EXIT_FAILURE, message="1 to 4 axes longer than 1; chunks (1, 1, 1) have 0")
    fails("h5", "import", tmp_path / "nothing", tmp_path / "x.h5", "--dataset", "a",
          expect=EXIT_FAILURE, message="nothing: no such file or Zarr store")
    fails("h5", "import", path, tmp_path / "x.h5", "--dataset", "/", "-f",
          expect=EXIT_USAGE, message="--dataset '/' names no dataset")


def test_import_refuses_values_a_lossy_mode_cannot_keep_as_compress_does(tmp_path):
    """NaN and -inf in fixed accuracy: exit 1 and one line naming the fixes
    H5Z-ZFP has (no --missing: it keeps no mask), the file unchanged, as
    compress refuses them; --allow-unbounded stores what the API's
    strict=False stores."""
    data = values("f8", (12, 16))
    data[1, 5], data[9, 9] = np.nan, -np.inf
    np.save(tmp_path / "nan.npy", data)
    run("h5", "import", tmp_path / "nan.npy", tmp_path / "x.h5", "--dataset", "ok", "-R")
    before = (tmp_path / "x.h5").read_bytes()
    fails("compress", tmp_path / "nan.npy", "-a", "1e-3", expect=EXIT_FAILURE,
          message="refusing to store a stream whose error bound does not hold")
    stderr = fails("h5", "import", tmp_path / "nan.npy", tmp_path / "x.h5", "--dataset", "T",
                   "-a", "1e-3", "--chunks", "8,8", expect=EXIT_FAILURE,
                   message="refusing to store a stream whose error bound does not hold: 1 of 4 "
                           "blocks hold NaN or +-inf")
    assert "--missing" not in stderr
    assert "Fix: --reversible (lossless; this output has no mask for missing values); or " \
        "finite values in place of NaN and +-inf. (--allow-unbounded stores it anyway.)" in stderr
    assert (tmp_path / "x.h5").read_bytes() == before
    fails("h5", "import", tmp_path / "nan.npy", tmp_path / "new.h5", "--dataset", "T", "-r",
          "8", expect=EXIT_FAILURE, message="blocks hold NaN or +-inf")
    assert not (tmp_path / "new.h5").exists()
    run("h5", "import", tmp_path / "nan.npy", tmp_path / "x.h5", "--dataset", "T", "-a", "1e-3",
        "--chunks", "8,8", "--allow-unbounded")
    with h5py.File(tmp_path / "api.h5", "w") as file:
        zh.write(file, "T", data, chunks=(8, 8), tolerance=1e-3, strict=False)
    with h5py.File(tmp_path / "x.h5", "r") as cli, h5py.File(tmp_path / "api.h5", "r") as api:
        assert raw_chunks(cli["T"]) == raw_chunks(api["T"])


@needs_zarr
def test_export_of_values_the_zarr_codec_cannot_store_is_one_line_and_leaves_nothing(
        tmp_path):
    """uint64 values above 2**63 (a lossy mode decodes 2**64 - 1 here, as
    the plugin does) have no place in the Zarr codec's int64."""
    with h5py.File(tmp_path / "u8.h5", "w") as file:
        zh.write(file, "U8", np.arange(100, dtype="u8").reshape(10, 10), chunks=(5, 5),
                 rate=16)
        assert zh.read(file["U8"]).max() > 2**63
    fails("h5", "export", tmp_path / "u8.h5", "U8", tmp_path / "out.zarr",
          expect=EXIT_FAILURE, message="cannot write U8 to")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u8.h5"]


@needs_zarr
def test_import_of_a_corrupt_zarr_chunk_is_one_line_and_changes_nothing(tmp_path):
    fails("h5", "import", corrupt_zarr_source(tmp_path), tmp_path / "z.h5", "--dataset", "/Z",
          expect=EXIT_FAILURE, message="cannot read")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.zarr"]


def test_import_force_replaces_a_dataset_never_a_group(tmp_path, field):
    """--force replaces the dataset --dataset names; a group there (with all
    its datasets) is refused and the file left as it was."""
    path, _ = field
    with h5py.File(tmp_path / "g.h5", "w") as file:
        file["run/a"] = np.arange(4.0)
        file["run/sub/c"] = np.arange(3)
    before = (tmp_path / "g.h5").read_bytes()
    fails("h5", "import", path, tmp_path / "g.h5", "--dataset", "/run", "-r", "8", "-f",
          expect=EXIT_FAILURE, message="/run is a group, not a dataset")
    assert (tmp_path / "g.h5").read_bytes() == before
