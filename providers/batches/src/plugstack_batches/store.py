"""A batch's durable state in the stack's key-value store: its record, and each answered line
as soon as it is answered, so a restarted server knows which lines it need not ask again."""

from plugstack.apis.batches.models import Batch, OutputLine
from plugstack.storage.kv import KVStore

BATCH_PREFIX = "batches/"
LINE_PREFIX = "lines/"


def _lines_prefix(batch_id: str) -> str:
    return f"{LINE_PREFIX}{batch_id}/"


class BatchStore:
    def __init__(self, kv: KVStore) -> None:
        self._kv = kv

    async def save(self, batch: Batch) -> None:
        await self._kv.set(BATCH_PREFIX + batch.id, batch.model_dump_json())

    async def load(self, batch_id: str) -> Batch | None:
        record = await self._kv.get(BATCH_PREFIX + batch_id)
        return None if record is None else Batch.model_validate_json(record)

    async def all(self) -> list[Batch]:
        return [Batch.model_validate_json(record) for _, record in await self._kv.items(BATCH_PREFIX)]

    async def save_line(self, batch_id: str, index: int, line: OutputLine) -> None:
        await self._kv.set(f"{_lines_prefix(batch_id)}{index:08d}", line.model_dump_json())

    async def lines(self, batch_id: str) -> dict[int, OutputLine]:
        """The answered lines, by their index among the input's requests."""
        prefix = _lines_prefix(batch_id)
        return {
            int(key[len(prefix) :]): OutputLine.model_validate_json(record)
            for key, record in await self._kv.items(prefix)
        }

    async def drop_lines(self, batch_id: str) -> None:
        """Once the output files hold them, the answered lines need not be kept twice."""
        prefix = _lines_prefix(batch_id)
        for key, _ in await self._kv.items(prefix):
            await self._kv.delete(key)
