"""The connection pool, one transaction per write, and PostgreSQL's failures as StorageError.

A write is an op (`PgOp`): a coroutine run on one pooled connection inside one transaction.
The awaited call returns only after COMMIT returned, and PostgreSQL's default
`synchronous_commit = on` means the commit is on disk by then: nobody hears "recorded" before
it is durable. A lost connection, a server restart, a constraint the op broke: the transaction
is rolled back by the server and the caller gets StorageError, nothing half-done.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

import asyncpg

from bot.core.ports import StorageError
from bot.storage._writes import Unchanged

log = logging.getLogger(__name__)

FAILURES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
)
"""What a lost server, a lost connection or a refused statement raises."""


class PgOp(Protocol):
    """One write: its statements on `conn`, inside the transaction `Db.write` opened."""

    async def apply(self, conn: asyncpg.Connection) -> object: ...


def utc(value: datetime) -> datetime:
    """An aware datetime for a timestamptz column; naive ones are refused, as in SQLite."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: storage needs aware UTC datetimes")
    return value


def opt_utc(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def rowcount(status: str) -> int:
    """The rows a statement touched, from asyncpg's status line ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class Db:
    """A pool of connections with one transaction per write and errors as StorageError."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.closed = False

    async def write(self, op: PgOp) -> Any:
        """Run `op` in its own transaction; its result once committed (Unchanged: rolled back,
        and its result is the answer)."""
        async with self.connection() as conn:
            try:
                async with conn.transaction():
                    return await op.apply(conn)
            except Unchanged as unchanged:
                return unchanged.result

    async def run_atomic(self, op: PgOp) -> Any:
        """Run `op`, whose writes are one statement (atomic by itself), without BEGIN and
        COMMIT: two round trips fewer on the answer path. The statement's commit has returned
        when this does."""
        async with self.connection() as conn:
            try:
                return await op.apply(conn)
            except Unchanged as unchanged:
                return unchanged.result

    async def fetch(self, sql: str, *params: Any) -> list[asyncpg.Record]:
        async with self.connection() as conn:
            return list(await conn.fetch(sql, *params))

    async def fetchrow(self, sql: str, *params: Any) -> asyncpg.Record | None:
        async with self.connection() as conn:
            return await conn.fetchrow(sql, *params)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection; any failure of the server or the link is a StorageError."""
        if self.closed:
            raise StorageError("the repository is closed")
        try:
            async with self.pool.acquire() as conn:
                yield conn
        except FAILURES as exc:
            raise StorageError(f"database failed: {exc} (nothing of it was saved)") from exc

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self.pool.close()
        except FAILURES:
            log.exception("closing the pool failed; its connections are dropped")
            self.pool.terminate()
