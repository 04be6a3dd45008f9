"""The one writer: a task that drains queued writes and commits them together.

Callers await a Future that is resolved only after COMMIT returned, so nobody hears "recorded"
before it is durable. The connection lives on a single dedicated thread and a whole batch runs
there in one call (one thread hop and one fsync per batch, not per statement), which is what
makes group commit pay off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bot.core.ports import StorageError
from bot.storage._batch import run_batch
from bot.storage._writes import LearnerIds, Op
from bot.storage.migrate import migrate

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BATCH = 256
_STOP = object()

PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
)


def connect_writer(path: Path) -> sqlite3.Connection:
    """The write connection, in autocommit mode so BEGIN/COMMIT are ours, schema up to date."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        for pragma in PRAGMAS:
            conn.execute(pragma)
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


class Writer:
    """Owns the write connection; `submit` queues an op and waits for its committed outcome."""

    def __init__(
        self, conn: sqlite3.Connection, executor: ThreadPoolExecutor, max_batch: int = MAX_BATCH
    ) -> None:
        self.conn = conn
        self._executor = executor
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Op, asyncio.Future[Any]] | object] = asyncio.Queue()
        self._ids = LearnerIds()
        self._closed = False
        self._task = asyncio.create_task(self._run(), name="quizbot-sqlite-writer")

    @classmethod
    async def start(cls, path: Path, max_batch: int = MAX_BATCH) -> Writer:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quizbot-sqlite-writer")
        try:
            conn = await asyncio.get_running_loop().run_in_executor(executor, connect_writer, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(conn, executor, max_batch)

    async def submit(self, op: Op) -> Any:
        if self._closed:
            raise StorageError("the repository is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((op, future))
        return await future

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` on the write connection, between batches (maintenance and tests)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self.conn)

    async def close(self) -> None:
        """Commit what is queued, then close the connection; safe to call twice."""
        if self._closed:
            await asyncio.shield(self._task)
            return
        self._closed = True
        self._queue.put_nowait(_STOP)
        await self._task
        with contextlib.suppress(sqlite3.Error):
            await self.call(lambda conn: conn.close())
        self._executor.shutdown(wait=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            batch: list[tuple[Op, asyncio.Future[Any]]] = []
            item = await self._queue.get()
            while True:
                if item is _STOP:
                    stopping = True
                else:
                    batch.append(item)  # type: ignore[arg-type]
                if len(batch) >= self._max_batch or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if not batch:
                continue
            ops = [op for op, _ in batch]
            try:
                outcomes = await loop.run_in_executor(
                    self._executor, run_batch, self.conn, ops, self._ids
                )
            except Exception as exc:  # a bug, not a storage failure: callers still hear of it
                log.exception("writer batch crashed")
                outcomes = [exc] * len(ops)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the caller gave up waiting; the write stands
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
