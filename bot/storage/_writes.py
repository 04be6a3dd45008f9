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
from typing import Protocol

from bot.core.models import AnswerRecord, CardState, Learner, StudySession
from bot.core.periods import period_keys
from bot.core.ports import StorageError
from bot.storage.codec import dt_to_text, opt_dt_to_text, session_to_json

log = logging.getLogger(__name__)


class LearnerIds:
    """Learner -> row id, caching only ids whose insert is committed.

    Ids found or created inside the running batch stay pending: a rolled-back savepoint or a
    failed commit would otherwise leave the cache pointing at a row that does not exist.
    """

    def __init__(self) -> None:
        self._committed: dict[Learner, int] = {}
        self._pending: dict[Learner, int] = {}

    def get(self, conn: sqlite3.Connection, learner: Learner) -> int:
        found = self._committed.get(learner) or self._pending.get(learner)
        if found is not None:
            return found
        key = (learner.platform, learner.workspace, learner.user)
        row = conn.execute(
            "SELECT id FROM learners WHERE platform = ? AND workspace = ? AND user = ?", key
        ).fetchone()
        if row is None:
            cursor = conn.execute(
                "INSERT INTO learners (platform, workspace, user) VALUES (?, ?, ?)", key
            )
            row = (cursor.lastrowid,)
        self._pending[learner] = row[0]
        return row[0]

    def mark(self) -> int:
        return len(self._pending)

    def rollback_to(self, mark: int) -> None:
        for learner in list(self._pending)[mark:]:
            del self._pending[learner]

    def commit(self) -> None:
        self._committed.update(self._pending)
        self._pending.clear()

    def discard(self) -> None:
        self._pending.clear()


class Op(Protocol):
    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> object: ...


class Unchanged(Exception):
    """Raised by an op to roll back its savepoint and still answer `result`."""

    def __init__(self, result: object) -> None:
        super().__init__(result)
        self.result = result


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
class RecordAnswer:
    """The review-log row, and the card's new state unless the answer left it alone (None)."""

    answer: AnswerRecord
    state: CardState | None
    session: StudySession | None

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> bool:
        a, st = self.answer, self.state
        lid = ids.get(conn, a.learner)
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
        if st is not None:
            _write_state(conn, lid, st, at)
        self._scores(conn)
        if self.session is not None:
            SaveSession(self.session).apply(conn, ids)
        return True

    def _scores(self, conn: sqlite3.Connection) -> None:
        a = self.answer
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
                for key in period_keys(a.answered_at)
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


def _write_state(conn: sqlite3.Connection, lid: int, st: CardState, at: str) -> None:
    """Upsert the card's state; `first_seen` (the new-card ration) is set on the first write."""
    conn.execute(
        "INSERT INTO card_states (learner_id, deck_id, card_id, phase, step, stability,"
        " difficulty, due, last_review, reps, lapses, wrong_streak, first_seen)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (learner_id, deck_id, card_id) DO UPDATE SET phase = excluded.phase,"
        " step = excluded.step, stability = excluded.stability,"
        " difficulty = excluded.difficulty, due = excluded.due,"
        " last_review = excluded.last_review, reps = excluded.reps,"
        " lapses = excluded.lapses, wrong_streak = excluded.wrong_streak",
        (lid, st.deck_id, st.card_id, int(st.phase), st.step, st.stability, st.difficulty,
         opt_dt_to_text(st.due), opt_dt_to_text(st.last_review), st.reps, st.lapses,
         st.wrong_streak, at),
    )  # fmt: skip


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
