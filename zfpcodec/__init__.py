"""zfpcodec: a from-scratch, byte-exact implementation of the zfp compressed
format (LLNL zfp 1.0.x, codec version 5).

The engine is C (csrc/), reached through the zfpy-compatible functions of
`zfpcodec.api`, which the `zfpy` module re-exports unchanged.
"""

from .api import compress_numpy, decompress_numpy, header
from .errors import ZFPError

__version__ = "0.1.0"

__all__ = ["ZFPError", "compress_numpy", "decompress_numpy", "header", "__version__"]
