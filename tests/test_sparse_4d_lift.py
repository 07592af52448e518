"""4-D blocks with few significant coefficients are lifted back only inside
the box their coefficients lie in (int_transform.tmpl.h,
inverse_lift_sparse4).  The box's sizes come from the 4-D coefficient order
(csrc/order.h), and such blocks decode to zfpy 1.0.1's values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from oracle import Call

import zfpy

ROOT = Path(__file__).resolve().parent.parent


def _order4() -> list[int]:
    text = (ROOT / "csrc" / "order.h").read_text()
    body = re.search(r"order4\[256\] = \{(.*?)\};", text, re.S)
    assert body is not None
    return [int(v) for v in body.group(1).split(",") if v.strip()]


def _largest_index(prefix: list[int]) -> int:
    """The largest index along any axis among these linear block indices."""
    return max((i >> (2 * axis)) & 3 for i in prefix for axis in range(4))


def test_the_box_sizes_hold_for_the_coding_order():
    order = _order4()
    # n <= 11: every index under 2; n <= 31: under 3 (and no larger n fits)
    assert _largest_index(order[:11]) == 1 and _largest_index(order[:12]) == 2
    assert _largest_index(order[:31]) == 2 and _largest_index(order[:32]) == 3
    # from 35 on the box is the whole block along y, z and w
    assert all(max((i >> (2 * a)) & 3 for i in order[:35]) == 3 for a in (1, 2, 3))
    assert not all(max((i >> (2 * a)) & 3 for i in order[:34]) == 3 for a in (1, 2, 3))


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_few_coefficient_4d_blocks_decode_to_zfpys_values(dtype, seed, oracle):
    rng = np.random.default_rng(seed)
    shape = (9, 7, 8, 6)
    grid = np.indices(shape).sum(axis=0)
    smooth = np.sin(0.15 * grid) + 1e-3 * rng.standard_normal(shape)
    values = (np.round(smooth * 1e4) if dtype.startswith("int") else smooth).astype(dtype)
    # low precisions leave a few coefficients a block, higher ones more
    streams = [zfpy.compress_numpy(values, precision=p) for p in (2, 4, 6, 8, 12, 16, 20)]
    streams.append(zfpy.compress_numpy(values, rate=2.0))
    theirs = oracle.run([Call("decompress_numpy", s) for s in streams])
    for stream, decoded in zip(streams, theirs):
        assert decoded.ok
        assert zfpy.decompress_numpy(stream).tobytes() == decoded.value.tobytes()
