"""What every numcodecs codec of this package shares: numcodecs' `Codec` as
base when numcodecs is installed (it is optional: the codecs also work
without it, called directly), identity by configuration, and immutability.

numcodecs compares codecs by their configurations, and Zarr keeps codecs in
array metadata and dask graphs, where a codec changed after it was used
would describe chunks it did not write: so a codec cannot be changed, only
replaced.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numcodecs.abc import Codec as _CodecBase
else:
    try:
        from numcodecs.abc import Codec as _CodecBase
    except ImportError:  # numcodecs is an optional dependency
        _CodecBase = object

__all__ = ["FrozenCodec"]


class FrozenCodec(_CodecBase):
    """A codec equal to any object whose ``get_config()`` is equal to its
    own, hashed by that configuration, whose attributes cannot be set
    (``__init__`` sets them with ``object.__setattr__``)."""

    def __eq__(self, other: object) -> bool:
        try:
            return bool(self.get_config() == getattr(other, "get_config")())
        except AttributeError:
            return False

    def __hash__(self) -> int:
        return hash(json.dumps(self.get_config(), sort_keys=True))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; make a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")
