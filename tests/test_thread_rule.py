"""`threads=` follows one rule in every door (zfpy drop-in, native API,
numcodecs codec, Zarr v3 codec): an integer 0..2**32-1; bool and float are
TypeErrors (as `operator.index` has it), out of range a ValueError."""

from __future__ import annotations

import numpy as np
import pytest

import zfpy
from zfpcodec import ZFP, engine
from zfpcodec.modes import Mode
from zfpcodec.zarr3 import ZFPCodec

ARRAY = np.linspace(0, 1, 64).reshape(8, 8)
STREAM = zfpy.compress_numpy(ARRAY, rate=8)

DOORS = {
    "zfpy.compress_numpy": lambda t: zfpy.compress_numpy(ARRAY, rate=8, threads=t),
    "zfpy.decompress_numpy": lambda t: zfpy.decompress_numpy(STREAM, threads=t),
    "zfpy._decompress": lambda t: zfpy._decompress(STREAM[16:], zfpy.type_double, [8, 8],
                                                   rate=8, threads=t),
    "engine.compress": lambda t: engine.compress(ARRAY, Mode.from_args(rate=8), threads=t),
    "engine.decompress": lambda t: engine.decompress(STREAM, threads=t),
    "ZFP": lambda t: ZFP(rate=8, threads=t),
    "ZFPCodec": lambda t: ZFPCodec(rate=8, threads=t),
}


@pytest.mark.parametrize("door", sorted(DOORS))
@pytest.mark.parametrize("threads", [True, False, 2.0, 1.5, "2", None])
def test_threads_that_are_not_integers_are_type_errors_in_every_door(door, threads):
    with pytest.raises(TypeError, match="threads must be an integer"):
        DOORS[door](threads)


@pytest.mark.parametrize("door", sorted(DOORS))
@pytest.mark.parametrize("threads", [-1, 2**32, 2**63])
def test_thread_counts_out_of_range_are_value_errors_in_every_door(door, threads):
    with pytest.raises(ValueError, match=f"threads must be 0 .* not {threads}"):
        DOORS[door](threads)


@pytest.mark.parametrize("door", sorted(DOORS))
@pytest.mark.parametrize("threads", [0, 1, 3, np.int64(2)])
def test_integer_thread_counts_are_accepted_in_every_door(door, threads):
    DOORS[door](threads)
