"""The write statements and the ops that run them; `bot.storage._batch` runs a batch of ops
as one transaction (group commit).

Everything here is synchronous and runs on the writer thread, which owns the write connection.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.core.models import AnswerRecord, CardState, Learner, Person, StudySession
from bot.core.periods import period_keys
from bot.storage.codec import dt_to_text, opt_dt_to_text, session_to_json

log = logging.getLogger(__name__)

BOARD_ZONE = (
    "SELECT timezone FROM daily_schedules WHERE platform = ? AND workspace = ?"
    " ORDER BY since, channel LIMIT 1"
)
"""A workspace's board zone: the zone of its first daily quiz (none: UTC)."""


class LearnerIds:
    """Learner -> learners row id and Person -> people row id, caching only committed ids.

    Ids found or created inside the running batch stay pending: a rolled-back savepoint or a
    failed commit would otherwise leave the cache pointing at a row that does not exist.
    `forget` drops a person's ids when their rows are deleted.
    """

    def __init__(self) -> None:
        self._committed: dict[Learner | Person, int] = {}
        self._pending: dict[Learner | Person, int] = {}
        self._zones: dict[tuple[str, str], str | None] = {}

    def zone(self, conn: sqlite3.Connection, platform: str, workspace: str) -> str | None:
        """A workspace's board zone (`BOARD_ZONE`), read once: every answer needs it, and
        only an op that changes daily schedules changes it (it calls `zones_changed`)."""
        key = (platform, workspace)
        if key not in self._zones:
            row = conn.execute(BOARD_ZONE, key).fetchone()
            self._zones[key] = row[0] if row else None
        return self._zones[key]

    def zones_changed(self) -> None:
        self._zones.clear()

    def get(self, conn: sqlite3.Connection, learner: Learner) -> int:
        """The learner's row id (a person in a workspace), created on first use."""
        return self._id(conn, learner, "learners", ("platform", "workspace", "user"))

    def person(self, conn: sqlite3.Connection, person: Person) -> int:
        """The person's row id, created on first use."""
        return self._id(conn, person, "people", ("platform", "user"))

    def forget(self, person: Person) -> None:
        for cache in (self._committed, self._pending):
            for key in [
                k for k in cache if k.platform == person.platform and k.user == person.user
            ]:
                del cache[key]

    def _id(
        self,
        conn: sqlite3.Connection,
        key: Learner | Person,
        table: str,
        columns: tuple[str, ...],
    ) -> int:
        found = self._committed.get(key) or self._pending.get(key)
        if found is not None:
            return found
        values = tuple(getattr(key, c) for c in columns)
        where = " AND ".join(f"{c} = ?" for c in columns)
        row = conn.execute(f"SELECT id FROM {table} WHERE {where}", values).fetchone()
        if row is None:
            cursor = conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})",
                values,
            )
            row = (cursor.lastrowid,)
        self._pending[key] = row[0]
        return row[0]

    def mark(self) -> int:
        return len(self._pending)

    def rollback_to(self, mark: int) -> None:
        self._zones.clear()  # a zone read after a rolled-back schedule change is stale
        for learner in list(self._pending)[mark:]:
            del self._pending[learner]

    def commit(self) -> None:
        self._committed.update(self._pending)
        self._pending.clear()

    def discard(self) -> None:
        self._zones.clear()
        self._pending.clear()


class Op(Protocol):
    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> object: ...


class SqlAccess(Protocol):
    """What the feature stores need of `SqliteRepository`: its writer and its reads."""

    async def write(self, op: Op) -> Any:
        """Run `op` in the next group commit; its result once it is durable."""
        ...

    async def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]: ...

    async def fetch_named(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]: ...


class Unchanged(Exception):
    """Raised by an op to roll back its savepoint and still answer `result`."""

    def __init__(self, result: object) -> None:
        super().__init__(result)
        self.result = result


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement; answers the rows it touched (0: a lost claim, and nothing to roll back)."""

    sql: str
    params: tuple[Any, ...]

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> int:
        return conn.execute(self.sql, self.params).rowcount


# Each write is a statement head taking rows of `?` placeholders, and a row builder: one op
# writes one row (or a few), and a batch of ops writes them all in one multi-row statement
# (bot/storage/_batch.py), so the two paths cannot drift apart.

SESSION_INSERT = (
    "INSERT INTO sessions (id, learner_id, data, answered, updated_at, ended_at) VALUES"
)
SESSION_UPSERT = (
    " ON CONFLICT (id) DO UPDATE SET learner_id = excluded.learner_id,"
    " data = excluded.data, answered = excluded.answered,"
    " updated_at = excluded.updated_at, ended_at = excluded.ended_at"
)
LOG_INSERT = (
    "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format,"
    " rating, correct, points, answered_at, duration_ms, session_id, response, source,"
    " scheduled) VALUES"
)
LOG_KEEP_FIRST = " ON CONFLICT (answer_id) DO NOTHING"
STATE_INSERT = (
    "INSERT INTO card_states (person_id, deck_id, card_id, phase, step, stability,"
    " difficulty, due, last_review, reps, lapses, wrong_streak, first_seen) VALUES"
)
STATE_UPSERT = (
    " ON CONFLICT (person_id, deck_id, card_id) DO UPDATE SET phase = excluded.phase,"
    " step = excluded.step, stability = excluded.stability,"
    " difficulty = excluded.difficulty, due = excluded.due,"
    " last_review = excluded.last_review, reps = excluded.reps,"
    " lapses = excluded.lapses, wrong_streak = excluded.wrong_streak"
)
SCORE_INSERT = (
    "INSERT INTO scores (platform, workspace, period_key, deck_id, user, points,"
    " answers, correct) VALUES"
)
SCORE_ROW = "(?, ?, ?, ?, ?, ?, 1, ?)"
SCORE_ADD = (
    " ON CONFLICT (platform, workspace, period_key, deck_id, user) DO UPDATE SET"
    " points = points + excluded.points, answers = answers + 1,"
    " correct = correct + excluded.correct"
)
RECORD_INSERT = (
    "INSERT INTO card_records (platform, workspace, deck_id, card_id, attempts, correct) VALUES"
)
RECORD_ROW = "(?, ?, ?, ?, 1, ?)"
RECORD_ADD = (
    " ON CONFLICT (platform, workspace, deck_id, card_id) DO UPDATE SET"
    " attempts = attempts + 1, correct = correct + excluded.correct"
)


def placeholders(width: int) -> str:
    return "(" + ", ".join("?" * width) + ")"


def session_row(s: StudySession, learner_id: int, stamp: str | None = None) -> tuple[Any, ...]:
    """The sessions row; `stamp` is the write's time as text (now unless a batch gives its
    own, read once for all its rows)."""
    return (
        s.id,
        learner_id,
        session_to_json(s),
        s.answered,
        stamp or dt_to_text(datetime.now(UTC)),
        opt_dt_to_text(s.ended_at),
    )


def log_row(a: AnswerRecord, learner_id: int, at: str) -> tuple[Any, ...]:
    scheduled = None if a.scheduled is None else int(a.scheduled)
    return (a.answer_id, learner_id, a.deck_id, a.card_id, str(a.format), int(a.rating),
            int(a.correct), a.points, at, a.duration_ms, a.session_id, a.response,
            str(a.source), scheduled)  # fmt: skip


def state_row(person_id: int, st: CardState, at: str) -> tuple[Any, ...]:
    """The person's card state; `first_seen` (the new-card ration) is set on the first write."""
    return (person_id, st.deck_id, st.card_id, int(st.phase), st.step, st.stability,
            st.difficulty, opt_dt_to_text(st.due), opt_dt_to_text(st.last_review), st.reps,
            st.lapses, st.wrong_streak, at)  # fmt: skip


def score_rows(a: AnswerRecord, zone: str | None) -> list[tuple[Any, ...]]:
    """The group's boards: only where the answer was given. Day and week boards count days
    in the workspace's `zone`."""
    learner = a.learner
    return [
        (learner.platform, learner.workspace, key, scope, learner.user, a.points, int(a.correct))
        for key in period_keys(a.answered_at, zone)
        for scope in dict.fromkeys(("", a.deck_id))
    ]


def record_row(a: AnswerRecord) -> tuple[Any, ...]:
    """The group's record on the card."""
    return (a.learner.platform, a.learner.workspace, a.deck_id, a.card_id, int(a.correct))


_SAVE_ONE = SESSION_INSERT + placeholders(6) + SESSION_UPSERT
_LOG_ONE = LOG_INSERT + placeholders(14) + LOG_KEEP_FIRST
_STATE_ONE = STATE_INSERT + placeholders(13) + STATE_UPSERT
_RECORD_ONE = RECORD_INSERT + RECORD_ROW + RECORD_ADD
ADVANCE = (
    "UPDATE sessions SET data = ?, answered = ?, updated_at = ?, ended_at = ?"
    " WHERE id = ? AND json_extract(data, '$.turn') = ?"
)


@dataclass(frozen=True, slots=True)
class SaveSession:
    session: StudySession

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> None:
        conn.execute(_SAVE_ONE, session_row(self.session, ids.get(conn, self.session.learner)))


@dataclass(frozen=True, slots=True)
class AdvanceSession:
    """The session written only while the stored one is at `from_turn`: of two "Next" clicks
    that raced, one card is asked, not the last writer's."""

    session: StudySession
    from_turn: int

    def row(self, stamp: str | None = None) -> tuple[Any, ...]:
        """`ADVANCE`'s parameters, the `session_row` values in its order."""
        s_id, _, data, answered, updated_at, ended_at = session_row(self.session, 0, stamp)
        return (data, answered, updated_at, ended_at, s_id, self.from_turn)

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> bool:
        return conn.execute(ADVANCE, self.row()).rowcount == 1


@dataclass(frozen=True, slots=True)
class RecordAnswer:
    """The review-log row, and the card's new state unless the answer left it alone (None)."""

    answer: AnswerRecord
    state: CardState | None
    session: StudySession | None

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> bool:
        a, st = self.answer, self.state
        lid = ids.get(conn, a.learner)
        pid = ids.person(conn, a.learner.person)
        at = dt_to_text(a.answered_at)
        cursor = conn.execute(_LOG_ONE, log_row(a, lid, at))
        if cursor.rowcount == 0:  # seen before; not OR IGNORE, which would also hide CHECK failures
            raise Unchanged(False)
        if st is not None:  # None: recognition that schedules nothing (bot.core.evidence)
            conn.execute(_STATE_ONE, state_row(pid, st, at))
        learner = a.learner
        if learner.in_group:
            rows = score_rows(a, ids.zone(conn, learner.platform, learner.workspace))
            conn.execute(SCORE_INSERT + ", ".join([SCORE_ROW] * len(rows)) + SCORE_ADD,
                         [v for row in rows for v in row])  # fmt: skip
            conn.execute(_RECORD_ONE, record_row(a))
        if self.session is not None:
            SaveSession(self.session).apply(conn, ids)
        return True
