"""`references`: an HDF5 file as kerchunk references, for Zarr without HDF5.

The references (kerchunk's JSON format, version 1, Zarr v2 metadata) name,
for every chunk of every dataset, the byte range of the file holding it::

    {"version": 1, "refs": {
        ".zgroup": "{\\"zarr_format\\": 2}",
        "temperature/.zarray": "{... \\"compressor\\": {\\"id\\": \\"h5z_zfp\\", ...}}",
        "temperature/.zattrs": "{\\"_ARRAY_DIMENSIONS\\": [\\"phony_dim_0\\", ...]}",
        "temperature/0.0": ["s3://bucket/file.h5", 4016, 958], ...}}

so that ``zarr`` reads the file in place, local or in object storage,
through fsspec's ``reference`` file system.  Scanning needs h5py; reading
the references needs zarr, fsspec and numcodecs (and zfpcodec for the
``h5z_zfp`` codec), not HDF5.

HDF5 filters become numcodecs codecs: H5Z-ZFP -> `H5ZZFP`, deflate ->
``zlib``, shuffle -> ``shuffle`` (first in the pipeline: after a filter
that changes the length HDF5's shuffle is not numcodecs'), fletcher32 ->
``fletcher32``, in the pipeline's order (the last one is Zarr's
compressor).  An H5Z-ZFP filter
that declined its dataset (generic cd_values, every chunk stored with it
skipped) becomes no codec.  A dataset that Zarr v2 cannot describe
(another filter, a chunk whose filters were skipped otherwise, H5Z-ZFP
cd_values that are corrupt or do not describe the dataset's type and
chunks, as `zfpcodec.hdf5.read` refuses them, variable-length or compound
types, virtual or external storage) is left out and reported: a
`ReferenceWarning`, or a ValueError with ``unsupported="raise"``.
"""

from __future__ import annotations

import base64
import json
import math
import os
import posixpath
import warnings
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from ..errors import ZFPError
from .codec import H5ZZFP
from .h5z_zfp import FILTER_ID, DeclinedFilter, is_generic
from .reader import chunk_infos

if TYPE_CHECKING:
    import h5py

__all__ = ["ReferenceWarning", "references"]

ZARR_FORMAT = 2
DEFLATE, SHUFFLE, FLETCHER32 = 1, 2, 3  # HDF5's own filter ids
# dimension-scale bookkeeping (HDF5 and netCDF-4): references, not attributes
_SCALE_ATTRIBUTES = {"CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST",
                     "_Netcdf4Dimid", "_Netcdf4Coordinates", "_NCProperties"}


class ReferenceWarning(UserWarning):
    """A dataset left out of the references, and why."""


class Unsupported(Exception):
    """Why a dataset cannot be referenced (internal)."""


def references(source: str | os.PathLike[str] | h5py.File | IO[bytes], *,
               url: str | None = None,
               unsupported: str = "warn") -> dict[str, Any]:
    """Kerchunk references (version 1, Zarr v2) to every dataset of an HDF5 file.

    Parameters
    ----------
    source : str, os.PathLike, h5py.File or file-like object
        The HDF5 file to scan (a path, an open file, or a binary file
        object such as ``fsspec.open("s3://...").open()``).
    url : str, optional
        Where readers will find the file (``"s3://bucket/file.h5"``);
        default: the path of `source`.
    unsupported : {"warn", "raise"}, optional
        What to do with a dataset the references cannot describe: leave it
        out with a `ReferenceWarning` (default), or raise ValueError.

    Returns
    -------
    dict
        ``{"version": 1, "refs": {...}}``, JSON-serialisable; open it with
        ``fsspec.filesystem("reference", fo=refs, ...)`` and zarr
        (``zarr_format=2``), or xarray's ``engine="zarr"``.
    """
    if unsupported not in ("warn", "raise"):
        raise ValueError(f"unsupported must be 'warn' or 'raise', not {unsupported!r}")
    import h5py

    if isinstance(source, (h5py.File, h5py.Group)):
        return _scan(source.file, url or source.file.filename, unsupported)
    if isinstance(source, (str, os.PathLike)):
        with h5py.File(source, "r") as file:
            return _scan(file, url or os.path.abspath(source), unsupported)
    if url is None:
        raise TypeError("give url= (where readers find the file) with a file object")
    with h5py.File(source, "r") as file:
        return _scan(file, url, unsupported)


def _scan(file: Any, url: str, unsupported: str) -> dict[str, Any]:
    import h5py

    refs: dict[str, Any] = {}
    dims = _Dimensions()
    names: dict[Any, str] = {}  # each object's id: the name it was visited by

    def visit(name: str, item: Any) -> None:
        names[item.id] = name
        if isinstance(item, h5py.Group):
            _group(refs, name + "/", item)
            return
        if not isinstance(item, h5py.Dataset):
            return
        try:
            _dataset(refs, name + "/", item, url, dims)
        except (Unsupported, ZFPError) as why:  # one dataset's, not the file's
            _left_out(f"dataset {item.name!r} left out of the references: {why}", unsupported)

    _group(refs, "", file)
    file.visititems(visit)
    _linked(refs, file, "", names, unsupported)
    # Consolidated metadata: zarr then finds every group and array without
    # listing the reference file system (whose listing of subgroups zarr
    # 3.1 cannot use)
    refs[".zmetadata"] = json.dumps({"zarr_consolidated_format": 1, "metadata": {
        key: json.loads(value) for key, value in refs.items()
        if posixpath.basename(key) in (".zgroup", ".zarray", ".zattrs")}})
    return {"version": 1, "refs": refs}


def _left_out(message: str, unsupported: str) -> None:
    if unsupported == "raise":
        raise ValueError(message)
    warnings.warn(message, ReferenceWarning, stacklevel=5)


def _linked(refs: dict[str, Any], group: Any, prefix: str, names: dict[Any, str],
            unsupported: str) -> None:
    """References for the paths under `group` that reach an object by
    another link than the one it was visited by (HDF5 visits each object
    once, and follows no soft link): a soft link, or a second hard link,
    gets its target's references under its own path (a group's whole
    tree, not walked again, so a link back to an ancestor is no loop); a
    link out of the file or to nothing is left out with a
    ReferenceWarning, as h5py reads it and the references cannot."""
    import h5py

    for name in group:
        path = prefix + name
        link = group.get(name, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            _left_out(f"{'/' + path!r} left out of the references: it links to "
                      f"{link.path!r} in another file, {link.filename!r}", unsupported)
            continue
        target = group.get(name)
        if target is None:
            _left_out(f"{'/' + path!r} left out of the references: its soft link leads to "
                      f"{link.path!r}, which is not there", unsupported)
            continue
        visited = names.get(target.id)
        if visited == path:
            if isinstance(target, h5py.Group):
                _linked(refs, target, path + "/", names, unsupported)
            continue
        if visited is None or (isinstance(target, h5py.Dataset) and
                               visited + "/.zarray" not in refs):
            named = "/" + visited if visited else getattr(link, "path", target.name)
            _left_out(f"{'/' + path!r} left out of the references: it links to "
                      f"{named!r}, which is left out", unsupported)
            continue
        origin = visited + "/"
        for key in [key for key in refs if key.startswith(origin)]:
            refs[path + "/" + key[len(origin):]] = refs[key]


def _group(refs: dict[str, Any], prefix: str, group: Any) -> None:
    refs[prefix + ".zgroup"] = json.dumps({"zarr_format": ZARR_FORMAT})
    attrs = json_attributes(group)
    if attrs:
        refs[prefix + ".zattrs"] = json.dumps(attrs)


def _dataset(refs: dict[str, Any], prefix: str, dataset: Any, url: str,
             dims: _Dimensions) -> None:
    import h5py

    dtype = dataset.dtype
    if dtype.kind not in "biufcS" or dtype.hasobject or dtype.fields:
        raise Unsupported(f"its type {dtype} has no Zarr v2 form the references can use")
    plist = dataset.id.get_create_plist()
    if plist.get_layout() == h5py.h5d.VIRTUAL or plist.get_external_count():
        raise Unsupported("it is a virtual dataset or stored in external files")
    shape = dataset.shape
    if dataset.chunks is None:
        chunks = tuple(max(n, 1) for n in shape)
        codecs: list[Any] = []
        whole = _contiguous(dataset, url)
        stored = {".".join(["0"] * max(len(shape), 1)): whole} if whole else {}
    else:
        chunks = dataset.chunks
        codecs, declined = _codecs(dataset, plist)
        stored = _chunks(dataset, url, declined)
    refs[prefix + ".zarray"] = json.dumps({
        "zarr_format": ZARR_FORMAT, "shape": list(shape), "chunks": list(chunks),
        "dtype": dtype.str, "fill_value": _fill_value(dataset, plist),
        "order": "C", "filters": [c.get_config() for c in codecs[:-1]] or None,
        "compressor": codecs[-1].get_config() if codecs else None,
        "dimension_separator": "."})
    refs[prefix + ".zattrs"] = json.dumps(
        {**json_attributes(dataset), "_ARRAY_DIMENSIONS": dims.names(dataset)})
    refs.update({prefix + key: value for key, value in stored.items()})


def _contiguous(dataset: Any, url: str) -> Any:
    """The reference of a contiguous or compact dataset's one chunk (None
    when never written): its byte range, or its bytes inline."""
    import h5py

    if dataset.id.get_create_plist().get_layout() == h5py.h5d.COMPACT or not dataset.shape:
        if dataset.id.get_storage_size() == 0 and dataset.shape:
            return None
        data = np.ascontiguousarray(dataset[()], dtype=dataset.dtype).tobytes()
        return "base64:" + base64.b64encode(data).decode()
    offset = dataset.id.get_offset()
    if offset is None:
        return None
    return [url, offset, dataset.id.get_storage_size()]


def _chunks(dataset: Any, url: str, declined: dict[int, DeclinedFilter]) -> dict[str, Any]:
    """Chunk key -> [url, offset, size] of every stored chunk.  The filters
    that declined the dataset (`declined`, by pipeline position) must be
    skipped in every chunk, and no other."""
    found: dict[str, Any] = {}
    masked: list[tuple[int, ...]] = []
    infos = chunk_infos(dataset)
    for position, declined_filter in declined.items():  # ZFPError: one went through
        declined_filter.check_chunks(infos, position)
    skipped = sum(1 << position for position in declined)
    for info in infos:
        if info.filter_mask != skipped:
            masked.append(info.chunk_offset)
        key = ".".join(str(o // c) for o, c in zip(info.chunk_offset, dataset.chunks))
        found[key] = [url, info.byte_offset, info.size]
    if masked:
        raise Unsupported(f"{len(masked)} chunk(s), the first at {masked[0]}, were stored "
                          "with some filters skipped (filter mask set), which Zarr cannot "
                          "be told")
    return found


def _codecs(dataset: Any, plist: Any) -> tuple[list[Any], dict[int, DeclinedFilter]]:
    """The numcodecs codecs of the dataset's filter pipeline, in order, and
    the H5Z-ZFP filters that declined it, by position: these skipped every
    chunk (`_chunks` checks), so they have no codec."""
    from numcodecs import Fletcher32, Shuffle, Zlib

    codecs: list[Any] = []
    declined = {}
    for i in range(plist.get_nfilters()):
        filter_id, _, cd_values, name = plist.get_filter(i)
        if filter_id == FILTER_ID and is_generic(cd_values):
            declined[i] = DeclinedFilter.from_cd_values(cd_values)
        elif filter_id == SHUFFLE and codecs:
            # after a filter that changes the chunk's length (compression,
            # a checksum) HDF5 shuffles a length that need not be a multiple
            # of the item size and leaves the last len % itemsize bytes as
            # they are; numcodecs' Shuffle refuses such a buffer
            raise Unsupported("its shuffle filter runs after another filter, on chunks of "
                              "any length, whose last bytes HDF5 leaves unshuffled and "
                              "numcodecs' Shuffle refuses")
        elif filter_id == FILTER_ID:
            codec = H5ZZFP(cd_values)
            # the reader's check: cd_values of another type or chunk shape
            # would have Zarr decode every chunk to garbage
            codec.format.check_dataset(dataset.dtype, dataset.chunks)
            codecs.append(codec)
        elif filter_id == DEFLATE:
            codecs.append(Zlib(level=cd_values[0] if cd_values else 6))
        elif filter_id == SHUFFLE:
            codecs.append(Shuffle(elementsize=dataset.dtype.itemsize))
        elif filter_id == FLETCHER32:
            codecs.append(Fletcher32())
        else:
            label = name.decode(errors="replace") if name else "unnamed"
            raise Unsupported(f"its filter {filter_id} ({label}) has no numcodecs codec "
                              "that reads HDF5's chunks")
    return codecs, declined


def _fill_value(dataset: Any, plist: Any) -> Any:
    """The fill value as Zarr v2 writes it in JSON: null (zeros, as HDF5's
    default) unless one was set, since xarray reads a Zarr fill value as
    the marker of missing values (HDF5's means "never written")."""
    import h5py

    if plist.fill_value_defined() != h5py.h5d.FILL_VALUE_USER_DEFINED:
        return None
    dtype = dataset.dtype
    value = np.asarray(dataset.fillvalue, dtype=dtype)[()]
    if dtype.kind == "S":
        return base64.b64encode(bytes(value)).decode()
    if dtype.kind == "c":
        return [_float(value.real), _float(value.imag)]
    if dtype.kind == "f":
        return _float(value)
    return value.item()


def _float(value: Any) -> Any:
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def json_attributes(item: Any) -> dict[str, Any]:
    """The attributes of an h5py group or dataset that JSON can hold (others,
    and dimension-scale bookkeeping, are left out)."""
    attrs = {}
    for name in item.attrs:
        if name in _SCALE_ATTRIBUTES:
            continue
        try:
            value = _json_value(item.attrs[name])
            json.dumps(value)
        except (TypeError, ValueError, OSError):
            continue
        attrs[name] = value
    return attrs


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SO":
            return [_json_value(v) for v in value.tolist()]
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class _Dimensions:
    """Dimension names for xarray: a dimension scale's name where one is
    attached, else phony_dim_N, one per distinct length in each group (as
    netCDF readers name them), distinct within a dataset."""

    def __init__(self) -> None:
        self._phony: dict[str, list[tuple[int, str]]] = {}
        self._count = 0

    def names(self, dataset: Any) -> list[str]:
        import h5py

        group = posixpath.dirname(dataset.name)
        if h5py.h5ds.is_scale(dataset.id) and dataset.ndim == 1:
            return [posixpath.basename(dataset.name)]
        names: list[str] = []
        for axis, size in enumerate(dataset.shape):
            scales = dataset.dims[axis]
            if len(scales):
                names.append(posixpath.basename(scales[0].name))
                continue
            names.append(self._phony_name(group, size, names))
        return names

    def _phony_name(self, group: str, size: int, taken: list[str]) -> str:
        known = self._phony.setdefault(group, [])
        for length, name in known:
            if length == size and name not in taken:
                return name
        name = f"phony_dim_{self._count}"
        self._count += 1
        known.append((size, name))
        return name
