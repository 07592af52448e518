"""HDF5 datasets compressed with the H5Z-ZFP filter (id 32013), without it.

* `read` (an open ``h5py.Dataset`` in, NumPy out) and `write` / `create`
  (a new dataset that any HDF5 program with H5Z-ZFP reads) need h5py, not
  the plugin: the chunks go through ``read_direct_chunk`` and
  ``write_direct_chunk`` and the C engine.
* `H5ZZFP` is a numcodecs codec for those chunks (id ``h5z_zfp``), and
  `references` maps an HDF5 file to kerchunk references that Zarr and
  xarray read through fsspec, with no HDF5 library at read time.
* `zfp_datasets` lists a file's H5Z-ZFP datasets with modes and sizes.
* `FilterFormat` is the filter's stored format (h5z_zfp.py).

h5py is an optional dependency (``pip install zfpcodec[hdf5]``); it is
imported by the functions that touch HDF5 files.
"""

from typing import TYPE_CHECKING

from .catalog import ZFPDataset, zfp_datasets
from .h5z_zfp import FILTER_ID, FilterFormat
from .reader import read
from .writer import ChunkWriter, create, create_with_mode, write

__all__ = ["FILTER_ID", "ChunkWriter", "FilterFormat", "H5ZZFP", "ReferenceWarning",
           "ZFPDataset", "create", "create_with_mode", "read", "references", "write",
           "zfp_datasets"]


if TYPE_CHECKING:
    from .codec import H5ZZFP
    from .kerchunk_refs import ReferenceWarning, references
else:
    def __getattr__(name: str) -> object:
        # the codec and the references import numcodecs: only on first use
        # (type checkers see the imports above)
        if name == "H5ZZFP":
            from .codec import H5ZZFP
            return H5ZZFP
        if name in ("references", "ReferenceWarning"):
            from . import kerchunk_refs
            return getattr(kerchunk_refs, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
