"""Child process of tests/h5plugin.py: the REFERENCE, h5py with hdf5plugin's
H5Z-ZFP (filter 32013) loaded.  Reads one JSON job from argv[1], writes its
JSON answer to stdout.

Jobs:

``{"action": "write", "file": f, "datasets": [spec, ...]}``
    creates each dataset through the plugin: spec = {"name", "data" (a .npy
    path), "chunks", "zfp" (hdf5plugin.Zfp keyword arguments), optional
    "fillvalue" and "regions" (write only these [[start, stop], ...] boxes
    of the data; default all of it), and "pipeline" (the filters in order,
    of "zfp", "shuffle" and "deflate", which h5py's keywords cannot order;
    no fill value then)}.
``{"action": "write_ours", "file": f, "datasets": [spec, ...]}``
    the same through zfpcodec.hdf5.write, with the plugin loaded ("zfp"
    holds zfpcodec's mode arguments).
``{"action": "read", "file": f, "out": npz}``
    reads every dataset through the plugin into the .npz (keys: dataset
    paths with "/" as "__").

The answer: ``{"cd_values": {path: [...]}, "filter_name": {path: str}}``.
"""

from __future__ import annotations

import json
import sys

import h5py
import hdf5plugin
import numpy as np


def datasets(file: h5py.File) -> list[h5py.Dataset]:
    found: list[h5py.Dataset] = []
    file.visititems(lambda _, item: found.append(item)
                    if isinstance(item, h5py.Dataset) else None)
    return found


def write(file: h5py.File, spec: dict) -> None:
    data = np.load(spec["data"])
    kwargs = {"fillvalue": spec["fillvalue"]} if "fillvalue" in spec else {}
    if "pipeline" in spec:
        dataset = with_pipeline(file, spec, data)
    else:
        dataset = file.create_dataset(spec["name"], shape=data.shape, dtype=data.dtype,
                                      chunks=tuple(spec["chunks"]),
                                      **hdf5plugin.Zfp(**spec["zfp"]), **kwargs)
    for box in spec.get("regions", [[[0, n] for n in data.shape]]):
        where = tuple(slice(start, stop) for start, stop in box)
        dataset[where] = data[where]


def with_pipeline(file: h5py.File, spec: dict, data: np.ndarray) -> h5py.Dataset:
    """A dataset whose filters are spec["pipeline"], in that order."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk(tuple(spec["chunks"]))
    for step in spec["pipeline"]:
        if step == "zfp":
            dcpl.set_filter(hdf5plugin.ZFP_ID, h5py.h5z.FLAG_MANDATORY,
                            hdf5plugin.Zfp(**spec["zfp"])["compression_opts"])
        elif step == "shuffle":
            dcpl.set_shuffle()
        else:
            dcpl.set_deflate(6)
    return h5py.Dataset(h5py.h5d.create(file.id, spec["name"].encode(),
                                        h5py.h5t.py_create(data.dtype),
                                        h5py.h5s.create_simple(data.shape), dcpl=dcpl))


def write_ours(file: h5py.File, spec: dict) -> None:
    import zfpcodec.hdf5

    assert h5py.h5z.filter_avail(hdf5plugin.ZFP_ID)
    kwargs = {"fillvalue": spec["fillvalue"]} if "fillvalue" in spec else {}
    zfpcodec.hdf5.write(file, spec["name"], np.load(spec["data"]),
                        chunks=tuple(spec["chunks"]), **spec["zfp"], **kwargs)


def main() -> None:
    with open(sys.argv[1]) as handle:
        job = json.load(handle)
    action = job["action"]
    mode = "r" if action == "read" else "a"
    answer: dict = {"cd_values": {}, "filter_name": {}}
    with h5py.File(job["file"], mode) as file:
        if action in ("write", "write_ours"):
            for spec in job["datasets"]:
                (write if action == "write" else write_ours)(file, spec)
        if action == "read":
            np.savez(job["out"], **{d.name.strip("/").replace("/", "__"): d[()]
                                    for d in datasets(file)})
        for dataset in datasets(file):
            plist = dataset.id.get_create_plist()
            if plist.get_nfilters():
                filter_id, _, cd_values, name = plist.get_filter(0)
                answer["cd_values"][dataset.name] = [int(v) for v in cd_values]
                answer["filter_name"][dataset.name] = name.decode()
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
