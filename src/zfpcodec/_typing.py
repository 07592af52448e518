"""Type aliases of the public signatures, for type checkers only: the
modules import this one under ``typing.TYPE_CHECKING``, so it costs nothing
at run time and may use typing_extensions (which mypy always has)."""

from __future__ import annotations

from typing import Any, SupportsFloat, SupportsIndex, SupportsInt, TypeAlias

import numpy as np
from numpy.typing import NDArray
from typing_extensions import Buffer

# Compressed input: bytes, bytearray, memoryview, mmap, any buffer; NumPy
# arrays are named apart because NumPy declares their __buffer__ (the
# protocol's method) only for Python >= 3.12.
BufferLike: TypeAlias = Buffer | NDArray[Any]

# An array zfp compresses: int32, int64, float32 or float64 values (checked
# at run time); statically any integer or floating-point array.
NumericArray: TypeAlias = NDArray[np.integer[Any] | np.floating[Any]]

# What zfpy's C signature converts to a C double or a C integer.
Real: TypeAlias = SupportsFloat | SupportsIndex
Integer: TypeAlias = SupportsInt | SupportsIndex
