"""One meaning per parameter, one exception family per mistake.

* Zarr v3 ``zfp`` configurations must have the zarr-extensions schema's
  JSON types: numbers for tolerance and rate, integers (unsigned but for
  minexp) for the rest; ``"8"``, ``19.0`` and ``true`` are refused, naming
  the field.
* Outside the zfpy door a tolerance must be > 0 (one rule, one message);
  numcodecs' -1 is the only "not given".  The zfpy door keeps zfpy 1.0.1's
  meanings (the ORACLE, tests/oracle.py), and stored numcodecs
  configurations keep the meaning their writer gave them.
* Describing a stream never overflows, whatever its minexp.
* Out-of-range arguments to our own doors are ValueError (or TypeError for
  the wrong type), never OverflowError; the zfpy door raises what zfpy does.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest

import zfpy
from oracle import Call
from zfpcodec import ZFP, ZFPError, engine
from zfpcodec.modes import Mode, describe_params

zarr = pytest.importorskip("zarr")
from zfpcodec.zarr3 import ZFPCodec  # noqa: E402

VALUES = np.cos(np.arange(64.0) / 5)


# --------------------------------------------------------------------------
# Zarr v3 configurations: the schema's types

@pytest.mark.parametrize("configuration, field, wanted", [
    ({"mode": "fixed_rate", "rate": "8"}, "rate", "a number"),
    ({"mode": "fixed_accuracy", "tolerance": "0.1"}, "tolerance", "a number"),
    ({"mode": "fixed_accuracy", "tolerance": True}, "tolerance", "a number"),
    ({"mode": "fixed_precision", "precision": 19.0}, "precision", "an integer"),
    ({"mode": "fixed_precision", "precision": True}, "precision", "an integer"),
    ({"mode": "fixed_precision", "precision": "19"}, "precision", "an integer"),
    ({"mode": "expert", "minbits": 1, "maxbits": 13.0, "maxprec": 19, "minexp": -2},
     "maxbits", "an integer"),
    ({"mode": "expert", "minbits": -1, "maxbits": 13, "maxprec": 19, "minexp": -2},
     "minbits", "an unsigned integer"),
    ({"mode": "expert", "minbits": 1, "maxbits": 13, "maxprec": None, "minexp": -2},
     "maxprec", "an integer"),
    ({"mode": "expert", "minbits": 1, "maxbits": 13, "maxprec": 19, "minexp": -2.5},
     "minexp", "an integer"),
])
def test_configurations_the_schema_forbids_are_refused_naming_the_field(configuration, field,
                                                                       wanted):
    with pytest.raises(ValueError, match=rf"field '{field}' must be {wanted}"):
        ZFPCodec.from_dict({"name": "zfp", "configuration": configuration})


@pytest.mark.parametrize("configuration", [
    {"mode": "fixed_rate", "rate": 8}, {"mode": "fixed_rate", "rate": 10.5},
    {"mode": "fixed_accuracy", "tolerance": 1}, {"mode": "fixed_accuracy", "tolerance": 0.05},
    {"mode": "fixed_precision", "precision": 19}, {"mode": "reversible"},
    {"mode": "expert", "minbits": 1, "maxbits": 13, "maxprec": 19, "minexp": -2},
])
def test_the_schemas_examples_and_json_integers_for_numbers_are_accepted(configuration):
    codec = ZFPCodec.from_dict({"name": "zfp", "configuration": configuration})
    assert codec.to_dict()["configuration"] == configuration


def test_a_store_whose_metadata_breaks_the_schema_does_not_open(tmp_path):
    array = zarr.create_array(tmp_path / "a.zarr", shape=(8,), dtype="f8",
                              serializer=ZFPCodec(rate=8), compressors=None)
    array[...] = np.arange(8.0)
    meta_path = tmp_path / "a.zarr" / "zarr.json"
    meta = json.loads(meta_path.read_text())
    meta["codecs"][0]["configuration"]["rate"] = "8"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="field 'rate' must be a number, not str '8'"):
        zarr.open_array(tmp_path / "a.zarr", mode="r")


def test_our_own_constructors_take_no_strings_for_numbers():
    for make in (lambda: ZFPCodec(rate="8"), lambda: Mode.from_args(tolerance="0.1"),
                 lambda: ZFP(rate="8")):
        with pytest.raises(TypeError, match="must be a real number, not str"):
            make()


# --------------------------------------------------------------------------
# tolerance <= 0

TOLERANCE_RULE = (r"^tolerance must be a finite number > 0, not \S+ \(it is the largest "
                  r"absolute error allowed; for lossless compression ask for reversible\)$")


@pytest.mark.parametrize("tolerance", [0, 0.0, -0.0, -5, -1e-3, math.inf])
def test_outside_the_zfpy_door_a_tolerance_must_be_positive(tolerance):
    doors = [lambda: Mode.from_args(tolerance=tolerance), lambda: ZFPCodec(tolerance=tolerance),
             lambda: ZFPCodec(mode="fixed_accuracy", tolerance=tolerance),
             lambda: ZFP(mode=4, tolerance=tolerance), lambda: ZFP(tolerance=tolerance)]
    for door in doors:
        with pytest.raises(ValueError, match=TOLERANCE_RULE):
            door()


@pytest.mark.parametrize("kwargs", [{"tolerance": -5}, {"rate": -2.5}, {"precision": -3},
                                    {"tolerance": -0.5, "rate": -1}])
def test_numcodecs_minus_one_is_the_only_not_given(kwargs):
    """numcodecs' ZFPY takes any negative value as "not given" (and then
    compresses losslessly); our ZFP refuses every negative but -1."""
    with pytest.raises(ValueError, match="must be"):
        ZFP(**kwargs)
    assert ZFP(tolerance=-1, rate=-1, precision=-1).zfp_mode == Mode.from_args()


@pytest.mark.parametrize("kwargs", [{"tolerance": -5}, {"tolerance": -0.0}, {"tolerance": 0},
                                    {"rate": -3}, {"precision": -7}])
def test_the_zfpy_door_keeps_zfpys_meanings(kwargs, oracle):
    (theirs,) = oracle.run([Call("compress_numpy", VALUES, **kwargs)])
    assert theirs.ok and zfpy.compress_numpy(VALUES, **kwargs) == theirs.value


@pytest.mark.parametrize("config, zfpy_kwargs", [
    ({"mode": 4, "tolerance": 0}, {"tolerance": 0}),
    ({"mode": 4, "tolerance": -5}, {"tolerance": -5}),
    ({"tolerance": 0}, {"tolerance": 0}),
])
def test_stored_configurations_keep_their_writers_meaning(config, zfpy_kwargs, oracle):
    """A configuration numcodecs' ZFPY wrote means what it meant to ZFPY:
    its chunks are zfpy.compress_numpy(**compression_kwargs)."""
    (theirs,) = oracle.run([Call("compress_numpy", VALUES, **zfpy_kwargs)])
    assert ZFP.from_config({"id": "zfpy", **config}).encode(VALUES) == theirs.value


def test_a_0d_array_gets_the_true_reason_outside_the_zfpy_door(oracle):
    with pytest.raises(ValueError, match="zfp compresses arrays of 1 to 4 dimensions, not 0"):
        engine.compress(np.array(1.0), Mode.from_args())
    assert ZFP().decode(ZFP().encode(np.array(2.5))).tolist() == [2.5]
    # the zfpy door keeps zfpy's words (docs/differences-from-zfpy.md)
    (theirs,) = oracle.run([Call("compress_numpy", np.array(1.0))])
    with pytest.raises(RuntimeError) as ours:
        zfpy.compress_numpy(np.array(1.0))
    assert (type(ours.value).__name__, str(ours.value)) == (theirs.exc_type, theirs.exc_msg)


# --------------------------------------------------------------------------
# describing streams with any minexp

def test_a_minexp_beyond_the_float_range_is_described_without_overflow(oracle):
    params = (1, 16658, 64, 1500)
    assert describe_params(params, 1) == \
        "fixed accuracy, tolerance 2^1500 (more than the largest float64)"
    assert Mode.from_params(params, 1) == Mode.from_args(minbits=1, maxbits=16658, maxprec=64,
                                                         minexp=1500)
    stream = engine.compress(VALUES, Mode.from_params(params, 1))
    assert engine.read_header(stream)[2] == params
    np.testing.assert_array_equal(engine.decompress(stream), np.zeros_like(VALUES))
    (theirs,) = oracle.run([Call("header", stream)])
    assert zfpy.header(stream) == theirs.value
    assert zfpy.header(stream)["config"]["tolerance"] == math.inf


def test_the_command_line_compresses_and_describes_minexp_1500(tmp_path):
    np.save(tmp_path / "x.npy", VALUES)
    for args in (["compress", "x.npy", "-c", "1", "16658", "64", "1500"],
                 ["info", "x.npy.zfp"]):
        done = subprocess.run([sys.executable, "-m", "zfpcodec", *args], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


# --------------------------------------------------------------------------
# one exception family

EXTREMES = [2**31, 2**32, 2**63, 2**64, 2**100, -1, -2**31 - 1, -2**63, -2**64, 1e300, -1e300,
            math.inf, math.nan]
PARAMETERS = ["tolerance", "rate", "precision", "minbits", "maxbits", "maxprec", "minexp",
              "threads"]


def our_doors(name, value):
    """Every way our own API takes parameter `name`."""
    kwargs = {name: value}
    kind = {"tolerance": "fixed_accuracy", "rate": "fixed_rate",
            "precision": "fixed_precision"}.get(name, "expert")
    yield lambda: ZFP(**kwargs).encode(VALUES)
    yield lambda: ZFPCodec(**kwargs)
    if name != "threads":
        yield lambda: engine.compress(VALUES, Mode.from_args(**kwargs))
        yield lambda: ZFP.from_config({"id": "zfpy", **kwargs}).encode(VALUES)
        yield lambda: ZFPCodec.from_dict({"name": "zfp",
                                          "configuration": {"mode": kind, **kwargs}})
    else:
        yield lambda: engine.decompress(engine.compress(VALUES, Mode.from_args()),
                                        threads=value)


@pytest.mark.parametrize("name", PARAMETERS)
def test_out_of_range_arguments_to_our_doors_are_value_errors(name):
    for value, door in itertools.chain.from_iterable(
            ((value, door) for door in our_doors(name, value)) for value in EXTREMES):
        try:
            door()
        except (ValueError, TypeError):
            pass  # ZFPError is a ValueError


@pytest.mark.parametrize("size", [2**64, 2**100])
def test_shapes_beyond_a_size_t_are_value_errors(size):
    stream = engine.compress(VALUES, Mode.from_args(rate=8), header=False)
    for shape in ((size,), (2, size)):
        with pytest.raises(ValueError, match="longer than 2\\*\\*64 - 1"):
            engine.decompress(stream, dtype="f8", shape=shape, mode=Mode.from_args(rate=8))
        with pytest.raises(ValueError, match="longer than 2\\*\\*64 - 1"):
            engine.stream_bits(stream, dtype="f8", shape=shape, mode=Mode.from_args(rate=8))


@pytest.mark.parametrize("call", [
    Call("compress_numpy", VALUES, precision=2**31),
    Call("_decompress", b"\0" * 8, 4, [-1]),
    Call("_decompress", b"\0" * 8, 4, [2**64]),
])
def test_the_zfpy_door_raises_what_zfpy_raises(call, oracle):
    (theirs,) = oracle.run([call])
    args, kwargs = call.materialized_args()
    with pytest.raises(OverflowError):
        getattr(zfpy, call.func)(*args, **kwargs)
    assert theirs.exc_type == "OverflowError"


def test_a_stream_error_stays_a_value_error():
    with pytest.raises(ValueError):
        engine.decompress(b"zfp")
    assert issubclass(ZFPError, ValueError)


# --------------------------------------------------------------------------
# reversible=True: one keyword in every codec

def _codec_classes():
    from zfpcodec import MaskedZFP
    from zfpcodec.zarr3_masked import MaskedZFPCodec
    return [ZFP, MaskedZFP, ZFPCodec, MaskedZFPCodec]


@pytest.mark.parametrize("cls", _codec_classes(), ids=lambda c: c.__name__)
def test_every_codec_takes_reversible_true_as_the_reversible_mode(cls):
    """The mode error names `reversible` among the choices, so every codec
    takes it (the masked and Zarr v3 codecs once raised TypeError)."""
    assert cls(reversible=True) == cls() == cls(mode="reversible")
    assert cls(reversible=True, mode="reversible") == cls()
    assert cls(reversible=False, rate=8) == cls(rate=8)
    with pytest.raises(ValueError, match="not tolerance and reversible"):
        cls(tolerance=0.1, reversible=True)
    with pytest.raises(ValueError, match="does not take reversible"):
        cls(mode="fixed_rate", rate=8, reversible=True)
