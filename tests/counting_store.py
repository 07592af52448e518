"""A zarr store wrapper that records every read: key, byte range and the
number of bytes the store returned (what a cloud store would bill)."""

from __future__ import annotations

from typing import Any

from zarr.storage import WrapperStore


class CountingStore(WrapperStore):
    """Wraps any zarr store; `reads` lists (key, byte_range, bytes returned)."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.reads: list[tuple[str, Any, int | None]] = []

    def _with_store(self, store: Any) -> CountingStore:
        return type(self)(store)

    async def get(self, key: str, prototype: Any, byte_range: Any = None) -> Any:
        value = await self._store.get(key, prototype, byte_range)
        self.reads.append((key, byte_range, None if value is None else len(value)))
        return value

    def fetched(self, prefix: str = "c") -> int:
        """Bytes returned for keys starting with `prefix` (chunks, by default)."""
        return sum(size or 0 for key, _, size in self.reads if key.startswith(prefix))

    def chunk_reads(self, prefix: str = "c") -> list[tuple[str, Any, int | None]]:
        return [read for read in self.reads if read[0].startswith(prefix)]
