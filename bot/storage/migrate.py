"""Numbered SQL migrations, applied in order on open and recorded in `schema_version`.

Files are read with importlib.resources so they are found in an installed wheel too. Each
migration runs in its own BEGIN IMMEDIATE transaction that also re-reads `schema_version`, so two
processes opening the same old database do not apply a migration twice.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files

from bot.core.ports import StorageError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


SQLITE = "migrations"
POSTGRES = "migrations/postgres"
"""The two dialects of the one numbered list: the same numbers and names in each folder."""


def load_migrations(dialect: str = SQLITE) -> list[Migration]:
    """Every bundled migration of `dialect` (a folder of this package), ordered by version;
    versions must run 1, 2, 3 ... without gaps."""
    folder = files(__package__ or "bot.storage").joinpath(*dialect.split("/"))
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match and entry.is_file():
            found.append(Migration(int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StorageError(
            f"migrations must be numbered 1..n without gaps: {[m.name for m in found]}"
        )
    return found


def applied_versions(conn: sqlite3.Connection) -> set[int]:
    conn.execute(_BOOTSTRAP)
    return {row[0] for row in conn.execute("SELECT version FROM schema_version")}


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] | None = None) -> list[int]:
    """Apply the migrations the database lacks; returns the versions applied now.

    `conn` must be in autocommit mode (isolation_level=None): this function owns the transactions.
    """
    migrations = load_migrations() if migrations is None else list(migrations)
    known = max((m.version for m in migrations), default=0)
    newest = max(applied_versions(conn), default=0)
    if newest > known:
        raise StorageError(
            f"database schema version {newest} is newer than this quizbot knows ({known}); "
            "upgrade quizbot rather than open it with an older one"
        )
    done: list[int] = []
    for migration in migrations:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if migration.version in applied_versions(conn):
                conn.execute("ROLLBACK")
                continue
            for statement in split_statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        log.info("applied migration %s", migration.name)
        done.append(migration.version)
    return done


def split_statements(script: str) -> Iterator[str]:
    """Complete SQL statements of a script (triggers included), so they run inside our transaction.

    sqlite3's executescript would COMMIT first, which is why it is not used.
    """
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if _has_code(statement):
                yield statement
    if _has_code(buffer):
        raise StorageError(
            f"incomplete SQL statement at the end of a migration: {buffer.strip()!r}"
        )


def _has_code(text: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in text.splitlines())
