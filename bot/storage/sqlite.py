"""SQLite Repository: WAL, one writer task with group commit, a separate read connection.

Writes (answers, sessions) go through `Writer` (bot/storage/_writer.py) and are durable when the
awaited call returns; reads use their own aiosqlite connection, which WAL lets run while the
writer commits. Leaderboards and totals read the maintained `scores` table, never a sum over the
review log.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.models import (
    AnswerRecord,
    CardKey,
    CardRecord,
    CardState,
    Format,
    Learner,
    Rating,
    Source,
    StudySession,
)
from bot.core.ports import StorageError
from bot.core.reports import DayCount, LeaderboardEntry
from bot.storage import _stats
from bot.storage._scale_reads import STATE_COLUMNS, ScaleReads, state_from_row
from bot.storage._stats import PERSON, PLACES, who
from bot.storage._writer import MAX_BATCH, Writer
from bot.storage._writes import BOARD_ZONE, AdvanceSession, Op, RecordAnswer, SaveSession
from bot.storage.chat_decks import ChatDeckStore
from bot.storage.codec import dt_to_text, session_from_json, text_to_dt
from bot.storage.competitions import CompetitionStore
from bot.storage.daily import DailyStore
from bot.storage.files import private_file
from bot.storage.fitting import FitStore
from bot.storage.installs import InstallStore
from bot.storage.people import PeopleStore
from bot.storage.seen import SeenStore

log = logging.getLogger(__name__)


class SqliteRepository(ScaleReads):
    """The `bot.core.ports.Repository` on one SQLite file."""

    def __init__(self, path: Path, writer: Writer, reader: aiosqlite.Connection) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._quick = _quick_reader(path)
        self._closed = False

    @classmethod
    async def open(cls, path: str | Path, *, max_batch: int = MAX_BATCH) -> SqliteRepository:
        """Create or upgrade the database at `path` and start the writer.

        `max_batch=1` gives one transaction per write: the naive design the benchmark compares.
        """
        path = Path(path)
        try:
            private_file(path)
            writer = await Writer.start(path, max_batch=max_batch)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open {path}: {exc}") from exc
        try:
            reader = await aiosqlite.connect(path, isolation_level=None)
            for pragma in ("PRAGMA busy_timeout = 5000", "PRAGMA query_only = ON"):
                await reader.execute(pragma)
        except BaseException:
            await writer.close()
            raise
        log.info("opened %s", path)
        return cls(path, writer, reader)

    # --- writes ----------------------------------------------------------------------------

    async def record_answer(
        self, answer: AnswerRecord, state: CardState | None, session: StudySession | None
    ) -> bool:
        if state is not None and state.key != (answer.deck_id, answer.card_id):
            raise ValueError(f"state {state.key} is not the answered card {answer.card_id!r}")
        return bool(await self._writer.submit(RecordAnswer(answer, state, session)))

    async def save_session(self, session: StudySession) -> None:
        await self._writer.submit(SaveSession(session))

    async def advance_session(self, session: StudySession, from_turn: int) -> bool:
        return bool(await self._writer.submit(AdvanceSession(session, from_turn)))

    # --- reads -----------------------------------------------------------------------------

    async def load_states(self, learner: Learner) -> dict[CardKey, CardState]:
        rows = await self._fetch(
            f"SELECT {STATE_COLUMNS} FROM card_states WHERE person_id = {PERSON}",
            who(learner),
        )
        states = (state_from_row(row) for row in rows)
        return {s.key: s for s in states}

    async def load_state(self, learner: Learner, key: CardKey) -> CardState | None:
        rows = self._fetch_now(
            f"SELECT {STATE_COLUMNS} FROM card_states"
            f" WHERE person_id = {PERSON} AND deck_id = ? AND card_id = ?",
            (*who(learner), *key),
        )
        return state_from_row(rows[0]) if rows else None

    async def new_cards_since(self, learner: Learner, since: datetime) -> int:
        rows = self._fetch_now(
            f"SELECT count(*) FROM card_states WHERE person_id = {PERSON} AND first_seen >= ?",
            (*who(learner), dt_to_text(since)),
        )
        return rows[0][0]

    async def card_records(self, platform: str, workspace: str) -> dict[CardKey, CardRecord]:
        rows = await self._fetch(
            "SELECT deck_id, card_id, attempts, correct FROM card_records"
            " WHERE platform = ? AND workspace = ?",
            (platform, workspace),
        )
        return {(d, c): CardRecord(attempts=n, correct=k) for d, c, n, k in rows}

    async def load_session(self, session_id: str) -> StudySession | None:
        rows = self._fetch_now("SELECT data FROM sessions WHERE id = ?", (session_id,))
        return session_from_json(rows[0][0]) if rows else None

    async def last_session(self, learner: Learner) -> StudySession | None:
        rows = await self._fetch(
            f"SELECT data FROM sessions WHERE learner_id IN {PLACES}"
            " AND answered > 0 ORDER BY rowid DESC LIMIT 1",
            who(learner),
        )
        return session_from_json(rows[0][0]) if rows else None

    async def find_answer(self, answer_id: str) -> AnswerRecord | None:
        rows = self._fetch_now(
            "SELECT r.answer_id, l.platform, l.workspace, l.user, r.deck_id, r.card_id,"
            " r.format, r.rating, r.correct, r.points, r.answered_at, r.duration_ms,"
            " r.session_id, r.response, r.source, r.scheduled"
            " FROM review_log r JOIN learners l ON l.id = r.learner_id WHERE r.answer_id = ?",
            (answer_id,),
        )
        if not rows:
            return None
        aid, platform, workspace, user, deck, card, fmt, rating, correct, *rest = rows[0]
        points, at, duration, session_id, response, source, scheduled = rest
        return AnswerRecord(
            answer_id=aid,
            learner=Learner(platform, workspace, user),
            deck_id=deck,
            card_id=card,
            format=Format(fmt),
            rating=Rating(rating),
            correct=bool(correct),
            points=points,
            answered_at=text_to_dt(at),
            duration_ms=duration,
            session_id=session_id,
            response=response,
            source=Source(source),
            scheduled=None if scheduled is None else Rating(scheduled),
        )

    async def leaderboard(
        self,
        platform: str,
        workspace: str,
        period_key: str,
        deck_id: str | None,
        limit: int,
        user: str,
    ) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]:
        """Ordered by points, then correct answers, then user id, so ranks are deterministic."""
        board = (platform, workspace, period_key, deck_id or "")
        return await _stats.leaderboard(self._fetch, board, limit, user)

    async def totals(self, learner: Learner) -> tuple[int, int]:
        """The person's reviews and correct answers everywhere, from their review-log rows."""
        rows = await self._fetch(
            "SELECT count(*), coalesce(sum(correct), 0) FROM review_log"
            f" WHERE learner_id IN {PLACES}",
            who(learner),
        )
        return (rows[0][0], rows[0][1])

    async def review_days(
        self, learner: Learner, since: datetime, zone: str | None = None
    ) -> list[DayCount]:
        return await _stats.review_days(self._fetch, learner, since, zone)

    async def review_day_keys(self, learner: Learner, zone: str | None = None) -> list[str]:
        return await _stats.review_day_keys(self._fetch, learner, zone)

    async def board_zone(self, platform: str, workspace: str) -> str | None:
        rows = self._fetch_now(BOARD_ZONE, (platform, workspace))
        return rows[0][0] if rows else None

    async def person_zone(self, learner: Learner) -> str | None:
        rows = self._fetch_now(
            "SELECT timezone FROM people WHERE platform = ? AND user = ?", who(learner)
        )
        return rows[0][0] if rows else None

    # --- maintenance -----------------------------------------------------------------------

    async def check(self) -> str:
        """`PRAGMA quick_check`: "ok", or the problems found (for a health command)."""
        rows = await self._fetch("PRAGMA quick_check", ())
        return "\n".join(str(row[0]) for row in rows)

    async def backup(self, dest: Path) -> None:
        """A consistent copy via SQLite's online backup, while writes go on.

        Copied in one step (one read snapshot) into a temporary file renamed over `dest`, so a
        reader of `dest` never sees half a backup.
        """
        self._check_open()
        dest = Path(dest)
        tmp = dest.with_name(dest.name + ".tmp")
        try:
            tmp.unlink(missing_ok=True)
            private_file(tmp)
            async with (
                aiosqlite.connect(self.path) as source,
                aiosqlite.connect(tmp) as target,
            ):
                await source.backup(target, pages=-1)
            os.replace(tmp, dest)
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"backup to {dest} failed: {exc}") from exc
        log.info("backed up %s to %s", self.path, dest)

    async def close(self) -> None:
        """Commit what is queued and close both connections; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._writer.close()
        finally:
            await self._reader.close()
            self._quick.close()

    # --- the feature stores (bot/app/ports.py `Stores`) -------------------------------------

    def daily_store(self) -> DailyStore:
        return DailyStore(self)

    def competition_store(self) -> CompetitionStore:
        return CompetitionStore(self)

    def people_store(self) -> PeopleStore:
        return PeopleStore(self)

    def fit_store(self) -> FitStore:
        return FitStore(self)

    def chat_deck_store(self) -> ChatDeckStore:
        return ChatDeckStore(self)

    def install_store(self) -> InstallStore:
        return InstallStore(self)

    def seen_store(self) -> SeenStore:
        return SeenStore(self)

    # --- extension points for feature stores (daily quizzes, competitions) ------------------

    async def write(self, op: Op) -> Any:
        """Run `op` in the next group commit; returns its result once it is durable."""
        self._check_open()
        return await self._writer.submit(op)

    async def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Rows from the read connection (WAL: never blocked by the writer)."""
        return await self._fetch(sql, params)

    async def fetch_named(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows as {column: value}, for exports that keep the column names."""
        self._check_open()
        try:
            async with self._reader.execute(sql, params) as cursor:
                names = [d[0].split(".")[-1] for d in cursor.description]
                rows = await cursor.fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"read failed: {exc}") from exc
        return [dict(zip(names, row, strict=True)) for row in rows]

    # --- helpers ---------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the repository is closed")

    def _fetch_now(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """A point read on the loop thread (see `_quick_reader`)."""
        self._check_open()
        try:
            return self._quick.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"read failed: {exc}") from exc

    async def _fetch(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        self._check_open()
        try:
            return list(await self._reader.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise StorageError(f"read failed: {exc}") from exc


def _quick_reader(path: Path) -> sqlite3.Connection:
    """A read connection used on the event loop itself, for point reads by key.

    Such a read takes tens of microseconds, less than the hop to aiosqlite's thread and back;
    WAL means it never waits for the writer. Scans (leaderboards, stats, every card state)
    stay on the aiosqlite connection so a long one never stalls the loop.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 200")
    conn.execute("PRAGMA query_only = ON")
    return conn
