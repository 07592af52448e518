"""Child process: reads kerchunk references with zarr and xarray, with h5py
made unimportable, and proves that no HDF5 library was loaded.

argv: references JSON path, output .npz path, fsspec remote protocol,
remote options as JSON.  Every array goes into the .npz (keys: paths with
"/" as "__"); stdout gets JSON: {"attrs": {path: attrs}, "xarray": {group:
{variable: [dims]}}, "hdf5_loaded": bool}.
"""

from __future__ import annotations

import json
import sys

sys.modules["h5py"] = None  # any import of h5py now fails

import fsspec  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
import zarr  # noqa: E402
from zarr.storage import FsspecStore  # noqa: E402


def main() -> None:
    refs_path, out_path, protocol, options = sys.argv[1:5]
    with open(refs_path) as handle:
        refs = json.load(handle)
    options = json.loads(options)
    if protocol != "file":  # zarr's store is async, and so must the target be
        options["asynchronous"] = True
    fs = fsspec.filesystem("reference", fo=refs, remote_protocol=protocol,
                           remote_options=options, asynchronous=True)
    store = FsspecStore(fs, read_only=True, path="")
    root = zarr.open_group(store, mode="r", zarr_format=2)
    arrays, attrs, datasets = {}, {"": dict(root.attrs)}, {}
    for path, array in root.members(max_depth=None):
        attrs[path] = dict(array.attrs)
        if isinstance(array, zarr.Array):
            arrays[path.replace("/", "__")] = array[...]
    for group in [""] + [path for path, item in root.members(max_depth=None)
                         if isinstance(item, zarr.Group)]:
        opened = xr.open_dataset(store, engine="zarr", group=group or None, zarr_format=2,
                                 chunks=None)
        datasets[group] = {name: list(variable.dims)
                           for name, variable in opened.data_vars.items()}
        for name, variable in opened.data_vars.items():
            arrays[f"xarray:{group}/{name}".replace("/", "__")] = variable.values
    np.savez(out_path, **arrays)
    with open("/proc/self/maps") as maps:
        loaded = "hdf5" in maps.read()
    json.dump({"attrs": attrs, "xarray": datasets, "hdf5_loaded": loaded}, sys.stdout,
              default=str)


if __name__ == "__main__":
    main()
