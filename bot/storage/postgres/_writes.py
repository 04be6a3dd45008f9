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


_SAVE_SESSION = (
    "INSERT INTO sessions (id, learner_id, data, answered, updated_at, ended_at)"
    " SELECT $1, l.id, $5, $6, $7, $8 FROM learners l"
    ' WHERE l.platform = $2 AND l.workspace = $3 AND l."user" = $4'
    " ON CONFLICT (id) DO UPDATE SET learner_id = excluded.learner_id,"
    " data = excluded.data, answered = excluded.answered,"
    " updated_at = excluded.updated_at, ended_at = excluded.ended_at"
)


@dataclass(frozen=True, slots=True)
class SaveSession:
    """One statement (the learner's row found inside it); only a learner's first session
    needs the row made first."""

    session: StudySession

    async def apply(self, conn: asyncpg.Connection) -> None:
        s = self.session
        params = (s.id, s.learner.platform, s.learner.workspace, s.learner.user,
                  session_to_json(s), s.answered, datetime.now(UTC), opt_utc(s.ended_at))  # fmt: skip
        if rowcount(await conn.execute(_SAVE_SESSION, *params)) == 0:
            await learner_ids(conn, s.learner)
            await conn.execute(_SAVE_SESSION, *params)


@dataclass(frozen=True, slots=True)
class AdvanceSession:
    """The session written only while the stored one is at `from_turn` (one statement): of
    two "Next" clicks on two processes, one card is asked, not the last writer's."""

    session: StudySession
    from_turn: int

    async def apply(self, conn: asyncpg.Connection) -> bool:
        s = self.session
        status = await conn.execute(
            "UPDATE sessions SET data = $2, answered = $3, updated_at = $4, ended_at = $5"
            " WHERE id = $1 AND (data::jsonb ->> 'turn')::int = $6",
            s.id, session_to_json(s), s.answered, datetime.now(UTC), opt_utc(s.ended_at),
            self.from_turn,
        )  # fmt: skip
        return rowcount(status) == 1


_RECORD = (
    "WITH log AS ("
    " INSERT INTO review_log (answer_id, learner_id, deck_id, card_id, format, rating, correct,"
    " points, answered_at, duration_ms, session_id, response, source, scheduled)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    " ON CONFLICT (answer_id) DO NOTHING RETURNING id),"
    " state AS ("
    " INSERT INTO card_states (person_id, deck_id, card_id, phase, step, stability, difficulty,"
    " due, last_review, reps, lapses, wrong_streak, first_seen)"
    " SELECT $15::bigint, $3, $4, $16::int, $17::int, $18::float8, $19::float8,"
    " $20::timestamptz, $21::timestamptz, $22::int, $23::int, $24::int, $9 FROM log WHERE $25"
    " ON CONFLICT (person_id, deck_id, card_id) DO UPDATE SET phase = excluded.phase,"
    " step = excluded.step, stability = excluded.stability, difficulty = excluded.difficulty,"
    " due = excluded.due, last_review = excluded.last_review, reps = excluded.reps,"
    " lapses = excluded.lapses, wrong_streak = excluded.wrong_streak),"
    " boards AS ("
    ' INSERT INTO scores (platform, workspace, period_key, deck_id, "user", points, answers,'
    " correct) SELECT $26, $27, b.key, b.scope, $28, $8, 1, $7"
    " FROM log, unnest($29::text[], $30::text[]) AS b (key, scope)"
    ' ON CONFLICT (platform, workspace, period_key, deck_id, "user") DO UPDATE SET'
    " points = scores.points + excluded.points, answers = scores.answers + 1,"
    " correct = scores.correct + excluded.correct),"
    " record AS ("
    " INSERT INTO card_records (platform, workspace, deck_id, card_id, attempts, correct)"
    " SELECT $26, $27, $3, $4, 1, $7 FROM log WHERE cardinality($29::text[]) > 0"
    " ON CONFLICT (platform, workspace, deck_id, card_id) DO UPDATE SET"
    " attempts = card_records.attempts + 1,"
    " correct = card_records.correct + excluded.correct),"
    " saved AS ("
    " INSERT INTO sessions (id, learner_id, data, answered, updated_at, ended_at)"
    " SELECT $31::text, $2, $32::text, $33::int, $34::timestamptz, $35::timestamptz FROM log"
    " WHERE $31::text IS NOT NULL"
    " ON CONFLICT (id) DO UPDATE SET learner_id = excluded.learner_id,"
    " data = excluded.data, answered = excluded.answered,"
    " updated_at = excluded.updated_at, ended_at = excluded.ended_at)"
    " SELECT count(*) FROM log"
)
"""The whole answer as one statement: the review-log row, and only if it is new (a redelivered
answer id inserts nothing, so nothing else happens) the card state, the boards, the group's
card record and the session. One statement is one transaction; the rows it upserts are
distinct, and boards come in one order, so two answers never wait on each other in a circle."""


@dataclass(frozen=True, slots=True)
class RecordAnswer:
    """The review-log row, and the card's new state unless the answer left it alone (None)."""

    answer: AnswerRecord
    state: CardState | None
    session: StudySession | None

    async def apply(self, conn: asyncpg.Connection) -> bool:
        a, st, s = self.answer, self.state, self.session
        learner = a.learner
        lid, pid, zone = await learner_ids(conn, learner)
        at = utc(a.answered_at)
        scheduled = None if a.scheduled is None else int(a.scheduled)
        boards = [] if not learner.in_group else [
            (key, scope) for key in period_keys(a.answered_at, zone)
            for scope in dict.fromkeys(("", a.deck_id))
        ]  # fmt: skip
        logged = await conn.fetchval(
            _RECORD,
            a.answer_id, lid, a.deck_id, a.card_id, str(a.format), int(a.rating),
            int(a.correct), a.points, at, a.duration_ms, a.session_id, a.response,
            str(a.source), scheduled,
            pid,
            None if st is None else int(st.phase), None if st is None else st.step,
            None if st is None else st.stability, None if st is None else st.difficulty,
            None if st is None else opt_utc(st.due),
            None if st is None else opt_utc(st.last_review),
            0 if st is None else st.reps, 0 if st is None else st.lapses,
            0 if st is None else st.wrong_streak, st is not None,
            learner.platform, learner.workspace, learner.user,
            [k for k, _ in boards], [b for _, b in boards],
            None if s is None else s.id, None if s is None else session_to_json(s),
            0 if s is None else s.answered, datetime.now(UTC),
            None if s is None else opt_utc(s.ended_at),
        )  # fmt: skip
        if not logged:  # seen before: nothing was written, the first delivery's result stands
            raise Unchanged(False)
        return True
