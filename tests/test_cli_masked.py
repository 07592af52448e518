"""The command line with missing values, run as a subprocess on real files:
``compress --missing`` (a masked container that ``decompress`` and ``info``
read), ``zarr --missing`` (the masked codecs), and the refusal of lossy
streams whose error bound cannot hold (``--allow-unbounded`` overrides it).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from test_cli import EXIT_FAILURE, fails, needs_zarr, run
from zfpcodec import engine, masked
from zfpcodec.modes import Mode

FILL = -1e10
TOLERANCE = 0.1


def ocean(dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """(values, land mask): smooth temperatures with a land patch at FILL
    that cuts through blocks, so valid values share blocks with it."""
    y, x = np.mgrid[0:30, 0:45]
    values = (15 + 5 * np.sin(x / 7.0) * np.cos(y / 5.0)).astype(dtype)
    land = (x - 20) ** 2 + (y - 14) ** 2 < 60
    values[land] = FILL
    return values, land


def save(tmp_path, name: str, values: np.ndarray):
    path = tmp_path / name
    np.save(path, values)
    return path


@pytest.mark.parametrize("fill", [2 ** 63 - 1, 2 ** 53 + 1, -2 ** 63])
def test_an_int64_fill_value_is_taken_exactly(tmp_path, fill):
    """--missing reads an integer as one: through float() INT64_MAX became
    2^63, matched nothing, and came back as INT64_MIN; 2^53 + 1 matched the
    valid values 2^53 instead."""
    values = np.array([1, 2, 3, fill, 5, 2 ** 53, 7, 8] * 4, dtype=np.int64)
    source = save(tmp_path, "i.npy", values)
    stderr = run("compress", source, "-p", "16", "--missing", str(fill),
                 "-o", tmp_path / "i.zfp").stderr
    assert f"4 of 32 values missing ({fill})" in stderr   # (integers: no NaN)
    run("decompress", tmp_path / "i.zfp", "-o", tmp_path / "back.npy", "-q")
    back = np.load(tmp_path / "back.npy")
    assert np.array_equal(back[values == fill], values[values == fill])


@pytest.mark.parametrize("dtype, fill, words", [
    (np.float32, "1e40", "1e+40 (no float32 value: none equals it)"),
    (np.int32, "0.5", "0.5 (no int32 value: none equals it)"),
    (np.int32, "-1e10", "-1e+10 (no int32 value: none equals it)")])
def test_a_fill_value_the_type_cannot_hold_is_said_to_match_nothing(tmp_path, dtype, fill,
                                                                    words):
    # accepted (NaN and +-inf still count in floats), but the user is told
    # why no value counted as missing
    source = save(tmp_path, "v.npy", np.arange(32, dtype=dtype))
    stderr = run("compress", source, "-R", "--missing", fill, "-o", tmp_path / "v.zfp").stderr
    assert "0 of 32 values missing (" in stderr and words in stderr, stderr


def test_missing_values_out_of_every_range_are_named():
    fails("compress", "x.npy", "--missing", "1" + "0" * 400, "-r", "8", expect=2,
          message="out of range")
    fails("compress", "x.npy", "--missing", "banana", "-r", "8", expect=2,
          message="'banana' is not 'nan' or a number")


@pytest.mark.parametrize("missing, dtype", [("-1e10", np.float32), ("nan", np.float64)])
def test_compress_missing_round_trip_restores_missing_values_bit_for_bit(tmp_path, missing,
                                                                         dtype):
    values, land = ocean(dtype)
    if missing == "nan":   # a NaN with a payload, and an infinity: both come back exactly
        values[land] = np.float64(np.nan)
        values.view(np.uint64)[land.nonzero()[0][0], land.nonzero()[1][0]] |= np.uint64(0x1234)
        values[land.nonzero()[0][-1], land.nonzero()[1][-1]] = -np.inf
    source = save(tmp_path, "sst.npy", values)
    stderr = run("compress", source, "-a", TOLERANCE, "--missing", missing,
                 "-o", tmp_path / "sst.zfp").stderr
    assert f"{land.sum()} of {values.size} values missing" in stderr
    data = (tmp_path / "sst.zfp").read_bytes()
    assert data.startswith(masked.MAGIC)
    run("decompress", tmp_path / "sst.zfp", "-o", tmp_path / "back.npy")
    back = np.load(tmp_path / "back.npy")
    assert back.dtype == values.dtype and back.shape == values.shape
    uint = np.uint32 if dtype == np.float32 else np.uint64
    assert np.array_equal(back.view(uint)[land], values.view(uint)[land])
    assert np.max(np.abs(back[~land] - values[~land])) <= TOLERANCE
    assert np.array_equal(back, masked.decode(data), equal_nan=True)


@pytest.mark.parametrize("options", [["-a", TOLERANCE], ["-r", 8]])
def test_compress_refuses_a_fill_value_and_nan_in_lossy_modes(tmp_path, options):
    values, land = ocean()
    with_fill = save(tmp_path, "fill.npy", values)
    values[land] = np.nan
    with_nan = save(tmp_path, "nan.npy", values)
    if options[0] == "-a":   # a fill value breaks only the tolerance's bound
        stderr = fails("compress", with_fill, *options, expect=EXIT_FAILURE,
                       message="span a dynamic range too wide for the tolerance")
        assert "--missing" in stderr and "--reversible" in stderr
        assert "--allow-unbounded" in stderr
    stderr = fails("compress", with_nan, *options, expect=EXIT_FAILURE,
                   message="hold NaN or +-inf")
    assert "--missing nan" in stderr and "--reversible" in stderr
    assert not list(tmp_path.glob("*.zfp")) and not list(tmp_path.glob(".*"))


def test_compress_refuses_integers_in_fixed_accuracy_naming_the_modes_that_take_them(tmp_path):
    """zfp's fixed accuracy bounds no integer error (all bit planes, a few
    units off whatever the tolerance): refused, no output left; the fix
    names the integer modes; --allow-unbounded stores zfp's stream."""
    values = (np.arange(64 * 64).reshape(64, 64) * 37 % 1001).astype(np.int32)
    source = save(tmp_path, "ints.npy", values)
    stderr = fails("compress", source, "-a", 0.5, expect=EXIT_FAILURE,
                   message="fixed accuracy does not bound errors of int32")
    assert "Fix: --precision or --rate, or --reversible (lossless)" in stderr
    assert not list(tmp_path.glob("*.zfp")) and not list(tmp_path.glob(".*"))
    run("compress", source, "-a", 0.5, "--allow-unbounded", "-o", tmp_path / "u.zfp")
    stream = (tmp_path / "u.zfp").read_bytes()
    assert stream == engine.compress(values, Mode.from_args(tolerance=0.5))
    assert np.abs(engine.decompress(stream).astype(np.int64) - values).max() > 0.5
    run("compress", source, "-p", 32, "-o", tmp_path / "p.zfp")


def test_compress_stores_lossless_and_clean_fields_without_refusing(tmp_path):
    values, land = ocean()
    source = save(tmp_path, "fill.npy", values)
    run("compress", source, "-R", "-o", tmp_path / "r.zfp")
    assert np.array_equal(engine.decompress((tmp_path / "r.zfp").read_bytes()), values)
    clean = save(tmp_path, "clean.npy", np.where(land, 15, values).astype(np.float32))
    run("compress", clean, "-a", TOLERANCE, "-o", tmp_path / "c.zfp")
    assert (tmp_path / "c.zfp").read_bytes().startswith(b"zfp")


def test_allow_unbounded_stores_the_plain_stream_the_engine_writes(tmp_path):
    values, land = ocean()
    source = save(tmp_path, "fill.npy", values)
    run("compress", source, "-a", TOLERANCE, "--allow-unbounded", "-o", tmp_path / "u.zfp")
    stream = (tmp_path / "u.zfp").read_bytes()
    assert stream == engine.compress(values, Mode.from_args(tolerance=TOLERANCE))
    back = engine.decompress(stream)
    assert np.max(np.abs(back[~land] - values[~land])) > TOLERANCE   # what was allowed


@pytest.mark.parametrize("missing", ["nan", str(FILL)])
def test_decompress_region_of_a_masked_container_is_that_part_of_the_whole(tmp_path, missing):
    """--region selects from a masked container what it selects from a zfp
    stream, the missing values in it restored bit for bit (it was refused,
    naming fixed-rate streams, though it reads every mode's)."""
    values, land = ocean(np.float64)
    if missing == "nan":
        values[land] = np.nan
        values.view(np.uint64)[land.nonzero()[0][0], land.nonzero()[1][0]] |= np.uint64(0x1234)
    source = save(tmp_path, "sst.npy", values)
    run("compress", source, "-a", TOLERANCE, "--missing", missing, "-o", tmp_path / "m.zfp")
    whole = masked.decode((tmp_path / "m.zfp").read_bytes())
    for region, index in [("10:20, 15:30", np.s_[10:20, 15:30]), ("14, 20", np.s_[14, 20]),
                          ("..., [28, 3, 20]", np.s_[..., [28, 3, 20]]),
                          ("::-3, 5:1", np.s_[::-3, 5:1])]:
        run("decompress", tmp_path / "m.zfp", "--region", region, "-o", tmp_path / "r.npy",
            "-f", "-q")
        part = np.load(tmp_path / "r.npy")
        assert part.shape == whole[index].shape
        assert part.tobytes() == np.ascontiguousarray(whole[index]).tobytes(), region
        missing_here = land[index]
        assert np.array_equal(part.view(np.uint64)[missing_here],
                              values[index].view(np.uint64)[missing_here])
    fails("decompress", tmp_path / "m.zfp", "--region", "0, 45", "-o", tmp_path / "x.npy",
          expect=EXIT_FAILURE, message="--region: index 45 is out of bounds for axis 1")
    assert not (tmp_path / "x.npy").exists()


def test_masked_container_refuses_no_header_and_decompress_mode_options(tmp_path):
    values, _ = ocean()
    source = save(tmp_path, "fill.npy", values)
    fails("compress", source, "-a", TOLERANCE, "--missing", FILL, "--no-header",
          expect=2, message="drop --no-header")
    run("compress", source, "-a", TOLERANCE, "--missing", FILL, "-o", tmp_path / "m.zfp")
    fails("decompress", tmp_path / "m.zfp", "-t", "f32", "--shape", "30,45", "-a", TOLERANCE,
          "-o", tmp_path / "x.npy", expect=2, message="is a masked container")


def test_info_describes_a_masked_container(tmp_path):
    values, land = ocean()
    source = save(tmp_path, "fill.npy", values)
    run("compress", source, "-a", TOLERANCE, "--missing", FILL, "-o", tmp_path / "m.zfp")
    data = (tmp_path / "m.zfp").read_bytes()
    inner = masked.read(data).stream.nbytes
    text = run("info", tmp_path / "m.zfp").stdout
    assert f"masked (magic ZFPM): {land.sum()} of {values.size} values missing" in text
    assert "fixed accuracy" in text and f"{len(data)} bytes" in text
    assert f"zfp stream   {inner} bytes (ratio {values.nbytes / inner:.4g})" in text
    info = json.loads(run("info", "--json", "--verify", tmp_path / "m.zfp").stdout)
    assert info["stream_bytes"] == len(data) and info["mode"] == "fixed accuracy"
    assert info["masked"] == dict(missing_values=int(land.sum()), zfp_stream_bytes=inner,
                                  zfp_ratio=values.nbytes / inner)
    (tmp_path / "cut.zfp").write_bytes(data[:20])
    fails("info", tmp_path / "cut.zfp", expect=EXIT_FAILURE, message="truncated")


def test_stats_measures_a_field_whose_bound_breaks_with_a_note(tmp_path):
    values, _ = ocean()
    source = save(tmp_path, "fill.npy", values)
    result = run("stats", source, "-a", TOLERANCE, "-R")
    assert "note: tolerance 0.1: the error bound does not hold" in result.stderr
    assert "reversible: " not in result.stderr   # lossless settings hold
    rows = result.stdout.splitlines()[-2:]
    assert rows[0].startswith("tolerance 0.1") and rows[1].startswith("reversible")


@pytest.mark.parametrize("missing", [str(FILL), "nan"])
def test_stats_missing_measures_the_masked_container(tmp_path, missing):
    """stats --missing measures what compress --missing writes: the ratio of
    the whole container, errors over the valid values only (stats had no
    --missing: a field with NaN measured max error and PSNR as nan)."""
    values, land = ocean(np.float64)
    if missing == "nan":
        values[land] = np.nan
    source = save(tmp_path, "sst.npy", values)
    plain = run("stats", source, "-a", TOLERANCE, "--json").stdout
    measured = json.loads(run("stats", source, "-a", TOLERANCE, "-r", "16", "--missing",
                              missing, "--json").stdout)
    assert measured["missing"] == land.sum()
    for row, options in zip(measured["rows"], (["-a", TOLERANCE], ["-r", "16"])):
        run("compress", source, *options, "--missing", missing, "-o", tmp_path / "m.zfp", "-f")
        container = (tmp_path / "m.zfp").read_bytes()
        back = masked.decode(container)
        assert row["stream_bytes"] == len(container)
        assert row["ratio"] == values.nbytes / len(container)
        assert row["max_error"] == np.max(np.abs(back[~land] - values[~land]))
        assert row["psnr"] > 0
    assert measured["rows"][0]["max_error"] <= TOLERANCE
    assert json.loads(plain)["missing"] is None
    if missing == "nan":   # without --missing: nan errors, and the table says why
        assert math.isnan(json.loads(plain)["rows"][0]["max_error"])
        head = run("stats", source, "-a", TOLERANCE).stdout.splitlines()[0]
        assert head.endswith(f"{land.sum()} NaN or +-inf (--missing nan measures them stored "
                             f"exactly), the others in [{values[~land].min():.6g}, "
                             f"{values[~land].max():.6g}]")
    head = run("stats", source, "-a", TOLERANCE, "--missing", missing).stdout.splitlines()[0]
    assert f"{land.sum()} of {values.size} values missing" in head


@needs_zarr
@pytest.mark.parametrize("zarr_format, codec", [(2, "MaskedZFP"), (3, "MaskedZFPCodec")])
def test_zarr_missing_uses_the_masked_codec(tmp_path, zarr_format, codec):
    import zarr
    values, land = ocean()
    source = save(tmp_path, "fill.npy", values)
    fails("zarr", source, tmp_path / "refused.zarr", "-a", TOLERANCE, "--chunks", "16,16",
          "--zarr-format", zarr_format, expect=EXIT_FAILURE,
          message="span a dynamic range too wide")
    assert not (tmp_path / "refused.zarr").exists()
    run("zarr", source, tmp_path / "m.zarr", "-a", TOLERANCE, "--missing", FILL,
        "--chunks", "16,16", "--zarr-format", zarr_format)
    z = zarr.open_array(tmp_path / "m.zarr", mode="r")
    codecs = z.compressors if zarr_format == 2 else (z.serializer,)
    assert [type(c).__name__ for c in codecs] == [codec]
    assert "zfpcodec.masked" in json.dumps(z.metadata.to_dict())
    back = z[...]
    assert np.array_equal(back[land], values[land])
    assert np.max(np.abs(back[~land] - values[~land])) <= TOLERANCE
