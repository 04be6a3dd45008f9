"""The repositories a contract test runs on: the in-memory fake, a real SQLite file, and the
real PostgreSQL server (each test in its own schema, dropped afterwards).

PostgreSQL is at `QUIZBOT_TEST_DATABASE_URL` (default: 127.0.0.1:5432, user postgres, database
`test`, trust auth). When it cannot be reached its cases are skipped with the reason, so a
machine without PostgreSQL still passes; with `QUIZBOT_REQUIRE_POSTGRES=1` (CI) they fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import threading
from pathlib import Path

import asyncpg
import pytest

from bot.app.study import QuizService
from bot.core.library import Library
from bot.core.models import Deck
from bot.core.ports import Repository
from bot.core.scheduler import Scheduler
from bot.storage.postgres import PostgresRepository
from bot.storage.sqlite import SqliteRepository
from tests.fakes import FixedClock, MemoryRepository

SQL_BACKENDS = ["sqlite", "postgres"]
"""The real back-ends: parametrize a store test with these."""
REPOSITORIES = ["memory", *SQL_BACKENDS]
"""Parametrize a fixture with these and open the repository with `open_repository`."""

POSTGRES_URL = os.environ.get(
    "QUIZBOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE = "QUIZBOT_REQUIRE_POSTGRES"
_checked: dict[str, str] = {}
"""url -> "" when it answered, else why not (asked once per url and run)."""
_schemas: set[str] = set()
"""Schemas this run made that are not dropped yet (tests/conftest.py drops them)."""


async def postgres_or_skip(url: str = POSTGRES_URL) -> None:
    """Skip the test when the server at `url` does not answer; fail instead under
    QUIZBOT_REQUIRE_POSTGRES=1."""
    if url not in _checked:
        try:
            conn = await asyncpg.connect(url, timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            _checked[url] = f"{type(exc).__name__}: {exc}"
        else:
            await conn.close()
            _checked[url] = ""
    why = _checked[url]
    if not why:
        return
    reason = f"no PostgreSQL server at {url} ({why}); start one to run the postgres cases"
    if os.environ.get(REQUIRE) == "1":
        pytest.fail(f"{reason}; {REQUIRE}=1 makes that a failure", pytrace=False)
    pytest.skip(reason)


async def postgres_url(folder: Path) -> str:
    """A URL whose search_path is a fresh schema for this test (named after `folder`, so a
    restart inside the test finds the same data); dropped when the test ends."""
    await postgres_or_skip()
    schema = "qbtest_" + hashlib.sha1(str(folder).encode()).hexdigest()[:16]
    conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    finally:
        await conn.close()
    _schemas.add(schema)
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}search_path={schema}"


def drop_schemas() -> None:
    """Drop every schema the tests made so far (on a thread: a test's loop may be running)."""
    if not _schemas:
        return
    names = sorted(_schemas)
    _schemas.clear()

    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
        try:
            for name in names:
                await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        finally:
            await conn.close()

    worker = threading.Thread(target=asyncio.run, args=(drop(),))
    worker.start()
    worker.join()


async def open_repository(kind: str, folder: Path) -> Repository:
    if kind == "memory":
        return MemoryRepository()
    if kind == "postgres":
        return await PostgresRepository.open(await postgres_url(folder), pool_size=4)
    return await SqliteRepository.open(folder / "quiz.sqlite3")


async def database_settings(kind: str, folder: Path) -> dict[str, object]:
    """The Settings fields that put a bot's data on `kind` (for `build_service`)."""
    if kind == "postgres":
        return {"QUIZBOT_DATABASE_URL": await postgres_url(folder)}
    return {"QUIZBOT_DB": folder / "q.sqlite3"}


async def study_service(kind: str, folder: Path, deck: Deck, seed: int) -> QuizService:
    """A QuizService on one deck, a fixed clock and fuzz-free FSRS, over the `kind` repository."""
    return QuizService(
        await open_repository(kind, folder),
        Library.of([deck]),
        clock=FixedClock(),
        scheduler=Scheduler(enable_fuzzing=False),
        rng=random.Random(seed),
    )
