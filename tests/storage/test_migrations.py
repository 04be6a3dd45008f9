"""Migrations: applied in order on open, recorded, idempotent, and older databases upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.core.models import Learner
from bot.core.ports import StorageError
from bot.storage.migrate import Migration, load_migrations, migrate, split_statements
from bot.storage.sqlite import SqliteRepository


def versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [v for (v,) in conn.execute("SELECT version FROM schema_version ORDER BY version")]


def indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_bundled_migrations_are_numbered_from_one() -> None:
    """The package ships its SQL files and they run 1, 2, ... without gaps."""
    found = load_migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    assert found[0].name == "0001_init.sql" and len(found) >= 2


async def test_open_applies_every_migration_once(tmp_path: Path) -> None:
    """A new file gets the whole schema; reopening applies nothing again."""
    path = tmp_path / "quiz.sqlite3"
    await (await SqliteRepository.open(path)).close()
    expected = [m.version for m in load_migrations()]
    assert versions(path) == expected
    await (await SqliteRepository.open(path)).close()
    assert versions(path) == expected


async def test_older_database_upgrades_on_open(tmp_path: Path) -> None:
    """A database made by an older release (only 0001) is upgraded and keeps its data."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, load_migrations()[:1]) == [1]
    conn.execute("INSERT INTO learners (platform, workspace, user) VALUES ('console', 'w', 'u')")
    conn.executemany(
        "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format, rating,"
        " correct, points, answered_at) VALUES (?, 1, 'd', 'c', 'choice', 3, ?, 10, ?)",
        [(f"a{i}", int(i < 3), f"2025-01-0{i + 1}T09:00:00.000000+00:00") for i in range(4)],
    )
    conn.close()
    assert "card_states_first_seen" not in indexes(path)
    repo = await SqliteRepository.open(path)
    try:
        assert await repo.totals(Learner("console", "w", "u")) == (4, 3)
    finally:
        await repo.close()
    assert versions(path) == [m.version for m in load_migrations()]
    assert "card_states_first_seen" in indexes(path)


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    """A file written by a newer quizbot is not opened (and not damaged) by an older one."""
    path = tmp_path / "new.sqlite3"
    await (await SqliteRepository.open(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (999, '0999_future.sql', 'now')")
    with pytest.raises(StorageError, match="newer"):
        await SqliteRepository.open(path)


def test_failed_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    """A migration that fails halfway rolls back: no table, no version recorded."""
    conn = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    broken = Migration(1, "0001_broken.sql", "CREATE TABLE t (x INTEGER);\nSELECT * FROM nope;\n")
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, [broken])
    tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"schema_version"}
    assert not conn.in_transaction
    conn.close()


def test_split_statements_keeps_triggers_whole() -> None:
    """Semicolons inside a trigger body do not split it; comments alone are dropped."""
    script = (
        "-- header\nCREATE TABLE a (x);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = 1;\n  SELECT 1;\nEND;\n"
        "-- trailing comment\n"
    )
    statements = list(split_statements(script))
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_review_log_rows_from_before_0007_get_their_source(tmp_path: Path) -> None:
    """Rows written before sources were stored: every one scheduled its own rating, and the
    answer id or the session's mode says where it was given."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, load_migrations()[:5])
    conn.execute("INSERT INTO learners (id, platform, workspace, user) VALUES (1, 'c', 'w', 'u')")
    conn.execute(
        "INSERT INTO sessions (id, learner_id, data, updated_at)"
        " VALUES ('q1', 1, '{\"mode\": \"quiz\"}', 'x'), ('r1', 1, '{\"mode\": \"review\"}', 'x')"
    )
    for answer_id, session in (
        ("r1:1", "r1"),
        ("q1:1", "q1"),
        ("daily:C:2025-01-01:d/c:u", None),
        ("compete:x:1:u", None),
    ):
        conn.execute(
            "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format, rating,"
            " correct, points, answered_at, session_id) VALUES (?, 1, 'd', 'c', 'choice', 2, 1,"
            " 0, 't', ?)",
            (answer_id, session),
        )
    migrate(conn)
    rows = conn.execute("SELECT answer_id, source, scheduled FROM review_log ORDER BY id")
    assert rows.fetchall() == [
        ("r1:1", "study", 2),
        ("q1:1", "quiz", 2),
        ("daily:C:2025-01-01:d/c:u", "daily", 2),
        ("compete:x:1:u", "competition", 2),
    ]
    conn.close()
