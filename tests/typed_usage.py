"""A user's script, written with type hints, through every door of zfpcodec
(zfpy, the engine, random access, the numcodecs and Zarr v3 codecs, HDF5, the
command line).

tests/test_typing.py runs ``mypy --strict`` on it (each ``assert_type`` is
checked statically) and runs it (each ``assert_type`` is then a no-op and
the asserts check the values), so the types it relies on are the ones the
package really has.
"""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path
from typing import Any, assert_type

import numpy as np
from numpy.typing import NDArray

import zfpcodec
import zfpy
from zfpcodec import ZFP, ZFPError
from zfpcodec.cli import main
from zfpcodec.engine import compress, decompress, read_header
from zfpcodec.modes import Mode
from zfpcodec.region import StreamLayout, decompress_region
from zfpcodec.zarr3 import ZFPCodec

FIELD: NDArray[np.float64] = np.linspace(0.0, 1.0, 32 * 32).reshape(32, 32)


def zfpy_door() -> None:
    stream = zfpy.compress_numpy(FIELD, tolerance=1e-3)
    assert_type(stream, bytes)
    back = zfpy.decompress_numpy(stream, threads=2)
    assert_type(back, NDArray[Any])
    assert float(np.abs(back - FIELD).max()) <= 1e-3
    header = zfpy.header(stream)
    assert_type(header["nx"], int)
    assert_type(header["config"]["tolerance"], float)
    assert header["mode"] == "tolerance" and header["type"] is np.float64
    # numpy scalars are fine wherever zfpy takes a number
    bare = zfpy.compress_numpy(FIELD, rate=np.float32(8), write_header=False)
    out = np.empty_like(FIELD)
    assert zfpy._decompress(bare, zfpy.type_double, [32, 32], out=out, rate=8) is out
    assert zfpy.dtype_to_ztype(np.float64) == zfpy.type_double
    assert zfpy.ztype_to_dtype(zfpy.type_float) is np.float32
    try:
        zfpy.decompress_numpy(memoryview(stream)[:20])
    except ZFPError as error:
        assert_type(error.status, str | None)


def engine_door() -> None:
    mode = Mode.from_args(precision=np.int64(20))
    assert_type(mode.params(2), tuple[int, int, int, int])
    stream = compress(FIELD, mode, threads=0)
    dtype, shape, _, _ = read_header(stream)
    target = np.empty(shape, dtype=dtype)
    assert_type(decompress(stream, out=target), NDArray[Any])
    bare = compress(FIELD, Mode.from_kind("fixed_rate", rate=16), header=False)
    values = decompress(bare, dtype="f8", shape=FIELD.shape, mode=Mode.from_args(rate=16))
    assert values.shape == FIELD.shape


def region_door() -> None:
    stream = compress(FIELD, Mode.from_args(rate=8))
    assert_type(decompress(stream, exact_length=True), NDArray[Any])
    assert_type(decompress(stream, exact_length=True, any_word=True), NDArray[Any])
    layout = StreamLayout.from_header(stream)
    selection = (slice(4, 12), 5)
    ranges = layout.byte_ranges(selection)
    assert_type(ranges, list[tuple[int, int]])
    pieces = [(start, stream[start:stop]) for start, stop in ranges]  # the header: in layout
    part = decompress_region(pieces, selection, layout=layout)
    assert_type(part, NDArray[Any])
    assert np.array_equal(part, decompress(stream)[selection])


def numcodecs_door() -> None:
    codec = ZFP(tolerance=1e-3)
    assert zfpcodec.ZFP is ZFP
    encoded = codec.encode(FIELD)
    assert_type(encoded, bytes)
    assert_type(codec.decode(encoded), NDArray[Any])
    out = bytearray(FIELD.nbytes)
    assert_type(codec.decode(encoded, out=out), bytearray)
    config = codec.get_config()
    assert_type(config["mode"], int)
    assert ZFP.from_config(config) == codec
    assert pickle.loads(pickle.dumps(codec)) == codec


def zarr3_door() -> None:
    codec = ZFPCodec(mode="fixed_rate", rate=12)
    metadata = codec.to_dict()
    assert ZFPCodec.from_dict(metadata) == codec
    assert_type(ZFPCodec.from_mode(ZFP(rate=12.0).zfp_mode), ZFPCodec)
    import zarr

    with tempfile.TemporaryDirectory() as tmp:
        array = zarr.create_array(Path(tmp) / "a.zarr", shape=FIELD.shape, chunks=(16, 16),
                                  dtype="f8", serializer=codec, compressors=None)
        array[...] = FIELD
        assert float(np.abs(np.asarray(array[...]) - FIELD).max()) < 1e-2


def hdf5_door() -> None:
    import h5py  # type: ignore[import-untyped,unused-ignore]  # h5py has no types

    import zfpcodec.hdf5 as zh

    with tempfile.TemporaryDirectory() as tmp, h5py.File(Path(tmp) / "run.h5", "w") as f:
        zh.write(f, "T", FIELD, chunks=(16, 16), tolerance=1e-3)
        # Any, as NumPy's and h5py's indexing: an array, or a NumPy scalar
        # when every axis is an integer
        back = zh.read(f["T"], (slice(0, 8), 3), threads=2)
        assert_type(back, Any)
        assert float(np.abs(back - FIELD[:8, 3]).max()) <= 1e-3
        (found,) = zh.zfp_datasets(f)
        assert_type(found.ratio, float)
        assert found.format is not None and found.format.mode.kind == "fixed_accuracy"


def cli_door() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, stream = Path(tmp) / "field.npy", Path(tmp) / "field.zfp"
        np.save(source, FIELD)
        status = main(["compress", str(source), "-a", "1e-3", "-o", str(stream), "-q"])
        assert_type(status, int)
        assert status == 0 and zfpy.header(stream.read_bytes())["mode"] == "tolerance"


if __name__ == "__main__":
    zfpy_door()
    engine_door()
    region_door()
    numcodecs_door()
    zarr3_door()
    hdf5_door()
    cli_door()
    print("every door passed")
