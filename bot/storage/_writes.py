"""The write statements, and one batch of writes run as one transaction (group commit).

Everything here is synchronous and runs on the writer thread, which owns the write connection:
a whole batch costs one hop to the thread and one fsync, however many answers it holds.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.core.models import AnswerRecord, CardState, Learner, Person, StudySession
from bot.core.periods import period_keys
from bot.core.ports import StorageError
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


@dataclass(frozen=True, slots=True)
class SaveSession:
    session: StudySession

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> None:
        s = self.session
        conn.execute(
            "INSERT INTO sessions (id, learner_id, data, answered, updated_at, ended_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET learner_id = excluded.learner_id,"
            " data = excluded.data, answered = excluded.answered,"
            " updated_at = excluded.updated_at, ended_at = excluded.ended_at",
            (
                s.id,
                ids.get(conn, s.learner),
                session_to_json(s),
                s.answered,
                dt_to_text(datetime.now(UTC)),
                opt_dt_to_text(s.ended_at),
            ),
        )


@dataclass(frozen=True, slots=True)
class AdvanceSession:
    """The session written only while the stored one is at `from_turn`: of two "Next" clicks
    that raced, one card is asked, not the last writer's."""

    session: StudySession
    from_turn: int

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> bool:
        s = self.session
        return (
            conn.execute(
                "UPDATE sessions SET data = ?, answered = ?, updated_at = ?, ended_at = ?"
                " WHERE id = ? AND json_extract(data, '$.turn') = ?",
                (session_to_json(s), s.answered, dt_to_text(datetime.now(UTC)),
                 opt_dt_to_text(s.ended_at), s.id, self.from_turn),
            ).rowcount
            == 1
        )  # fmt: skip


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
        scheduled = None if a.scheduled is None else int(a.scheduled)
        cursor = conn.execute(
            "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format,"
            " rating, correct, points, answered_at, duration_ms, session_id, response, source,"
            " scheduled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (answer_id) DO NOTHING",
            (a.answer_id, lid, a.deck_id, a.card_id, str(a.format), int(a.rating),
             int(a.correct), a.points, at, a.duration_ms, a.session_id, a.response,
             str(a.source), scheduled),
        )  # fmt: skip
        if cursor.rowcount == 0:  # seen before; not OR IGNORE, which would also hide CHECK failures
            raise Unchanged(False)
        if st is not None:  # None: recognition that schedules nothing (bot.core.evidence)
            _write_state(conn, pid, st, at)
        learner = a.learner
        if learner.in_group:
            _score(conn, a, ids.zone(conn, learner.platform, learner.workspace))
        if self.session is not None:
            SaveSession(self.session).apply(conn, ids)
        return True


def _write_state(conn: sqlite3.Connection, pid: int, st: CardState, at: str) -> None:
    """Upsert the person's card state; `first_seen` (the new-card ration) is set on the first
    write."""
    conn.execute(
        "INSERT INTO card_states (person_id, deck_id, card_id, phase, step, stability,"
        " difficulty, due, last_review, reps, lapses, wrong_streak, first_seen)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (person_id, deck_id, card_id) DO UPDATE SET phase = excluded.phase,"
        " step = excluded.step, stability = excluded.stability,"
        " difficulty = excluded.difficulty, due = excluded.due,"
        " last_review = excluded.last_review, reps = excluded.reps,"
        " lapses = excluded.lapses, wrong_streak = excluded.wrong_streak",
        (pid, st.deck_id, st.card_id, int(st.phase), st.step, st.stability, st.difficulty,
         opt_dt_to_text(st.due), opt_dt_to_text(st.last_review), st.reps, st.lapses,
         st.wrong_streak, at),
    )  # fmt: skip


def _score(conn: sqlite3.Connection, a: AnswerRecord, zone: str | None) -> None:
    """The group's boards and card record: only where the answer was given. Day and week
    boards count days in the workspace's `zone`."""
    learner = a.learner
    conn.executemany(
        "INSERT INTO scores (platform, workspace, period_key, deck_id, user, points,"
        " answers, correct) VALUES (?, ?, ?, ?, ?, ?, 1, ?)"
        " ON CONFLICT (platform, workspace, period_key, deck_id, user) DO UPDATE SET"
        " points = points + excluded.points, answers = answers + 1,"
        " correct = correct + excluded.correct",
        [
            (learner.platform, learner.workspace, key, scope, learner.user, a.points,
             int(a.correct))
            for key in period_keys(a.answered_at, zone)
            for scope in dict.fromkeys(("", a.deck_id))
        ],
    )  # fmt: skip
    conn.execute(
        "INSERT INTO card_records (platform, workspace, deck_id, card_id, attempts, correct)"
        " VALUES (?, ?, ?, ?, 1, ?)"
        " ON CONFLICT (platform, workspace, deck_id, card_id) DO UPDATE SET"
        " attempts = attempts + 1, correct = correct + excluded.correct",
        (learner.platform, learner.workspace, a.deck_id, a.card_id, int(a.correct)),
    )


def run_batch(
    conn: sqlite3.Connection, ops: Sequence[Op], ids: LearnerIds
) -> list[object | BaseException]:
    """Apply `ops` in one transaction, each as if under its own savepoint; one outcome per op.

    A failing op gets its exception and leaves no trace; the others still commit. If the
    transaction itself cannot begin or commit, every op gets a StorageError.

    Ops rarely fail, so the batch first runs without savepoints (two statements fewer per
    op on the writer thread, the answer path's bottleneck); only when one fails is the
    transaction rolled back and run again with a savepoint around each op.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
        outcomes = _all_or_nothing(conn, ops, ids)
        if outcomes is None:
            conn.execute("ROLLBACK")
            ids.discard()
            conn.execute("BEGIN IMMEDIATE")
            outcomes = _one_by_one(conn, ops, ids)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        log.error("could not commit a batch of %d writes: %s", len(ops), exc)
        ids.discard()
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rollback after a failed batch failed too")
        return [_storage_error(exc, f"could not commit {len(ops)} writes") for _ in ops]
    ids.commit()
    return outcomes


def _all_or_nothing(
    conn: sqlite3.Connection, ops: Sequence[Op], ids: LearnerIds
) -> list[object | BaseException] | None:
    """Every op's result, or None as soon as one raises (the caller rolls back)."""
    outcomes: list[object | BaseException] = []
    for op in ops:
        try:
            outcomes.append(op.apply(conn, ids))
        except Exception:
            return None
    return outcomes


def _one_by_one(
    conn: sqlite3.Connection, ops: Sequence[Op], ids: LearnerIds
) -> list[object | BaseException]:
    outcomes: list[object | BaseException] = []
    for op in ops:
        mark = ids.mark()
        conn.execute("SAVEPOINT op")
        try:
            outcome: object | BaseException = op.apply(conn, ids)
        except Exception as exc:
            conn.execute("ROLLBACK TO op")
            ids.rollback_to(mark)
            outcome = exc.result if isinstance(exc, Unchanged) else _storage_error(exc)
        conn.execute("RELEASE op")
        outcomes.append(outcome)
    return outcomes


def _storage_error(exc: Exception, what: str = "could not write") -> BaseException:
    if not isinstance(exc, sqlite3.Error):
        return exc
    error = StorageError(f"{what}: {exc} (nothing of it was saved)")
    error.__cause__ = exc
    return error
