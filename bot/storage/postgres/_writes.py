"""The answer path on PostgreSQL: one answer, its card state, scores, the group's card record
and the session in one transaction, and a redelivered answer id counted once.

No row id is cached in the process: another process may have forgotten the person a moment
ago, so the learner and person ids (and the workspace's board zone) are read in the answer's
own transaction, in one round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bot.core.models import AnswerRecord, CardState, Learner, StudySession
from bot.core.periods import period_keys
from bot.storage._writes import Unchanged
from bot.storage.codec import session_to_json
from bot.storage.postgres._db import opt_utc, rowcount, utc

BOARD_ZONE = (
    "SELECT timezone FROM daily_schedules WHERE platform = $1 AND workspace = $2"
    " ORDER BY since, channel LIMIT 1"
)
"""A workspace's board zone: the zone of its first daily quiz (none: UTC)."""

_IDS = (
    'SELECT (SELECT id FROM learners WHERE platform = $1 AND workspace = $2 AND "user" = $3),'
    ' (SELECT id FROM people WHERE platform = $1 AND "user" = $3),'
    " (SELECT timezone FROM daily_schedules WHERE platform = $1 AND workspace = $2"
    " ORDER BY since, channel LIMIT 1)"
)


async def learner_ids(conn: asyncpg.Connection, learner: Learner) -> tuple[int, int, str | None]:
    """(learner row id, person row id, board zone), rows created on first use.

    ON CONFLICT DO NOTHING waits for a concurrent insert of the same key and then returns no
    row; the row is committed by then, so reading it again finds it.
    """
    row = await conn.fetchrow(_IDS, learner.platform, learner.workspace, learner.user)
    assert row is not None
    lid, pid, zone = row
    if lid is None:
        lid = await _create(
            conn,
            'INSERT INTO learners (platform, workspace, "user") VALUES ($1, $2, $3)',
            'SELECT id FROM learners WHERE platform = $1 AND workspace = $2 AND "user" = $3',
            (learner.platform, learner.workspace, learner.user),
        )
    if pid is None:
        pid = await person_id(conn, learner.platform, learner.user)
    return lid, pid, zone


async def person_id(conn: asyncpg.Connection, platform: str, user: str) -> int:
    return await _create(
        conn,
        'INSERT INTO people (platform, "user") VALUES ($1, $2)',
        'SELECT id FROM people WHERE platform = $1 AND "user" = $2',
        (platform, user),
    )


async def _create(conn: asyncpg.Connection, insert: str, select: str, key: tuple[str, ...]) -> int:
    found = await conn.fetchval(insert + " ON CONFLICT DO NOTHING RETURNING id", *key)
    if found is None:
        found = await conn.fetchval(select, *key)
    return int(found)


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement; answers the rows it touched (0: a lost claim, nothing to roll back)."""

    sql: str
    params: tuple[Any, ...]

    async def apply(self, conn: asyncpg.Connection) -> int:
        return rowcount(await conn.execute(self.sql, *self.params))


@dataclass(frozen=True, slots=True)
class SaveSession:
    session: StudySession

    async def apply(self, conn: asyncpg.Connection) -> None:
        lid, _, _ = await learner_ids(conn, self.session.learner)
        await save_session(conn, self.session, lid)


async def save_session(conn: asyncpg.Connection, s: StudySession, learner_id: int) -> None:
    await conn.execute(
        "INSERT INTO sessions (id, learner_id, data, answered, updated_at, ended_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (id) DO UPDATE SET learner_id = excluded.learner_id,"
        " data = excluded.data, answered = excluded.answered,"
        " updated_at = excluded.updated_at, ended_at = excluded.ended_at",
        s.id,
        learner_id,
        session_to_json(s),
        s.answered,
        datetime.now(UTC),
        opt_utc(s.ended_at),
    )


@dataclass(frozen=True, slots=True)
class RecordAnswer:
    """The review-log row, and the card's new state unless the answer left it alone (None)."""

    answer: AnswerRecord
    state: CardState | None
    session: StudySession | None

    async def apply(self, conn: asyncpg.Connection) -> bool:
        a, st = self.answer, self.state
        learner = a.learner
        lid, pid, zone = await learner_ids(conn, learner)
        at = utc(a.answered_at)
        scheduled = None if a.scheduled is None else int(a.scheduled)
        logged = await conn.fetchval(
            "INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format,"
            " rating, correct, points, answered_at, duration_ms, session_id, response, source,"
            " scheduled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            " ON CONFLICT (answer_id) DO NOTHING RETURNING id",
            a.answer_id, lid, a.deck_id, a.card_id, str(a.format), int(a.rating),
            int(a.correct), a.points, at, a.duration_ms, a.session_id, a.response,
            str(a.source), scheduled,
        )  # fmt: skip
        if logged is None:  # seen before: the first delivery's result stands
            raise Unchanged(False)
        if st is not None:  # None: recognition that schedules nothing (bot.core.evidence)
            await _write_state(conn, pid, st, at)
        if learner.in_group:
            await _score(conn, a, zone)
        if self.session is not None:
            await save_session(conn, self.session, lid)
        return True


async def _write_state(conn: asyncpg.Connection, pid: int, st: CardState, at: datetime) -> None:
    """Upsert the person's card state; `first_seen` is set on the first write."""
    await conn.execute(
        "INSERT INTO card_states (person_id, deck_id, card_id, phase, step, stability,"
        " difficulty, due, last_review, reps, lapses, wrong_streak, first_seen)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT (person_id, deck_id, card_id) DO UPDATE SET phase = excluded.phase,"
        " step = excluded.step, stability = excluded.stability,"
        " difficulty = excluded.difficulty, due = excluded.due,"
        " last_review = excluded.last_review, reps = excluded.reps,"
        " lapses = excluded.lapses, wrong_streak = excluded.wrong_streak",
        pid, st.deck_id, st.card_id, int(st.phase), st.step, st.stability, st.difficulty,
        opt_utc(st.due), opt_utc(st.last_review), st.reps, st.lapses, st.wrong_streak, at,
    )  # fmt: skip


async def _score(conn: asyncpg.Connection, a: AnswerRecord, zone: str | None) -> None:
    """The group's boards (every period, all decks and this deck) in one statement, then the
    group's record of the card. Boards are upserted in one order, so two answers never wait
    on each other in a circle."""
    learner = a.learner
    boards = [(key, scope) for key in period_keys(a.answered_at, zone)
              for scope in dict.fromkeys(("", a.deck_id))]  # fmt: skip
    await conn.execute(
        'INSERT INTO scores (platform, workspace, period_key, deck_id, "user", points,'
        " answers, correct) SELECT $1, $2, b.key, b.scope, $3, $4, 1, $5"
        " FROM unnest($6::text[], $7::text[]) AS b (key, scope)"
        ' ON CONFLICT (platform, workspace, period_key, deck_id, "user") DO UPDATE SET'
        " points = scores.points + excluded.points, answers = scores.answers + 1,"
        " correct = scores.correct + excluded.correct",
        learner.platform, learner.workspace, learner.user, a.points, int(a.correct),
        [k for k, _ in boards], [s for _, s in boards],
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO card_records (platform, workspace, deck_id, card_id, attempts, correct)"
        " VALUES ($1, $2, $3, $4, 1, $5)"
        " ON CONFLICT (platform, workspace, deck_id, card_id) DO UPDATE SET"
        " attempts = card_records.attempts + 1, correct = card_records.correct + excluded.correct",
        learner.platform, learner.workspace, a.deck_id, a.card_id, int(a.correct),
    )  # fmt: skip
