"""The PostgreSQL dialect of the numbered migrations (`bot/storage/migrations/postgres/`).

Same numbers and names as SQLite's list (`bot.storage.migrate.load_migrations`; a test keeps
the two in step). Each migration runs in its own transaction (PostgreSQL's DDL is
transactional) under an advisory lock on the schema, so several bot processes starting at once
against an older database apply each migration exactly once, and a failed one leaves nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg

from bot.core.ports import StorageError
from bot.storage.migrate import POSTGRES, Migration, load_migrations

log = logging.getLogger(__name__)

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('quizbot-migrate:' || current_schema()))"


async def applied_versions(conn: asyncpg.Connection) -> set[int]:
    rows = await conn.fetch("SELECT version FROM schema_version")
    return {row[0] for row in rows}


async def migrate(
    conn: asyncpg.Connection, migrations: Sequence[Migration] | None = None
) -> list[int]:
    """Apply the migrations the database lacks; returns the versions applied now."""
    migrations = load_migrations(POSTGRES) if migrations is None else list(migrations)
    if await conn.fetchval("SELECT current_schema()") is None:
        raise StorageError("no schema to create the tables in: check the search_path")
    async with conn.transaction():
        await conn.execute(_LOCK)
        await conn.execute(_BOOTSTRAP)
        newest = max(await applied_versions(conn), default=0)
    known = max((m.version for m in migrations), default=0)
    if newest > known:
        raise StorageError(
            f"database schema version {newest} is newer than this quizbot knows ({known}); "
            "upgrade quizbot rather than open it with an older one"
        )
    done: list[int] = []
    for migration in migrations:
        async with conn.transaction():
            await conn.execute(_LOCK)
            if migration.version in await applied_versions(conn):
                continue
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_version (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
        log.info("applied migration %s (postgres)", migration.name)
        done.append(migration.version)
    return done
