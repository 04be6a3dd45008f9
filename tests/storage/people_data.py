"""Rows about people in every table of the schema, written the way the bot writes them, so the
forget and purge tests see what a real database holds."""

from __future__ import annotations

import itertools
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.app.ports import stores_of
from bot.core import competition as game
from bot.core.installs import AppInstall
from bot.core.models import PRIVATE, Card, Deck, Learner, MediaFile, Mode, StudySession
from bot.core.ports import Repository
from bot.storage.codec import dt_to_text
from bot.storage.competitions import encode
from bot.storage.postgres import PostgresRepository
from bot.storage.sqlite import SqliteRepository
from tests.fakes import answer

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
ANN = "ann-7731"
BOB = "bob-4410"
PLATFORM = "discord"


def everywhere(user: str) -> list[Learner]:
    return [Learner(PLATFORM, w, user) for w in ("g1", "g2", PRIVATE)]


async def populate(repo: Repository) -> None:
    """Ann and Bob study in two servers and alone, play a competition, answer a daily quiz,
    opt in to reminders; Ann set the daily quiz up. Ann imported and shared a deck with a
    picture in g1, Bob one in g2."""
    n = 0
    for user in (ANN, BOB):
        for learner in everywhere(user):
            for card in ("c1", "c2"):
                n += 1
                record, state = answer(
                    learner, f"a{n}", T0 + timedelta(minutes=n), card_id=card, session_id=f"s{n}"
                )
                session = StudySession(f"s{n}", learner, Mode.REVIEW, None, T0, answered=1)
                await repo.record_answer(record, state, session)
    raw = raw_of(repo)
    await raw.script(_rows(raw.time(T0)))
    store = stores_of(repo).chat_deck_store()
    card = Card("bio", "c1", "What is shown?", "a cell", image="media:cell.png")
    deck = Deck("bio", "Biology", (card,), media=(MediaFile("cell.png", "image/png", b"png"),))
    for user, workspace, code in ((ANN, "g1", "CODE1"), (BOB, "g2", "CODE2")):
        owner = (PLATFORM, workspace)
        deck_id, _ = await store.save(deck, owner, "bio", source="bio.apkg", by=user, now=T0)
        await store.share(owner, deck_id, code, by=user, now=T0)
    installs = stores_of(repo).install_store()
    for user, workspace in ((ANN, "g1"), (BOB, "g2")):
        await installs.save(
            AppInstall(PLATFORM, "", workspace, user, False, T0, '{"app_id": "A1"}',
                       "sealed-bot", f"sealed-user-of-{user}")
        )  # fmt: skip


def _competition() -> str:
    c = game.new(
        "game1",
        (PLATFORM, "g1", "chan"),
        game.Player(ANN, "Ann Example"),
        game.Rules(rounds=3, seconds=10),
        [game.RoundSpec("virt", f"c{i}", f"Q{i}?", ("a", "b"), 0) for i in range(3)],
        T0,
    )
    c = game.join(c, BOB, "Bob Example")
    c = game.start(c, ANN, T0)
    c, _ = game.answer(c, ANN, 0, T0 + timedelta(seconds=2))
    c, _ = game.answer(c, BOB, 1, T0 + timedelta(seconds=3))
    return encode(replace(c, phase=game.Phase.FINISHED))


def _rows(at: object) -> list[tuple[str, tuple[object, ...]]]:
    return [
        (
            "INSERT INTO daily_schedules (platform, workspace, channel, post_time, timezone,"
            " questions, since, set_by) VALUES (?, 'g1', 'chan', '09:00', 'Europe/Paris', 3, ?, ?)",
            (PLATFORM, at, ANN),
        ),
        (
            "INSERT INTO daily_runs (id, platform, workspace, channel, local_date, status,"
            " claimed_at) VALUES (1, ?, 'g1', 'chan', '2025-03-03', 'posted', ?)",
            (PLATFORM, at),
        ),
        *[
            (
                "INSERT INTO daily_answers (run_id, question, user, name, choice, correct,"
                " answered_at) VALUES (1, 0, ?, ?, 1, 1, ?)",
                (user, name, at),
            )
            for user, name in ((ANN, "Ann Example"), (BOB, "Bob Example"))
        ],
        *[
            (
                "INSERT INTO daily_reminders (platform, workspace, user) VALUES (?, 'g1', ?)",
                (PLATFORM, user),
            )
            for user in (ANN, BOB)
        ],
        (
            "INSERT INTO competitions (id, platform, workspace, channel, phase, data, created_at,"
            " updated_at) VALUES ('game1', ?, 'g1', 'chan', 'finished', ?, ?, ?)",
            (PLATFORM, _competition(), at, at),
        ),
        *[
            (
                "INSERT INTO competition_answers (competition_id, round, user, option, correct,"
                " points, answered_at) VALUES ('game1', 1, ?, ?, ?, ?, ?)",
                (user, option, int(option == 0), 150 if option == 0 else 0, at),
            )
            for user, option in ((ANN, 0), (BOB, 1))
        ],
        *[
            (
                "INSERT INTO competition_scores (platform, workspace, user, points, answers,"
                " correct, played) VALUES (?, 'g1', ?, ?, 1, ?, 1)",
                (PLATFORM, user, points, int(points > 0)),
            )
            for user, points in ((ANN, 150), (BOB, 0))
        ],
    ]


class Raw(Protocol):
    """The database under a repository, read and written apart from it (as another process
    would), in SQLite's dialect: the PostgreSQL one translates."""

    def time(self, at: datetime) -> object: ...

    async def tables(self) -> dict[str, set[str]]:
        """Every table and its columns."""
        ...

    async def rows(self, table: str) -> list[tuple[Any, ...]]: ...

    async def script(self, statements: list[tuple[str, tuple[object, ...]]]) -> None:
        """Run the statements in one transaction."""
        ...

    async def value(self, sql: str, *params: object) -> Any: ...

    async def select(self, sql: str, *params: object) -> list[tuple[Any, ...]]: ...


class SqliteRaw:
    def __init__(self, path: object) -> None:
        self.path = path

    def time(self, at: datetime) -> object:
        return dt_to_text(at)

    async def tables(self) -> dict[str, set[str]]:
        with sqlite3.connect(self.path) as conn:  # type: ignore[call-overload]
            names = [
                t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return {t: {c[1] for c in conn.execute(f"PRAGMA table_info({t})")} for t in names}

    async def rows(self, table: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as conn:  # type: ignore[call-overload]
            return list(conn.execute(f"SELECT * FROM {table}"))

    async def script(self, statements: list[tuple[str, tuple[object, ...]]]) -> None:
        with sqlite3.connect(self.path) as conn:  # type: ignore[call-overload]
            for sql, params in statements:
                conn.execute(sql, params)

    async def value(self, sql: str, *params: object) -> Any:
        with sqlite3.connect(self.path) as conn:  # type: ignore[call-overload]
            return conn.execute(sql, params).fetchone()[0]

    async def select(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as conn:  # type: ignore[call-overload]
            return list(conn.execute(sql, params))


class PostgresRaw:
    """Its own connections to the repository's schema."""

    def __init__(self, repo: PostgresRepository) -> None:
        self.repo = repo

    def time(self, at: datetime) -> object:
        return at

    async def tables(self) -> dict[str, set[str]]:
        rows = await self.repo.db.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
        )
        found: dict[str, set[str]] = {}
        for table, column in rows:
            found.setdefault(table, set()).add(column)
        return found

    async def rows(self, table: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.repo.db.fetch(f"SELECT * FROM {table}")]

    async def script(self, statements: list[tuple[str, tuple[object, ...]]]) -> None:
        async with self.repo.db.connection() as conn, conn.transaction():
            for sql, params in statements:
                await conn.execute(pg(sql), *params)

    async def value(self, sql: str, *params: object) -> Any:
        row = await self.repo.db.fetchrow(pg(sql), *params)
        return None if row is None else row[0]

    async def select(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in await self.repo.db.fetch(pg(sql), *params)]


def pg(sql: str) -> str:
    """A test statement in SQLite's dialect, in PostgreSQL's: $n slots, "user" quoted."""
    slots = itertools.count(1)
    sql = re.sub(r"\?", lambda _: f"${next(slots)}", sql)
    return re.sub(r'(?<!")\buser\b(?!")', '"user"', sql)


def raw_of(repo: Repository) -> Raw:
    if isinstance(repo, PostgresRepository):
        return PostgresRaw(repo)
    assert isinstance(repo, SqliteRepository)
    return SqliteRaw(repo.path)


async def cells(raw: Raw, text: str) -> dict[str, int]:
    """Per table, how many rows hold `text` in any column (JSON blobs included)."""
    found: dict[str, int] = {}
    for table in await raw.tables():
        hits = sum(any(text in str(v) for v in row) for row in await raw.rows(table))
        if hits:
            found[table] = hits
    return found


async def rows_about(raw: Raw, text: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row mentioning `text`, per table: what must be untouched for someone else."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in await raw.tables():
        found = [r for r in await raw.rows(table) if any(text in str(v) for v in r)]
        out[table] = sorted(found, key=repr)
    return out


def cells_mentioning(path: object, text: str) -> dict[str, int]:
    """Per table, how many rows hold `text` in any column (JSON blobs included)."""
    found: dict[str, int] = {}
    with sqlite3.connect(path) as conn:  # type: ignore[arg-type]
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            hits = sum(
                any(text in str(v) for v in row) for row in conn.execute(f"SELECT * FROM {table}")
            )
            if hits:
                found[table] = hits
    return found


def snapshot(path: object, text: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row mentioning `text`, per table: what must be untouched for someone else."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with sqlite3.connect(path) as conn:  # type: ignore[arg-type]
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            rows = [
                r for r in conn.execute(f"SELECT * FROM {table}") if any(text in str(v) for v in r)
            ]
            out[table] = sorted(rows, key=repr)
    return out
