"""zfpcodec: a from-scratch, byte-exact implementation of the zfp compressed
format (LLNL zfp 1.0.x, codec version 5).

The engine is C (csrc/), reached through the zfpy-compatible functions of
`zfpcodec.api`, which the `zfpy` module re-exports unchanged.  The codecs:
`zfpcodec.ZFP` (numcodecs, Zarr v2) and `zfpcodec.zarr3.ZFPCodec` (Zarr v3);
for arrays with missing values (NaN, fill values), `zfpcodec.MaskedZFP` and
`zfpcodec.zarr3.MaskedZFPCodec` (docs/masked-format.md).
"""

from typing import TYPE_CHECKING

from .api import compress_numpy, decompress_numpy, header
from .bound import BoundReport, accuracy_holds
from .errors import ZFPError

__all__ = ["BoundReport", "MaskedZFP", "ZFP", "ZFPError", "accuracy_holds", "compress_numpy",
           "decompress_numpy", "header", "__version__"]

if TYPE_CHECKING:
    from .codec import ZFP
    from .masked_codec import MaskedZFP
    __version__: str
else:
    def __getattr__(name: str) -> object:
        # the numcodecs codecs are imported on first use, so that
        # `import zfpcodec` does not import numcodecs.  (Type checkers see
        # the imports above instead, and so the classes.)  So is the
        # version (set once, in meson.build): importlib.metadata takes a
        # tenth of a second to import, which every command line call paid.
        if name == "__version__":
            from importlib.metadata import version
            globals()[name] = version("zfpcodec")
            return globals()[name]
        if name == "ZFP":
            from .codec import ZFP
            return ZFP
        if name == "MaskedZFP":
            from .masked_codec import MaskedZFP
            return MaskedZFP
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
