"""DailyStore on PostgreSQL: the daily quiz tables (migrations/postgres/0003_daily.sql).

The same claims as `bot.storage.daily`, safe between processes: a day is claimed by a unique
(channel, local date) row, a close by `closed_at IS NULL`, a reminder by `last_reminded`, each
decided by the database, so whichever process gets there first posts and the others see 0 rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import asyncpg

from bot.core.daily import AnswerRow, DailyQuestion, DailyRun, Schedule
from bot.core.models import CardKey, Learner, ReviewEntry
from bot.storage._writes import Unchanged
from bot.storage.daily import question_dict, questions_from_json
from bot.storage.postgres._db import Db, opt_utc, utc
from bot.storage.postgres._writes import RecordAnswer, Statement

_SCHEDULE = (
    "platform, workspace, channel, post_time, timezone, questions, deck_id, close_time, since,"
    " set_by"
)
_RUN = "id, platform, workspace, channel, local_date, questions, close_at, closed_at"
_CHANNEL = "platform = $1 AND workspace = $2 AND channel = $3"


@dataclass(frozen=True, slots=True)
class _ClaimRun:
    schedule: Schedule
    day: date
    status: str
    questions: str
    close_at: datetime | None
    now: datetime
    note: str
    until: datetime | None = None

    async def apply(self, conn: asyncpg.Connection) -> int:
        s = self.schedule
        run_id = await conn.fetchval(
            "INSERT INTO daily_runs (platform, workspace, channel, local_date, status, questions,"
            " close_at, claimed_at, posted_at, note, lease_until) VALUES ($1, $2, $3, $4, $5,"
            " $6, $7, $8, $9, $10, $11) ON CONFLICT (platform, workspace, channel, local_date)"
            " DO NOTHING RETURNING id",
            s.platform, s.workspace, s.channel, self.day, self.status, self.questions,
            self.close_at, self.now, self.now if self.status == "posted" else None, self.note,
            self.until,
        )  # fmt: skip
        return int(run_id or 0)


@dataclass(frozen=True, slots=True)
class _DailyAnswer:
    """The member's daily row and their review in one transaction; the run's row is locked
    (FOR SHARE) so a close in another process waits for it or comes first, never between."""

    run_id: int
    question: int
    name: str
    choice: int
    inner: RecordAnswer

    async def apply(self, conn: asyncpg.Connection) -> str:
        a = self.inner.answer
        found = await conn.fetchrow(
            "SELECT closed_at FROM daily_runs WHERE id = $1 FOR SHARE", self.run_id
        )
        if found is None or found[0] is not None:
            raise Unchanged("closed")
        inserted = await conn.fetchval(
            'INSERT INTO daily_answers (run_id, question, "user", name, choice, correct,'
            " answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
            " RETURNING 1",
            self.run_id, self.question, a.learner.user, self.name, self.choice,
            int(a.correct), utc(a.answered_at),
        )  # fmt: skip
        if inserted is None:
            raise Unchanged("already")
        try:
            await self.inner.apply(conn)
        except Unchanged:
            raise Unchanged("already") from None
        return "recorded"


class DailyStore:
    """Schedules, runs, answers and reminder opt-ins (`bot.app.ports.DailyStorage`)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    async def _exec(self, sql: str, *params: Any) -> int:
        return int(await self.db.write(Statement(sql, params)))

    # --- schedules -------------------------------------------------------------------------

    async def save_schedule(self, s: Schedule) -> None:
        await self._exec(
            f"INSERT INTO daily_schedules ({_SCHEDULE}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
            " $9, $10) ON CONFLICT (platform, workspace, channel) DO UPDATE SET"
            " post_time = excluded.post_time, timezone = excluded.timezone,"
            " questions = excluded.questions, deck_id = excluded.deck_id,"
            " close_time = excluded.close_time, since = excluded.since,"
            " set_by = excluded.set_by",
            s.platform, s.workspace, s.channel, s.at.strftime("%H:%M"), s.timezone, s.questions,
            s.deck_id, s.close_at.strftime("%H:%M") if s.close_at else None, utc(s.since),
            s.set_by,
        )  # fmt: skip

    async def delete_schedule(self, platform: str, workspace: str, channel: str) -> bool:
        sql = f"DELETE FROM daily_schedules WHERE {_CHANNEL}"
        return bool(await self._exec(sql, platform, workspace, channel))

    async def schedule(self, platform: str, workspace: str, channel: str) -> Schedule | None:
        row = await self.db.fetchrow(
            f"SELECT {_SCHEDULE} FROM daily_schedules WHERE {_CHANNEL}",
            platform,
            workspace,
            channel,
        )
        return None if row is None else _schedule(row)

    async def schedules(self, platform: str) -> list[Schedule]:
        rows = await self.db.fetch(
            f"SELECT {_SCHEDULE} FROM daily_schedules WHERE platform = $1", platform
        )
        return [_schedule(row) for row in rows]

    # --- runs ------------------------------------------------------------------------------

    async def last_day(self, s: Schedule) -> date | None:
        row = await self.db.fetchrow(
            f"SELECT max(local_date) FROM daily_runs WHERE {_CHANNEL}",
            s.platform,
            s.workspace,
            s.channel,
        )
        return None if row is None else row[0]

    async def previous_cards(self, s: Schedule) -> list[CardKey]:
        """The cards of the channel's latest posted day."""
        row = await self.db.fetchrow(
            f"SELECT questions FROM daily_runs WHERE {_CHANNEL} AND status = 'posted'"
            " ORDER BY local_date DESC LIMIT 1",
            s.platform,
            s.workspace,
            s.channel,
        )
        return [] if row is None else [q.key for q in questions_from_json(row[0])]

    async def claim_run(
        self,
        s: Schedule,
        day: date,
        now: datetime,
        *,
        questions: tuple[DailyQuestion, ...] = (),
        close_at: datetime | None = None,
        note: str = "",
        until: datetime | None = None,
    ) -> int | None:
        """The new run's id, or None when that day was claimed already (by any process)."""
        status = "posted" if questions else "skipped"
        payload = json.dumps([question_dict(q) for q in questions])
        op = _ClaimRun(s, day, status, payload, opt_utc(close_at), utc(now), note, opt_utc(until))
        return int(await self.db.write(op)) or None

    async def release_run(self, run_id: int) -> bool:
        """Give back a claimed day whose post failed (only one nobody answered)."""
        return bool(
            await self._exec(
                "DELETE FROM daily_runs WHERE id = $1 AND NOT EXISTS"
                " (SELECT 1 FROM daily_answers WHERE run_id = $1)",
                run_id,
            )
        )

    async def set_refs(self, run_id: int, refs: list[str]) -> None:
        await self._exec(
            "UPDATE daily_runs SET message_refs = $1, lease_until = NULL WHERE id = $2",
            json.dumps(refs),
            run_id,
        )

    async def open_runs(self, platform: str) -> list[DailyRun]:
        rows = await self.db.fetch(
            f"SELECT {_RUN} FROM daily_runs WHERE platform = $1 AND closed_at IS NULL"
            " AND status = 'posted' ORDER BY id",
            platform,
        )
        return [_run(row) for row in rows]

    async def run(self, run_id: int) -> DailyRun | None:
        row = await self.db.fetchrow(f"SELECT {_RUN} FROM daily_runs WHERE id = $1", run_id)
        return None if row is None else _run(row)

    async def claim_close(self, run_id: int, now: datetime, until: datetime | None = None) -> bool:
        return bool(
            await self._exec(
                "UPDATE daily_runs SET closed_at = $1, lease_until = $3 WHERE id = $2"
                " AND closed_at IS NULL",
                utc(now),
                run_id,
                opt_utc(until),
            )
        )

    async def done(self, run_id: int) -> None:
        """The run's post in flight is out (or given up): its lease ends."""
        await self._exec("UPDATE daily_runs SET lease_until = NULL WHERE id = $1", run_id)

    async def lapsed(self, platform: str, now: datetime, until: datetime) -> list[DailyRun]:
        """Runs whose post was in flight when its process stopped (lease lapsed), claimed
        again until `until`; SKIP LOCKED hands each to one process."""
        rows = await self.db.fetch(
            f"UPDATE daily_runs SET lease_until = $3 WHERE id IN (SELECT id FROM daily_runs"
            " WHERE platform = $1 AND lease_until <= $2 FOR UPDATE SKIP LOCKED)"
            f" RETURNING {_RUN}",
            platform,
            utc(now),
            utc(until),
        )
        return sorted((_run(row) for row in rows), key=lambda run: run.id)

    # --- answers ---------------------------------------------------------------------------

    async def record_answer(
        self, run_id: int, question: int, name: str, choice: int, review: ReviewEntry
    ) -> str:
        """'recorded', 'already' (this member answered that question) or 'closed'."""
        inner = RecordAnswer(review.answer, review.state, None)
        return str(await self.db.write(_DailyAnswer(run_id, question, name, choice, inner)))

    async def answers(self, run_id: int) -> list[AnswerRow]:
        rows = await self.db.fetch(
            'SELECT question, "user", name, correct FROM daily_answers WHERE run_id = $1'
            ' ORDER BY answered_at, "user"',
            run_id,
        )
        return [AnswerRow(q, u, n, bool(c)) for q, u, n, c in rows]

    # --- reminders -------------------------------------------------------------------------

    async def set_reminder(self, learner: Learner, on: bool) -> None:
        """One opt-in per person; `learner.workspace` is where the direct message comes from."""
        if on:
            await self._exec(
                'INSERT INTO daily_reminders (platform, workspace, "user") VALUES ($1, $2, $3)'
                ' ON CONFLICT (platform, "user") DO UPDATE SET workspace = excluded.workspace',
                learner.platform,
                learner.workspace,
                learner.user,
            )
        else:
            await self._exec(
                'DELETE FROM daily_reminders WHERE platform = $1 AND "user" = $2',
                learner.platform,
                learner.user,
            )

    async def set_zone(self, learner: Learner, zone: str) -> None:
        """The person's own time zone (their streak's days)."""
        await self._exec(
            'INSERT INTO people (platform, "user", timezone) VALUES ($1, $2, $3)'
            ' ON CONFLICT (platform, "user") DO UPDATE SET timezone = excluded.timezone',
            learner.platform,
            learner.user,
            zone,
        )

    async def reminders_due(
        self, platform: str, today: str, now: datetime
    ) -> list[tuple[Learner, int]]:
        """Opted-in people not reminded today who have cards due, with how many."""
        rows = await self.db.fetch(
            'SELECT r.workspace, r."user", count(*) FROM daily_reminders r'
            ' JOIN people p ON p.platform = r.platform AND p."user" = r."user"'
            " JOIN card_states s ON s.person_id = p.id AND s.due <= $1"
            " WHERE r.platform = $2 AND (r.last_reminded IS NULL OR r.last_reminded < $3)"
            ' GROUP BY r.workspace, r."user"',
            utc(now),
            platform,
            today,
        )
        return [(Learner(platform, w, u), n) for w, u, n in rows]

    async def claim_reminder(self, learner: Learner, today: str) -> bool:
        return bool(
            await self._exec(
                "UPDATE daily_reminders SET last_reminded = $1 WHERE platform = $2"
                ' AND "user" = $3 AND (last_reminded IS NULL OR last_reminded < $1)',
                today,
                learner.platform,
                learner.user,
            )
        )


def _hhmm(text: str | None) -> time | None:
    return time.fromisoformat(text) if text else None


def _schedule(row: Any) -> Schedule:
    platform, workspace, channel, at, zone, count, deck, close, since, set_by = row
    return Schedule(
        platform=platform,
        workspace=workspace,
        channel=channel,
        at=time.fromisoformat(at),
        timezone=zone,
        questions=count,
        since=since,
        deck_id=deck,
        close_at=_hhmm(close),
        set_by=set_by,
    )


def _run(row: Any) -> DailyRun:
    run_id, platform, workspace, channel, day, questions, close_at, closed_at = row
    return DailyRun(
        id=run_id,
        platform=platform,
        workspace=workspace,
        channel=channel,
        day=day,
        questions=questions_from_json(questions),
        close_at=close_at,
        closed_at=closed_at,
    )
