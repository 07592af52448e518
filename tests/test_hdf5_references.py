"""The H5Z-ZFP numcodecs codec (`H5ZZFP`, id ``h5z_zfp``) and kerchunk
references: Zarr and xarray read HDF5 files in place, local and on S3
(moto), in a child process where h5py cannot be imported and no HDF5
library is loaded; the values equal the REFERENCE's, h5py + hdf5plugin's
(tests/h5plugin.py), bit for bit."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")
numcodecs = pytest.importorskip("numcodecs")
pytest.importorskip("zarr")
pytest.importorskip("xarray")
if importlib.util.find_spec("hdf5plugin") is None:
    pytest.skip("hdf5plugin (the reference H5Z-ZFP) is not installed", allow_module_level=True)
from h5plugin import Reference, Spec  # noqa: E402
from test_hdf5 import assert_same, raw_chunks, values  # noqa: E402
from test_s3 import BUCKET, KEY, SECRET, s3  # noqa: E402,F401  (s3: the moto fixture)

import zfpcodec.hdf5 as zh  # noqa: E402
from zfpcodec.errors import ZFPError  # noqa: E402
from zfpcodec.hdf5.codec import H5ZZFP  # noqa: E402
from zfpcodec.hdf5.h5z_zfp import FILTER_ID, VERSION_WORD  # noqa: E402
from zfpcodec.hdf5.kerchunk_refs import ReferenceWarning, references  # noqa: E402

READER = Path(__file__).resolve().parent / "refs_reader_worker.py"
PLUGIN_DATASETS = [  # name, dtype, shape, chunks, hdf5plugin.Zfp arguments
    ("rate", "f4", (30, 20), (16, 8), {"rate": 8}),
    ("accuracy", "f8", (9, 13, 10), (4, 8, 1), {"accuracy": 1e-4}),
    ("precision", "i8", (100,), (33,), {"precision": 40}),
    ("reversible", "u4", (7, 5, 6, 4), (4, 1, 6, 4), {"reversible": True}),
    ("expert", "f8", (20, 20), (8, 8), {"minbits": 8, "maxbits": 600, "maxprec": 30,
                                        "minexp": -20}),
    ("bigendian", ">f8", (10, 10), (8, 8), {"reversible": True}),
    ("group/deep", "i4", (12, 12), (12, 4), {"rate": 12}),
]


@pytest.fixture(autouse=True)
def no_plugin_here():
    assert "hdf5plugin" not in sys.modules


def plugin_file(folder: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """An HDF5 file with datasets of every kind: H5Z-ZFP by the plugin (and
    by us), gzip + shuffle, fletcher32, contiguous, compact, scalar, fixed
    strings, a dataset whose chunks are never written, attributes; and
    what the plugin reads from it."""
    ref = Reference(folder)
    ref.write("mixed.h5", [Spec(name, values(dtype, shape, seed=i), chunks, zfp)
                           for i, (name, dtype, shape, chunks, zfp) in enumerate(PLUGIN_DATASETS)])
    with h5py.File(folder / "mixed.h5", "a") as file:
        file.attrs["title"] = "mixed"
        file["rate"].attrs.update({"units": "K", "scale": np.float32(0.5), "levels": [1, 2]})
        # NaN pads the edge chunks, which fixed accuracy refuses unless told
        zh.write(file, "ours", values("f8", (17, 9)), chunks=(8, 8), tolerance=1e-3,
                 fillvalue=np.nan, strict=False)
        zh.create(file, "unwritten", (10, 10), "f4", chunks=(4, 4), rate=8, fillvalue=-1.0)
        data = values("f8", (23, 11))
        file.create_dataset("gzip", data=data, chunks=(8, 8), compression="gzip", shuffle=True)
        file.create_dataset("checksum", data=data.astype("i4"), chunks=(8, 4), fletcher32=True)
        file.create_dataset("contiguous", data=data)
        plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        plist.set_layout(h5py.h5d.COMPACT)
        h5py.h5d.create(file.id, b"compact", h5py.h5t.NATIVE_INT16,
                        h5py.h5s.create_simple((6,)), dcpl=plist)
        file["compact"][...] = np.arange(6)
        file["scalar"] = 2.5
        file["group/names"] = np.array([b"alpha", b"beta"])
    expected, _ = ref.read("mixed.h5")
    return folder / "mixed.h5", expected


def read_references(folder: Path, refs: dict, protocol: str = "file",
                    options: dict | None = None) -> tuple[dict, dict]:
    """The child's reading: ({path: values}, its JSON report)."""
    path, out = folder / "refs.json", folder / "zarr.npz"
    path.write_text(json.dumps(refs))
    done = subprocess.run([sys.executable, str(READER), str(path), str(out), protocol,
                           json.dumps(options or {})], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    with np.load(out) as arrays:
        found = {key.replace("__", "/"): arrays[key] for key in arrays.files}
    return found, json.loads(done.stdout)


def test_zarr_and_xarray_read_an_hdf5_file_through_references_without_hdf5(tmp_path):
    path, expected = plugin_file(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refs = references(path)
    arrays, report = read_references(tmp_path, refs)
    assert not report["hdf5_loaded"]
    assert set(arrays) - {k for k in arrays if k.startswith("xarray:")} == {
        name.lstrip("/") for name in expected}
    for name, value in expected.items():
        assert_same(arrays[name.lstrip("/")], value)
    attrs = report["attrs"]["rate"]
    dims = attrs.pop("_ARRAY_DIMENSIONS")
    assert attrs == {"units": "K", "scale": 0.5, "levels": [1, 2]}
    assert report["attrs"][""] == {"title": "mixed"}
    # xarray: one dimension per length in a group, distinct within a variable
    found = report["xarray"]
    assert found[""]["rate"] == dims and len(set(dims)) == 2
    assert found[""]["gzip"] == found[""]["contiguous"] == found[""]["checksum"]
    assert len(set(found["group"]["deep"])) == 2 and len(found["group"]["names"]) == 1
    assert not set(found["group"]["deep"]) & set(found[""]["gzip"])
    for name in ("rate", "accuracy", "expert", "gzip", "checksum", "contiguous", "compact"):
        np.testing.assert_array_equal(arrays[f"xarray:/{name}"], expected["/" + name])
    np.testing.assert_array_equal(arrays["xarray:group/deep"], expected["/group/deep"])


def test_reference_metadata_names_the_codecs_of_each_pipeline(tmp_path):
    path, _ = plugin_file(tmp_path)
    refs = references(path, url="s3://bucket/mixed.h5")["refs"]
    meta = {key: json.loads(refs[key]) for key in refs if key.endswith(".zarray")}
    with h5py.File(path, "r") as file:
        cd_values = list(file["rate"].id.get_create_plist().get_filter(0)[2])
        chunk = file["rate"].id.get_chunk_info_by_coord((16, 8))
    assert meta["rate/.zarray"]["compressor"] == {"id": "h5z_zfp", "cd_values": cd_values}
    assert meta["rate/.zarray"]["filters"] is None
    assert refs["rate/1.1"] == ["s3://bucket/mixed.h5", chunk.byte_offset, chunk.size]
    assert meta["gzip/.zarray"]["filters"] == [{"id": "shuffle", "elementsize": 8}]
    assert meta["gzip/.zarray"]["compressor"] == {"id": "zlib", "level": 4}
    assert meta["checksum/.zarray"]["compressor"] == {"id": "fletcher32"}
    assert meta["unwritten/.zarray"]["fill_value"] == -1.0
    assert meta["ours/.zarray"]["fill_value"] == "NaN"
    assert meta["rate/.zarray"]["fill_value"] is None  # HDF5's default: zeros, no marker
    assert meta["bigendian/.zarray"]["dtype"] == ">f8"
    assert not any(key.startswith("unwritten/0") for key in refs)
    assert refs["scalar/0"].startswith("base64:") and refs["compact/0"].startswith("base64:")
    consolidated = json.loads(refs[".zmetadata"])["metadata"]
    assert consolidated["group/deep/.zarray"] == meta["group/deep/.zarray"]


def test_datasets_zarr_cannot_describe_are_reported(tmp_path):
    with h5py.File(tmp_path / "x.h5", "w") as file:
        file.create_dataset("lzf", data=np.zeros((8, 8)), chunks=(4, 4), compression="lzf")
        file.create_dataset("text", data=["a", "bc"], dtype=h5py.string_dtype())
        masked = zh.write(file, "masked", np.zeros((8, 8)), chunks=(4, 4), rate=8)
        masked.id.write_direct_chunk((4, 4), np.zeros((4, 4)).tobytes(), filter_mask=1)
        file["fine"] = np.arange(3)
    with pytest.warns(ReferenceWarning) as caught:
        refs = references(tmp_path / "x.h5")["refs"]
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "dataset '/lzf' left out of the references: its filter 32000 (lzf) has no numcodecs "
        "codec that reads HDF5's chunks",
        "dataset '/masked' left out of the references: 1 chunk(s), the first at (4, 4), were "
        "stored with some filters skipped (filter mask set), which Zarr cannot be told",
        "dataset '/text' left out of the references: its type object has no Zarr v2 form "
        "the references can use"]
    assert "fine/0" in refs and not any(key.startswith(("lzf", "masked", "text"))
                                        for key in refs)
    with pytest.raises(ValueError, match="'/lzf' left out"):
        references(tmp_path / "x.h5", unsupported="raise")


def test_datasets_reached_through_links_are_referenced_or_reported(tmp_path):
    """Every path h5py reads a dataset by: a soft link or a second hard
    link gets its target's references under its own path (a soft link to a
    group, its tree), and Zarr reads the same values there; a link out of
    the file, or to nothing, or to a dataset left out, is reported (they
    went missing without a word)."""
    arr = np.arange(64.0).reshape(8, 8)
    with h5py.File(tmp_path / "x.h5", "w") as file:
        zh.write(file, "data/T", arr, rate=16)
        file.create_dataset("data/lzf", data=np.zeros((8, 8)), chunks=(4, 4),
                            compression="lzf")
        file["views/soft"] = h5py.SoftLink("/data/T")
        file["views/hard"] = file["data/T"]
        file["views/group"] = h5py.SoftLink("/data")
        file["views/up"] = h5py.SoftLink("/views")   # a loop back to its own group
        file["views/nowhere"] = h5py.SoftLink("/gone")
        file["views/outside"] = h5py.ExternalLink("other.h5", "/x")
        file["views/lzf"] = h5py.SoftLink("/data/lzf")
    with pytest.warns(ReferenceWarning) as caught:
        refs = references(tmp_path / "x.h5")
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "'/views/lzf' left out of the references: it links to '/data/lzf', which is left out",
        "'/views/nowhere' left out of the references: its soft link leads to '/gone', which "
        "is not there",
        "'/views/outside' left out of the references: it links to '/x' in another file, "
        "'other.h5'",
        "dataset '/data/lzf' left out of the references: its filter 32000 (lzf) has no "
        "numcodecs codec that reads HDF5's chunks"]
    found, _ = read_references(tmp_path, refs)
    for path in ("data/T", "views/soft", "views/hard", "views/group/T", "views/up/soft"):
        assert_same(found[path], arr)


def test_shuffle_after_a_filter_that_changes_the_length_is_left_out(tmp_path):
    """HDF5 shuffles what H5Z-ZFP (or deflate) wrote, a length that need
    not be a multiple of the item size, leaving the rest as it is, which
    numcodecs' Shuffle refuses: such datasets are left out with a warning.
    Shuffle before zfp, on fixed-size values, is referenced and reads as
    the plugin reads it."""
    data = np.cumsum(np.random.default_rng(0).standard_normal((13, 11, 7)), axis=0)
    pipelines = {"zfp-shuffle": ["zfp", "shuffle"], "zfp-shuffle-deflate":
                 ["zfp", "shuffle", "deflate"], "shuffle-zfp": ["shuffle", "zfp"]}
    Reference(tmp_path).write("x.h5", [Spec(name, data, (5, 4, 7), {"reversible": True},
                                            pipeline=pipeline)
                                       for name, pipeline in pipelines.items()])
    plugin, _ = Reference(tmp_path).read("x.h5")
    with h5py.File(tmp_path / "x.h5", "r") as file:
        sizes = {info.size % 8 for info in zh.reader.chunk_infos(file["zfp-shuffle"])}
    assert sizes != {0}                # tails HDF5 leaves unshuffled
    with pytest.warns(ReferenceWarning) as caught:
        refs = references(tmp_path / "x.h5")
    assert sorted(str(w.message) for w in caught) == [
        f"dataset '/{name}' left out of the references: its shuffle filter runs after another "
        "filter, on chunks of any length, whose last bytes HDF5 leaves unshuffled and "
        "numcodecs' Shuffle refuses" for name in ("zfp-shuffle", "zfp-shuffle-deflate")]
    assert not any(key.startswith("zfp-") for key in refs["refs"])
    found, _ = read_references(tmp_path, refs)
    assert sorted(found) == ["shuffle-zfp", "xarray:/shuffle-zfp"]
    assert_same(found["shuffle-zfp"], plugin["/shuffle-zfp"])
    assert_same(plugin["/zfp-shuffle"], data)


def test_datasets_h5z_zfp_declined_are_referenced_as_the_raw_chunks_they_are(tmp_path):
    """H5Z-ZFP declines chunks it cannot make a zfp field of (every axis 1,
    more than 4 axes longer than 1): HDF5 stores them unfiltered, so Zarr
    reads them with no codec, bit for bit what the plugin reads."""
    ref = Reference(tmp_path)
    ref.write("declined.h5", [
        Spec("unit", values("f8", (3, 3)), (1, 1), {"reversible": True}),
        Spec("five", values("f4", (3, 2, 4, 2, 3)), (2, 2, 2, 2, 2), {"rate": 8}),
        Spec("one", values("i8", (7,)), (1,), {"precision": 20}),
        Spec("cube", values("i4", (2, 2, 3)), (1, 1, 1), {"accuracy": 1e-3}),
        Spec("empty", values("f4", (4, 4)), (1, 1), {"rate": 4}, fillvalue=2.5, regions=[]),
        Spec("zfp", values("f8", (9, 8)), (4, 4), {"rate": 16})])
    expected, _ = ref.read("declined.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        refs = references(tmp_path / "declined.h5")
    meta = {key: json.loads(refs["refs"][key]) for key in refs["refs"] if key.endswith(".zarray")}
    for name in ("unit", "five", "one", "cube", "empty"):
        assert meta[f"{name}/.zarray"]["compressor"] is None, name
        assert meta[f"{name}/.zarray"]["filters"] is None, name
    assert meta["zfp/.zarray"]["compressor"]["id"] == "h5z_zfp"
    assert meta["empty/.zarray"]["fill_value"] == 2.5
    with h5py.File(tmp_path / "declined.h5", "r") as file:
        chunk = file["five"].id.get_chunk_info_by_coord((2, 0, 2, 0, 2))
    assert chunk.filter_mask == 1 and chunk.size == 32 * 4  # edge chunks stored whole
    assert refs["refs"]["five/1.0.1.0.1"][1:] == [chunk.byte_offset, chunk.size]
    arrays, report = read_references(tmp_path, refs)
    assert not report["hdf5_loaded"]
    for name, value in expected.items():
        assert_same(arrays[name.lstrip("/")], value)


def test_a_dataset_the_references_cannot_read_never_aborts_the_file(tmp_path):
    """A ZFPError of one dataset (corrupt cd_values; generic cd_values with
    a chunk that went through the filter) leaves it out with a
    ReferenceWarning naming it and why; the others are referenced."""
    with h5py.File(tmp_path / "x.h5", "w") as file:
        corrupt = dict(compression=FILTER_ID, allow_unknown_filter=True, chunks=(4, 4))
        file.create_dataset("corrupt", shape=(8, 8), dtype="f8",
                            compression_opts=(VERSION_WORD, 1, 2), **corrupt)
        mixed = file.create_dataset("mixed", shape=(2, 2), dtype="f4", chunks=(1, 1),
                                    compression=FILTER_ID, allow_unknown_filter=True,
                                    compression_opts=(1, 0, 0, 0x40200000, 0, 0))
        mixed.id.write_direct_chunk((0, 0), np.float32(1).tobytes(), filter_mask=1)
        mixed.id.write_direct_chunk((1, 1), b"\x07\x00", filter_mask=0)
        zh.write(file, "fine", values("f8", (8, 8)), chunks=(4, 4), rate=8)
    with pytest.warns(ReferenceWarning) as caught:
        refs = references(tmp_path / "x.h5")["refs"]
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2
    assert messages[0].startswith(
        "dataset '/corrupt' left out of the references: H5Z-ZFP cd_values hold a version word "
        "and a 3- to 5-word zfp header, not 3 values")
    assert messages[1].startswith(
        "dataset '/mixed' left out of the references: the chunk at (1, 1) went through "
        "H5Z-ZFP (filter mask bit clear), but the filter's cd_values [1, 0, 0, 1075838976, "
        "0, 0] are its generic form")
    assert "fine/1.1" in refs and not any(key.startswith(("corrupt", "mixed")) for key in refs)
    with pytest.raises(ValueError, match="'/corrupt' left out"):
        references(tmp_path / "x.h5", unsupported="raise")


def test_datasets_whose_cd_values_do_not_describe_them_are_left_out(tmp_path):
    """As `zfpcodec.hdf5.read` refuses them: cd_values of int64 chunks on a
    float64 dataset, or of (4, 16) chunks on (8, 8) ones, would have Zarr
    decode every chunk to garbage."""
    data = np.arange(64.0).reshape(8, 8)
    with h5py.File(tmp_path / "x.h5", "w") as file:
        sources = {"i8": zh.write(file, "src_i8", data.astype("i8"), chunks=(8, 8),
                                  reversible=True),
                   "416": zh.write(file, "src_416", data.reshape(4, 16), chunks=(4, 16),
                                   reversible=True)}
        for name, source in sources.items():
            cd_values = source.id.get_create_plist().get_filter(0)[2]
            dataset = file.create_dataset(name, shape=(8, 8), dtype="f8", chunks=(8, 8),
                                          compression=FILTER_ID, allow_unknown_filter=True,
                                          compression_opts=cd_values)
            dataset.id.write_direct_chunk((0, 0), source.id.read_direct_chunk((0, 0))[1])
    with pytest.warns(ReferenceWarning) as caught:
        refs = references(tmp_path / "x.h5")["refs"]
    assert sorted(str(w.message) for w in caught) == [
        "dataset '/416' left out of the references: H5Z-ZFP cd_values describe float64 "
        "chunks of shape (4, 16), but the dataset holds float64 chunks of (8, 8) (float64 "
        "of (8, 8) to zfp)",
        "dataset '/i8' left out of the references: H5Z-ZFP cd_values describe int64 chunks "
        "of shape (8, 8), but the dataset holds float64 chunks of (8, 8) (float64 of (8, 8) "
        "to zfp)"]
    assert not any(key.startswith(("i8", "416")) for key in refs)
    assert "src_i8/0.0" in refs and "src_416/0.0" in refs


def test_zarr_reads_an_hdf5_file_on_s3_through_references(tmp_path, s3):
    """The file goes to a moto S3 bucket; the references are made from the
    object there (s3fs file) and read by a child with no HDF5."""
    s3fs = pytest.importorskip("s3fs")
    url, client = s3
    path, expected = plugin_file(tmp_path)
    client.upload_file(str(path), BUCKET, "data/mixed.h5")
    options = {"endpoint_url": url, "key": KEY, "secret": SECRET}
    with s3fs.S3FileSystem(**options).open(f"{BUCKET}/data/mixed.h5", "rb") as remote:
        refs = references(remote, url=f"s3://{BUCKET}/data/mixed.h5")
    assert refs == references(path, url=f"s3://{BUCKET}/data/mixed.h5")
    arrays, report = read_references(tmp_path, refs, "s3", options)
    assert not report["hdf5_loaded"]
    for name, value in expected.items():
        assert_same(arrays[name.lstrip("/")], value)


# --------------------------------------------------------------------------
# the codec

CD_VALUES = [0x10105111, 0x0570667A, 0xF0000077, 0x88000000]  # reversible f8 (16, 8)


def test_codec_configuration_round_trips_and_is_registered():
    codec = numcodecs.get_codec({"id": "h5z_zfp", "cd_values": CD_VALUES})
    assert isinstance(codec, H5ZZFP) and codec == H5ZZFP(CD_VALUES)
    assert codec.get_config() == {"id": "h5z_zfp", "cd_values": CD_VALUES}
    assert H5ZZFP.from_config(codec.get_config()) == codec
    assert eval(repr(codec), {"H5ZZFP": H5ZZFP}) == codec
    assert hash(codec) == hash(H5ZZFP(list(CD_VALUES)))
    assert codec.format.shape == (16, 8) and codec.format.dtype == np.float64
    with pytest.raises(AttributeError, match="immutable"):
        codec.cd_values = []


def test_codec_decodes_and_encodes_the_plugins_chunks(tmp_path):
    """decode(chunk) is the plugin's values; encode(values) is the chunk
    plus zero padding; decode(out=...) fills arrays and buffers."""
    ref = Reference(tmp_path)
    data = values("f8", (16, 8))
    ref.write("x.h5", [Spec("x", data, (16, 8), {"reversible": True}),
                       Spec("y", values("f4", (12, 1, 9)), (4, 1, 9), {"precision": 16})])
    expected, cd_values = ref.read("x.h5")
    assert cd_values["/x"] == CD_VALUES
    with h5py.File(tmp_path / "x.h5", "r") as file:
        chunk = raw_chunks(file["x"])[(0, 0)][1]
        y_chunks = raw_chunks(file["y"])
    codec = H5ZZFP(CD_VALUES)
    assert_same(codec.decode(chunk), data)
    encoded = codec.encode(data)
    assert encoded[:len(chunk)] == chunk and not encoded[len(chunk):].strip(b"\0")
    out = np.empty((16, 8))
    assert codec.decode(np.frombuffer(chunk, np.uint8), out=out) is out
    assert_same(out, data)
    buffer = bytearray(16 * 8 * 8)
    codec.decode(memoryview(chunk), out=buffer)
    assert bytes(buffer) == data.tobytes()
    y_codec = H5ZZFP(cd_values["/y"])
    for (i, _, _), (_, y_chunk) in y_chunks.items():
        decoded = y_codec.decode(y_chunk)
        assert decoded.shape == (4, 9)
        assert_same(decoded, expected["/y"][i:i + 4, 0])


def test_codec_refuses_corrupt_configurations_and_chunks():
    with pytest.raises(ZFPError, match="not 2 values"):
        H5ZZFP([1, 2])
    with pytest.raises(ZFPError, match="no valid zfp header"):
        H5ZZFP([0x10105111, 1, 2, 3])
    with pytest.raises(ZFPError, match=r"\[5, 0, 0, 0, 0, 0\] are the filter's generic form "
                       r"\(reversible\), not the zfp header"):
        H5ZZFP([5, 0, 0, 0, 0, 0])
    codec = H5ZZFP(CD_VALUES)
    with pytest.raises(ZFPError, match="truncated"):
        codec.decode(b"\x05" * 10)
    with pytest.raises(ValueError, match="out holds 8 bytes; the chunk decodes to 1024"):
        codec.decode(codec.encode(np.zeros((16, 8))), out=np.zeros(1))
    with pytest.raises(ValueError, match="holds 128 values of 8 bytes, not 4 of 8"):
        codec.encode(np.zeros(4))

