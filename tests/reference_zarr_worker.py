"""Runs the REFERENCE Zarr stack: LLNL zfpy 1.0.1 + numcodecs' ZFPY + zarr.

Executed with the Python of the ``.oracle/zarr-venv`` virtual environment
(see ``tests/reference_zarr.py``), which has no zfpcodec in it.  Reads a
JSON list of operations on stdin, runs them in order and prints one JSON
object: ``{"versions": {...}, "results": [...]}``.  Arrays travel as .npy
files, streams as raw files; every path is given by the caller.

Operations (``op`` key):

``encode``   {config, array, out}: ``get_codec(config).encode(array)`` -> out
``decode``   {data, out}: ``get_codec({"id": "zfpy"}).decode(data)`` -> out (.npy)
``write_v2`` {store, array, chunks, config, order}: a Zarr v2 array written
             with the codec of ``config`` as compressor
``write_v3`` {store, array, chunks, config}: a Zarr v3 array with
             ``zarr.codecs.numcodecs.ZFPY(**config)`` as serializer
``read``     {store, out}: the whole array -> out (.npy); the result names
             the codec class that zarr resolved
``update``   {store, array}: writes the array over an existing one (r+)

Standard library, NumPy, numcodecs and zarr only.
"""

import json
import sys
import warnings


def _codec(config):
    from numcodecs import get_codec

    codec = get_codec(dict(config))
    if type(codec).__module__ != "numcodecs.zfpy":
        raise RuntimeError(f"reference numcodecs resolved {config} to {type(codec)}, "
                           "not numcodecs.zfpy.ZFPY")
    return codec


def _qualified(obj):
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def run(op):
    import numpy as np
    import zarr

    kind = op["op"]
    if kind == "encode":
        data = _codec(op["config"]).encode(np.load(op["array"]))
        with open(op["out"], "wb") as f:
            f.write(data)
        return {"bytes": len(data)}
    if kind == "decode":
        with open(op["data"], "rb") as f:
            data = f.read()
        np.save(op["out"], _codec({"id": "zfpy"}).decode(data))
        return {}
    if kind == "write_v2":
        values = np.load(op["array"])
        array = zarr.create_array(op["store"], shape=values.shape, dtype=values.dtype,
                                  chunks=tuple(op["chunks"]), zarr_format=2,
                                  compressors=_codec(op["config"]),
                                  order=op.get("order", "C"), overwrite=True)
        array[...] = values
        return {"codec": _qualified(array.compressors[0])}
    if kind == "write_v3":
        from zarr.codecs.numcodecs import ZFPY

        values = np.load(op["array"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = zarr.create_array(op["store"], shape=values.shape, dtype=values.dtype,
                                      chunks=tuple(op["chunks"]),
                                      serializer=ZFPY(**op["config"]), compressors=None,
                                      overwrite=True)
            array[...] = values
        return {"codec": _qualified(array.serializer)}
    if kind == "read":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = zarr.open_array(op["store"], mode="r")
            np.save(op["out"], array[...])
        codec = array.compressors[0] if array.metadata.zarr_format == 2 else array.serializer
        inner = getattr(codec, "_codec", codec)
        return {"codec": _qualified(inner)}
    if kind == "update":
        array = zarr.open_array(op["store"], mode="r+")
        array[...] = np.load(op["array"])
        codec = array.compressors[0] if array.metadata.zarr_format == 2 else array.serializer
        return {"codec": _qualified(getattr(codec, "_codec", codec))}
    raise ValueError(f"unknown op {kind!r}")


def main():
    from importlib.metadata import version

    ops = json.load(sys.stdin)
    results = []
    for op in ops:
        try:
            results.append({"ok": True, **run(op)})
        except Exception as error:  # noqa: BLE001 - reported to the caller
            results.append({"ok": False, "error": f"{type(error).__name__}: {error}"})
    versions = {name: version(name) for name in ("zfpy", "numcodecs", "zarr", "numpy")}
    json.dump({"versions": versions, "python": sys.version.split()[0],
               "prefix": sys.prefix, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
