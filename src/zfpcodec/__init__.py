"""zfpcodec: a from-scratch, byte-exact implementation of the zfp compressed
format (LLNL zfp 1.0.x, codec version 5).

The engine is C (csrc/), reached through the zfpy-compatible functions of
`zfpcodec.api`, which the `zfpy` module re-exports unchanged.  The codecs:
`zfpcodec.ZFP` (numcodecs, Zarr v2) and `zfpcodec.zarr3.ZFPCodec` (Zarr v3).
"""

from importlib.metadata import version as _version
from typing import TYPE_CHECKING

from .api import compress_numpy, decompress_numpy, header
from .errors import ZFPError

__version__ = _version("zfpcodec")  # set once, in meson.build

__all__ = ["ZFP", "ZFPError", "compress_numpy", "decompress_numpy", "header", "__version__"]

if TYPE_CHECKING:
    from .codec import ZFP
else:
    def __getattr__(name: str) -> object:
        # ZFP (the numcodecs codec, zfpcodec.codec) is imported on first use,
        # so that `import zfpcodec` does not import numcodecs.  (Type
        # checkers see the import above instead, and so the class.)
        if name == "ZFP":
            from .codec import ZFP
            return ZFP
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
