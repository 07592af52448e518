"""Drop-in replacement for the zfpy 1.0.1 bindings, backed by zfpcodec.

Same names, defaults, constants and streams as zfpy; where zfpy crashes or
returns garbage (empty arrays, truncated streams, broadcast or structured
views, undersized `out`), a clear exception or the right answer instead.
One addition, `accuracy_holds(arr, tolerance)`, tells whether zfp's
fixed-accuracy bound holds for an array before it is compressed.
"""

import numpy as np  # zfpy exposes it as zfpy.np

from zfpcodec.api import _decompress as _decompress  # public in zfpy, not in `import *`
from zfpcodec.api import (
    HEADER_FULL,
    HEADER_MAGIC,
    HEADER_META,
    HEADER_MODE,
    Memory,
    compress_numpy,
    decompress_numpy,
    dtype_to_format,
    dtype_to_ztype,
    header,
    mode_expert,
    mode_fixed_accuracy,
    mode_fixed_precision,
    mode_fixed_rate,
    mode_null,
    type_double,
    type_float,
    type_int32,
    type_int64,
    type_none,
    zfp_mode_map,
    zfp_to_dtype_map,
    zip_longest,
    zmode_to_str,
    ztype_to_dtype,
)

# what `from zfpy import *` gives, as with zfpy (and what type checkers see
# as exported, besides _decompress)
__all__ = [
    "np",
    "HEADER_FULL",
    "HEADER_MAGIC",
    "HEADER_META",
    "HEADER_MODE",
    "Memory",
    "compress_numpy",
    "decompress_numpy",
    "dtype_to_format",
    "dtype_to_ztype",
    "header",
    "mode_expert",
    "mode_fixed_accuracy",
    "mode_fixed_precision",
    "mode_fixed_rate",
    "mode_null",
    "type_double",
    "type_float",
    "type_int32",
    "type_int64",
    "type_none",
    "zfp_mode_map",
    "zfp_to_dtype_map",
    "zip_longest",
    "zmode_to_str",
    "ztype_to_dtype",
]

# Our addition: zfpy stores arrays whose fixed-accuracy bound cannot hold
# (NaN, +-inf, fill values beside small values) without a word, and so does
# this drop-in; accuracy_holds(arr, tolerance).holds asks first.
from zfpcodec.bound import accuracy_holds as accuracy_holds  # noqa: E402
