"""zfpcodec: a from-scratch, byte-exact implementation of the zfp compressed
format (LLNL zfp 1.0.x, codec version 5).

The engine is C (csrc/), reached through the zfpy-compatible functions of
`zfpcodec.api`, which the `zfpy` module re-exports unchanged.  The codecs:
`zfpcodec.ZFP` (numcodecs, Zarr v2) and `zfpcodec.zarr3.ZFPCodec` (Zarr v3);
for arrays with missing values (NaN, fill values), `zfpcodec.MaskedZFP` and
`zfpcodec.zarr3.MaskedZFPCodec` (docs/masked-format.md).
"""

from importlib import import_module
from typing import TYPE_CHECKING

from .errors import ZFPError

__all__ = ["BoundReport", "MaskedZFP", "ZFP", "ZFPError", "accuracy_holds", "compress_numpy",
           "decompress_numpy", "header", "__version__"]

# Where each public name lives, imported on first use: `import zfpcodec`
# then imports neither NumPy nor numcodecs, so that the command line
# (zfpcodec.cli) catches a Ctrl-C while they load, and a script that only
# needs ZFPError pays for nothing else.
_LAZY = {"compress_numpy": ".api", "decompress_numpy": ".api", "header": ".api",
         "BoundReport": ".bound", "accuracy_holds": ".bound",
         "ZFP": ".codec", "MaskedZFP": ".masked_codec"}

if TYPE_CHECKING:
    from .api import compress_numpy, decompress_numpy, header
    from .bound import BoundReport, accuracy_holds
    from .codec import ZFP
    from .masked_codec import MaskedZFP
    __version__: str
else:
    def __getattr__(name: str) -> object:
        # (Type checkers see the imports above instead.)  The version is
        # set once, in meson.build: importlib.metadata takes a tenth of a
        # second to import, which every command line call paid.
        if name == "__version__":
            from importlib.metadata import version
            globals()[name] = version("zfpcodec")
            return globals()[name]
        if name in _LAZY:
            value = getattr(import_module(_LAZY[name], __name__), name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__all__))
