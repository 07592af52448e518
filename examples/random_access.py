"""Random access: read a small part of a big fixed-rate zfp stream, fetching
only the bytes of the blocks it touches: from a file, from a Zarr v3 chunk
(automatic), and from a Zarr v2 chunk (by hand: numcodecs has no hook).

    pip install "zfpcodec[zarr]"
    python examples/random_access.py [directory]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
import zarr

from zfpcodec import ZFP, engine
from zfpcodec.modes import Mode
from zfpcodec.region import StreamLayout, decompress_region, read_region
from zfpcodec.zarr3 import ZFPCodec


class CountingStore(zarr.storage.WrapperStore):
    """Counts the bytes the store returns for chunks."""

    fetched = 0

    def _with_store(self, store):
        return type(self)(store)

    async def get(self, key, prototype, byte_range=None):
        value = await self._store.get(key, prototype, byte_range)
        if value is not None and not key.endswith("zarr.json"):
            type(self).fetched += len(value)
        return value


def main(root: Path) -> None:
    z = np.linspace(0, 4, 128)
    values = np.sin(z)[:, None, None] * np.cos(z)[None, :, None] + z[None, None, :]
    box = np.s_[40:56, 70:86, 3:19]

    # a file: the header, then only the bytes of the blocks the box touches
    stream = engine.compress(values, Mode.from_args(rate=8))
    (root / "field.zfp").write_bytes(stream)
    with open(root / "field.zfp", "rb") as file:
        part, read = read_region(file, box)
    assert np.array_equal(part, engine.decompress(stream)[box])
    print(f"file: read {read} of {len(stream)} bytes for a {part.shape} box")

    # the same by hand: which byte ranges, then decode from just those pieces
    layout = StreamLayout.from_header(stream)
    pieces = {start: stream[start:stop] for start, stop in layout.byte_ranges(box)}
    assert np.array_equal(decompress_region(pieces, box, layout=layout), part)

    # Zarr v3: partial reads are automatic with a fixed-rate ZFPCodec and no
    # bytes-to-bytes codec after it
    store = CountingStore(zarr.storage.LocalStore(root / "v3.zarr"))
    array = zarr.create_array(store, shape=values.shape, chunks=values.shape, dtype="f8",
                              serializer=ZFPCodec(rate=8), compressors=None)
    array[...] = values
    CountingStore.fetched = 0
    assert np.array_equal(array[box], part)
    chunk = (root / "v3.zarr" / "c" / "0" / "0" / "0").stat().st_size
    print(f"Zarr v3: fetched {CountingStore.fetched} of the chunk's {chunk} bytes")

    # Zarr v2 (numcodecs): chunks are whole zfp streams with a header, always
    # read whole by zarr; read_region reads a part of one directly
    v2 = zarr.create_array(root / "v2.zarr", shape=values.shape, chunks=values.shape,
                           dtype="f8", zarr_format=2, compressors=ZFP(rate=8))
    v2[...] = values
    with open(root / "v2.zarr" / "0.0.0", "rb") as file:
        part2, read = read_region(file, box)
    assert np.array_equal(part2, part)
    print(f"Zarr v2 chunk by hand: read {read} bytes")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
