"""DailyStore: the daily quiz tables (0003_daily.sql) over SqliteRepository.write/fetch.

`DailyRun` lives in `bot.core.daily` (both back-ends return it) and is re-exported here.

Every decision that must happen once (posting a day, closing it, a member's answer, a
reminder) is a claim made in a write transaction before the message goes out: a crash after
the claim loses a message, it never sends one twice.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.core.daily import AnswerRow, DailyQuestion, DailyRun, Schedule
from bot.core.models import CardKey, Learner, ReviewEntry
from bot.storage._writes import LearnerIds, RecordAnswer, SqlAccess, Statement, Unchanged
from bot.storage.codec import dt_to_text, opt_dt_to_text, opt_text_to_dt, text_to_dt

log = logging.getLogger(__name__)

_SCHEDULE = (
    "platform, workspace, channel, post_time, timezone, questions, deck_id, close_time, since,"
    " set_by"
)
_RUN = "id, platform, workspace, channel, local_date, questions, close_at, closed_at"


@dataclass(frozen=True, slots=True)
class _ScheduleExec(Statement):
    """A change to daily schedules, which decide the workspaces' board zones."""

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> int:
        ids.zones_changed()
        return Statement.apply(self, conn, ids)


@dataclass(frozen=True, slots=True)
class _Lapsed:
    platform: str
    now: str
    until: str

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> list[tuple[Any, ...]]:
        rows = conn.execute(
            f"SELECT {_RUN} FROM daily_runs WHERE platform = ? AND lease_until IS NOT NULL"
            " AND lease_until <= ? ORDER BY id",
            (self.platform, self.now),
        ).fetchall()
        for row in rows:
            conn.execute("UPDATE daily_runs SET lease_until = ? WHERE id = ?", (self.until, row[0]))
        return [tuple(row) for row in rows]


@dataclass(frozen=True, slots=True)
class _ClaimRun:
    schedule: Schedule
    day: date
    status: str
    questions: str
    close_at: str | None
    now: str
    note: str
    until: str | None = None

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> int:
        s = self.schedule
        cursor = conn.execute(
            "INSERT INTO daily_runs (platform, workspace, channel, local_date, status, questions,"
            " close_at, claimed_at, posted_at, note, lease_until)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, workspace, channel, local_date) DO NOTHING",
            (s.platform, s.workspace, s.channel, self.day.isoformat(), self.status,
             self.questions, self.close_at, self.now,
             self.now if self.status == "posted" else None, self.note, self.until),
        )  # fmt: skip
        if cursor.rowcount == 0:
            raise Unchanged(0)
        return int(cursor.lastrowid or 0)


@dataclass(frozen=True, slots=True)
class _DailyAnswer:
    """The member's daily row and their review (log, FSRS state, scores) in one transaction."""

    run_id: int
    question: int
    name: str
    choice: int
    inner: RecordAnswer

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> str:
        a = self.inner.answer
        row = conn.execute("SELECT closed_at FROM daily_runs WHERE id = ?", (self.run_id,))
        found = row.fetchone()
        if found is None or found[0] is not None:
            raise Unchanged("closed")
        cursor = conn.execute(
            "INSERT INTO daily_answers (run_id, question, user, name, choice, correct,"
            " answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (self.run_id, self.question, a.learner.user, self.name, self.choice,
             int(a.correct), dt_to_text(a.answered_at)),
        )  # fmt: skip
        if cursor.rowcount == 0:
            raise Unchanged("already")
        try:
            self.inner.apply(conn, ids)
        except Unchanged:
            raise Unchanged("already") from None
        return "recorded"


class DailyStore:
    """Schedules, runs, answers and reminder opt-ins; all the daily SQL lives here."""

    def __init__(self, repo: SqlAccess) -> None:
        self.repo = repo

    # --- schedules -------------------------------------------------------------------------

    async def save_schedule(self, s: Schedule) -> None:
        await self.repo.write(
            _ScheduleExec(
                f"INSERT INTO daily_schedules ({_SCHEDULE}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (platform, workspace, channel) DO UPDATE SET"
                " post_time = excluded.post_time, timezone = excluded.timezone,"
                " questions = excluded.questions, deck_id = excluded.deck_id,"
                " close_time = excluded.close_time, since = excluded.since,"
                " set_by = excluded.set_by",
                (
                    s.platform,
                    s.workspace,
                    s.channel,
                    s.at.strftime("%H:%M"),
                    s.timezone,
                    s.questions,
                    s.deck_id,
                    s.close_at.strftime("%H:%M") if s.close_at else None,
                    dt_to_text(s.since),
                    s.set_by,
                ),
            )
        )

    async def delete_schedule(self, platform: str, workspace: str, channel: str) -> bool:
        return bool(
            await self.repo.write(
                _ScheduleExec(
                    "DELETE FROM daily_schedules WHERE platform = ? AND workspace = ?"
                    " AND channel = ?",
                    (platform, workspace, channel),
                )
            )
        )

    async def schedule(self, platform: str, workspace: str, channel: str) -> Schedule | None:
        rows = await self.repo.fetch(
            f"SELECT {_SCHEDULE} FROM daily_schedules WHERE platform = ? AND workspace = ?"
            " AND channel = ?",
            (platform, workspace, channel),
        )
        return _schedule(rows[0]) if rows else None

    async def schedules(self, platform: str) -> list[Schedule]:
        rows = await self.repo.fetch(
            f"SELECT {_SCHEDULE} FROM daily_schedules WHERE platform = ?", (platform,)
        )
        return [_schedule(row) for row in rows]

    # --- runs ------------------------------------------------------------------------------

    async def last_day(self, s: Schedule) -> date | None:
        rows = await self.repo.fetch(
            "SELECT max(local_date) FROM daily_runs WHERE platform = ? AND workspace = ?"
            " AND channel = ?",
            (s.platform, s.workspace, s.channel),
        )
        return date.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    async def previous_cards(self, s: Schedule) -> list[CardKey]:
        """The cards of the channel's latest posted day."""
        rows = await self.repo.fetch(
            "SELECT questions FROM daily_runs WHERE platform = ? AND workspace = ?"
            " AND channel = ? AND status = 'posted' ORDER BY local_date DESC LIMIT 1",
            (s.platform, s.workspace, s.channel),
        )
        return [q.key for q in questions_from_json(rows[0][0])] if rows else []

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
        """The new run's id, or None when that day was claimed already (by us or a twin)."""
        status = "posted" if questions else "skipped"
        payload = json.dumps([question_dict(q) for q in questions])
        op = _ClaimRun(s, day, status, payload, opt_dt_to_text(close_at), dt_to_text(now), note,
                       opt_dt_to_text(until))  # fmt: skip
        run_id = int(await self.repo.write(op))
        return run_id or None

    async def release_run(self, run_id: int) -> bool:
        """Give back a claimed day whose post failed, so the next tick posts it again.

        Only a run nobody answered: a post that failed was never seen, so it has no answers.
        """
        return bool(
            await self.repo.write(
                Statement(
                    "DELETE FROM daily_runs WHERE id = ? AND NOT EXISTS"
                    " (SELECT 1 FROM daily_answers WHERE run_id = ?)",
                    (run_id, run_id),
                )
            )
        )

    async def set_refs(self, run_id: int, refs: list[str]) -> None:
        await self.repo.write(
            Statement(
                "UPDATE daily_runs SET message_refs = ?, lease_until = NULL WHERE id = ?",
                (json.dumps(refs), run_id),
            )
        )

    async def open_runs(self, platform: str) -> list[DailyRun]:
        rows = await self.repo.fetch(
            f"SELECT {_RUN} FROM daily_runs WHERE platform = ? AND closed_at IS NULL"
            " AND status = 'posted' ORDER BY id",
            (platform,),
        )
        return [_run(row) for row in rows]

    async def run(self, run_id: int) -> DailyRun | None:
        rows = await self.repo.fetch(f"SELECT {_RUN} FROM daily_runs WHERE id = ?", (run_id,))
        return _run(rows[0]) if rows else None

    async def claim_close(self, run_id: int, now: datetime, until: datetime | None = None) -> bool:
        return bool(
            await self.repo.write(
                Statement(
                    "UPDATE daily_runs SET closed_at = ?, lease_until = ? WHERE id = ?"
                    " AND closed_at IS NULL",
                    (dt_to_text(now), opt_dt_to_text(until), run_id),
                )
            )
        )

    async def done(self, run_id: int) -> None:
        """The run's post in flight is out (or given up): its lease ends."""
        await self.repo.write(
            Statement("UPDATE daily_runs SET lease_until = NULL WHERE id = ?", (run_id,))
        )

    async def lapsed(self, platform: str, now: datetime, until: datetime) -> list[DailyRun]:
        """Runs whose post was in flight when its process stopped (lease lapsed), claimed
        again until `until`; each goes to one caller."""
        rows = await self.repo.write(_Lapsed(platform, dt_to_text(now), dt_to_text(until)))
        return [_run(row) for row in rows]

    # --- answers ---------------------------------------------------------------------------

    async def record_answer(
        self, run_id: int, question: int, name: str, choice: int, review: ReviewEntry
    ) -> str:
        """'recorded', 'already' (this member answered that question) or 'closed'."""
        inner = RecordAnswer(review.answer, review.state, None)
        return str(await self.repo.write(_DailyAnswer(run_id, question, name, choice, inner)))

    async def answers(self, run_id: int) -> list[AnswerRow]:
        rows = await self.repo.fetch(
            "SELECT question, user, name, correct FROM daily_answers WHERE run_id = ?"
            " ORDER BY answered_at, user",
            (run_id,),
        )
        return [AnswerRow(q, u, n, bool(c)) for q, u, n, c in rows]

    # --- reminders -------------------------------------------------------------------------

    async def set_reminder(self, learner: Learner, on: bool) -> None:
        """One opt-in per person; `learner.workspace` is where the direct message comes from."""
        if on:
            sql = (
                "INSERT INTO daily_reminders (platform, workspace, user) VALUES (?, ?, ?)"
                " ON CONFLICT (platform, user) DO UPDATE SET workspace = excluded.workspace"
            )
            params: tuple[str, ...] = (learner.platform, learner.workspace, learner.user)
        else:
            sql = "DELETE FROM daily_reminders WHERE platform = ? AND user = ?"
            params = (learner.platform, learner.user)
        await self.repo.write(Statement(sql, params))

    async def set_zone(self, learner: Learner, zone: str) -> None:
        """The person's own time zone (their streak's days)."""
        await self.repo.write(
            Statement(
                "INSERT INTO people (platform, user, timezone) VALUES (?, ?, ?)"
                " ON CONFLICT (platform, user) DO UPDATE SET timezone = excluded.timezone",
                (learner.platform, learner.user, zone),
            )
        )

    async def reminders_due(
        self, platform: str, today: str, now: datetime
    ) -> list[tuple[Learner, int]]:
        """Opted-in people not reminded today who have cards due, with how many: counted in
        SQL on the (person, due) index, since the loop asks every 30 seconds."""
        rows = await self.repo.fetch(
            "SELECT r.workspace, r.user, count(*) FROM daily_reminders r"
            " JOIN people p ON p.platform = r.platform AND p.user = r.user"
            " JOIN card_states s ON s.person_id = p.id AND s.due <= ?"
            " WHERE r.platform = ? AND (r.last_reminded IS NULL OR r.last_reminded < ?)"
            " GROUP BY r.workspace, r.user",
            (dt_to_text(now), platform, today),
        )
        return [(Learner(platform, w, u), n) for w, u, n in rows]

    async def claim_reminder(self, learner: Learner, today: str) -> bool:
        return bool(
            await self.repo.write(
                Statement(
                    "UPDATE daily_reminders SET last_reminded = ? WHERE platform = ?"
                    " AND user = ? AND (last_reminded IS NULL OR last_reminded < ?)",
                    (today, learner.platform, learner.user, today),
                )
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
        since=text_to_dt(since),
        deck_id=deck,
        close_at=_hhmm(close),
        set_by=set_by,
    )


def question_dict(q: DailyQuestion) -> dict[str, Any]:
    return {
        "deck": q.deck_id,
        "card": q.card_id,
        "question": q.question,
        "options": list(q.options),
        "correct": q.correct,
    }


def questions_from_json(text: str) -> tuple[DailyQuestion, ...]:
    return tuple(
        DailyQuestion(d["deck"], d["card"], d["question"], tuple(d["options"]), d["correct"])
        for d in json.loads(text)
    )


def _run(row: Any) -> DailyRun:
    run_id, platform, workspace, channel, day, questions, close_at, closed_at = row
    return DailyRun(
        id=run_id,
        platform=platform,
        workspace=workspace,
        channel=channel,
        day=date.fromisoformat(day),
        questions=questions_from_json(questions),
        close_at=opt_text_to_dt(close_at),
        closed_at=opt_text_to_dt(closed_at),
    )
