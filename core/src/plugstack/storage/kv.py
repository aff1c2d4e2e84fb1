"""The key-value interface every component persists small state through."""

from typing import Protocol


class KVStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def items(self, prefix: str = "") -> list[tuple[str, str]]:
        """All (key, value) pairs whose key starts with ``prefix``, ordered by key."""
        ...


class NamespacedKV:
    """A view of a KVStore under a key prefix, so components never collide."""

    def __init__(self, inner: KVStore, namespace: str) -> None:
        self._inner = inner
        self._prefix = f"{namespace}/"

    async def get(self, key: str) -> str | None:
        return await self._inner.get(self._prefix + key)

    async def set(self, key: str, value: str) -> None:
        await self._inner.set(self._prefix + key, value)

    async def delete(self, key: str) -> None:
        await self._inner.delete(self._prefix + key)

    async def items(self, prefix: str = "") -> list[tuple[str, str]]:
        pairs = await self._inner.items(self._prefix + prefix)
        return [(key[len(self._prefix) :], value) for key, value in pairs]
