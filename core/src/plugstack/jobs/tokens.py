"""Job tokens: how a job running away from the server (on a Ray cluster) calls the stack's HTTP
API as the principal that submitted it.

With auth on, a job that needs the stack (an eval job generating through its models) is given a
bearer token when it is submitted. Only the token's SHA-256 is kept, in the job table's storage,
so every server sharing that storage accepts it, a restarted one included, and nobody reading
the table can use it. A token works while its job is unfinished and is deleted when the job
ends, so it is worth nothing once the work it was made for is over.
"""

import hashlib
import hmac
import secrets
from typing import Any

from plugstack.access.principal import Principal
from plugstack.storage.sql import ColumnType, SqlStore

TOKENS_TABLE = "job_tokens"
PREFIX = "psj."  # psj.<job id>.<secret>: the job id finds the row, the secret proves the holder


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_job_token(token: str) -> bool:
    return token.startswith(PREFIX)


class JobTokens:
    def __init__(self, store: SqlStore) -> None:
        self._store = store

    async def initialize(self) -> None:
        await self._store.create_table(
            TOKENS_TABLE,
            {"job_id": ColumnType.TEXT, "digest": ColumnType.TEXT, "principal": ColumnType.JSON},
            primary_key="job_id",
        )

    async def issue(self, job_id: str, principal: Principal) -> str:
        token = f"{PREFIX}{job_id}.{secrets.token_urlsafe(32)}"
        row: dict[str, Any] = {"job_id": job_id, "digest": _digest(token), "principal": principal.model_dump()}
        await self._store.insert(TOKENS_TABLE, row)
        return token

    async def principal(self, token: str) -> Principal | None:
        """Who the token stands for; None if it is not one of ours (any more)."""
        job_id, _, secret = token.removeprefix(PREFIX).rpartition(".")
        if not job_id or not secret:
            return None
        row = await self._store.fetch_one(TOKENS_TABLE, {"job_id": job_id})
        if row is None or not hmac.compare_digest(row["digest"], _digest(token)):
            return None
        return Principal.model_validate(row["principal"])

    async def revoke(self, job_id: str) -> None:
        await self._store.delete(TOKENS_TABLE, {"job_id": job_id})
