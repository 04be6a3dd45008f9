"""CompetitionStore on PostgreSQL (migrations/postgres/0004_competitions.sql).

An answer's competition row, points, game state and FSRS review commit in one transaction;
the game state is the same JSON as in SQLite (`bot.storage.competitions.encode`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from bot.core.competition import Answer, Competition, Phase, replay
from bot.core.models import ReviewEntry
from bot.core.ports import LeaseLost, StaleGame
from bot.core.reports import LeaderboardEntry
from bot.storage._writes import Unchanged
from bot.storage.competitions import _ACTIVE, decode, encode, open_round, seats
from bot.storage.postgres._db import Db, opt_utc, utc
from bot.storage.postgres._writes import RecordAnswer

log = logging.getLogger(__name__)

_BOARD = "platform = $1 AND workspace = $2"


async def _held(conn: asyncpg.Connection, c: Competition, owner: str) -> None:
    """LeaseLost unless `owner` (when given) still holds the competition's timer; the row stays
    locked to the end of the transaction, so a takeover waits for this write or comes first."""
    if not owner:
        return
    held = await conn.fetchval("SELECT owner FROM competitions WHERE id = $1 FOR UPDATE", c.id)
    if held is not None and held != owner:
        raise LeaseLost(f"competition {c.id} is run by {held}")


async def _current(conn: asyncpg.Connection, c: Competition, before: Competition | None) -> None:
    """StaleGame unless `c` has every join and answer another process stored for the game
    (as in SQLite); called with the row locked (`_held`), so none slips in after the check."""
    row = await conn.fetchrow("SELECT phase, data FROM competitions WHERE id = $1", c.id)
    if row is None:
        return
    if row[0] == Phase.LOBBY and before is not None and seats(decode(row[1])) != seats(before):
        raise StaleGame(c.id)
    if row[0] == Phase.ROUND and c.phase is not Phase.ROUND:
        count = await conn.fetchval(
            "SELECT count(*) FROM competition_answers WHERE competition_id = $1 AND round = $2",
            c.id,
            c.round_no,
        )
        if count != len(c.answers):
            raise StaleGame(c.id)


async def _agrees(conn: asyncpg.Connection, c: Competition) -> bool:
    """Every stored answer of the round `c` closes is the one `c` has (as in SQLite)."""
    rows = await conn.fetch(
        'SELECT "user", option, answered_at FROM competition_answers'
        " WHERE competition_id = $1 AND round = $2",
        c.id,
        c.round_no,
    )
    given = {(a.user, a.option, utc(a.at)) for a in c.answers}
    return all((r[0], r[1], r[2]) in given for r in rows)


async def _locked(conn: asyncpg.Connection, cid: str) -> Competition | None:
    """The stored game, its row locked to the end of the transaction (a close waits)."""
    data = await conn.fetchval("SELECT data FROM competitions WHERE id = $1 FOR UPDATE", cid)
    return None if data is None else decode(data)


async def _save(conn: asyncpg.Connection, c: Competition) -> None:
    await conn.execute(
        "UPDATE competitions SET phase = $1, data = $2, updated_at = $3 WHERE id = $4",
        str(c.phase),
        encode(c),
        datetime.now(UTC),
        c.id,
    )


@dataclass(frozen=True, slots=True)
class CreateCompetition:
    """Insert a new lobby; False (nothing written) when the channel already has a game, also
    when another process started one a moment ago (the partial unique index decides)."""

    competition: Competition
    owner: str = ""
    until: datetime | None = None

    async def apply(self, conn: asyncpg.Connection) -> bool:
        c = self.competition
        try:
            await conn.execute(
                "INSERT INTO competitions (id, platform, workspace, channel, phase, data,"
                " created_at, updated_at, owner, lease_until)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                c.id, c.platform, c.workspace, c.channel, str(c.phase), encode(c),
                utc(c.created_at), datetime.now(UTC), self.owner, opt_utc(self.until),
            )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != "competitions_one_active_per_channel":
                raise
            raise Unchanged(False) from None
        return True


@dataclass(frozen=True, slots=True)
class SaveCompetition:
    """The new game state; at the end, every player's `played` count goes up by one."""

    competition: Competition
    owner: str = ""
    before: Competition | None = None

    async def apply(self, conn: asyncpg.Connection) -> None:
        c = self.competition
        await _held(conn, c, self.owner)
        if self.owner:
            await _current(conn, c, self.before)
        await _save(conn, c)
        if not c.phase.active:
            await conn.executemany(
                'INSERT INTO competition_scores (platform, workspace, "user", played)'
                ' VALUES ($1, $2, $3, 1) ON CONFLICT (platform, workspace, "user")'
                " DO UPDATE SET played = competition_scores.played + 1",
                [(c.platform, c.workspace, p.user) for p in c.players],
            )


@dataclass(frozen=True, slots=True)
class RecordCompetitionAnswer:
    """One player's answer: competition row, points and the FSRS review, together; the game
    state only when the answer closes the round (`active()` replays the open round's answers,
    as in SQLite); `elsewhere`, only while the stored round is open, its row locked so that
    the holder closing it counts this answer or closes first and refuses it."""

    competition: Competition
    answer: Answer
    review: RecordAnswer | None
    owner: str = ""
    elsewhere: bool = False

    async def apply(self, conn: asyncpg.Connection) -> bool:
        c, a = self.competition, self.answer
        await _held(conn, c, self.owner)
        if self.elsewhere:
            open_round(await _locked(conn, c.id), c, a)
        elif c.phase is not Phase.ROUND:
            # closing the round: the game's row is locked before any answer row, the order
            # an answer from another process takes too (no deadlock, none slips in after)
            await _locked(conn, c.id)
        inserted = await conn.fetchval(
            'INSERT INTO competition_answers (competition_id, round, "user", option, correct,'
            " points, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
            " RETURNING 1",
            c.id, c.round_no, a.user, a.option, int(a.correct), a.points, utc(a.at),
        )  # fmt: skip
        if inserted is None:
            raise Unchanged(False)
        await conn.execute(
            'INSERT INTO competition_scores (platform, workspace, "user", points, answers,'
            ' correct) VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (platform, workspace, "user")'
            " DO UPDATE SET points = competition_scores.points + excluded.points,"
            " answers = competition_scores.answers + 1,"
            " correct = competition_scores.correct + excluded.correct",
            c.platform, c.workspace, a.user, a.points, int(a.correct),
        )  # fmt: skip
        if self.review is not None:
            try:
                await self.review.apply(conn)
            except Unchanged:
                log.info("review %s was already logged", self.review.answer.answer_id)
        if c.phase is not Phase.ROUND and await _agrees(conn, c):  # it closed the round
            await SaveCompetition(c).apply(conn)
        return True


@dataclass(frozen=True, slots=True)
class AmendLobby:
    """A join or a team pick given in a process that does not run the game (as in SQLite)."""

    cid: str
    change: Callable[[Competition], Competition]

    async def apply(self, conn: asyncpg.Connection) -> Competition | None:
        stored = await _locked(conn, self.cid)
        if stored is None:
            return None
        new = self.change(stored)
        await _save(conn, new)
        return new


class CompetitionStore:
    """Competitions on a pool (`bot.app.ports.CompetitionStorage`)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    async def create(
        self, c: Competition, *, owner: str = "", until: datetime | None = None
    ) -> bool:
        return bool(await self.db.write(CreateCompetition(c, owner, until)))

    async def save(
        self, c: Competition, *, owner: str = "", before: Competition | None = None
    ) -> None:
        await self.db.write(SaveCompetition(c, owner, before))

    async def record_answer(
        self,
        c: Competition,
        answer: Answer,
        review: ReviewEntry | None,
        *,
        owner: str = "",
        elsewhere: bool = False,
    ) -> bool:
        inner = None if review is None else RecordAnswer(review.answer, review.state, None)
        op = RecordCompetitionAnswer(c, answer, inner, owner, elsewhere)
        return bool(await self.db.write(op))

    async def amend(
        self, cid: str, change: Callable[[Competition], Competition]
    ) -> Competition | None:
        return await self.db.write(AmendLobby(cid, change))

    async def get(self, cid: str) -> Competition | None:
        data = await self.db.fetchrow("SELECT data FROM competitions WHERE id = $1", cid)
        return await self._replayed(decode(data[0])) if data is not None else None

    async def renew(self, ids: list[str], owner: str, until: datetime) -> set[str]:
        """Extend `owner`'s lease on the competitions `ids`; the ids it still holds."""
        rows = await self.db.fetch(
            f"UPDATE competitions SET lease_until = $1 WHERE id = ANY($2::text[])"
            f" AND owner = $3 AND {_ACTIVE} RETURNING id",
            utc(until),
            ids,
            owner,
        )
        return {row[0] for row in rows}

    async def take(
        self, platform: str, owner: str, now: datetime, until: datetime, *, steal: set[str]
    ) -> list[Competition]:
        """Claim for `owner` the platform's running competitions whose lease lapsed, and those
        of the workspaces in `steal` whoever holds them; rows another process is writing are
        skipped (SKIP LOCKED) and looked at again on the next round. The open round's answers
        are replayed (an answer writes its own row, not the game)."""
        rows = await self.db.fetch(
            "UPDATE competitions SET owner = $1, lease_until = $2 WHERE id IN"
            f" (SELECT id FROM competitions WHERE {_ACTIVE} AND platform = $3 AND owner != $1"
            " AND (lease_until IS NULL OR lease_until <= $4 OR workspace = ANY($5::text[]))"
            " FOR UPDATE SKIP LOCKED) RETURNING data, created_at",
            owner,
            utc(until),
            platform,
            utc(now),
            sorted(steal),
        )
        ordered = sorted(rows, key=lambda row: row[1])
        return [await self._replayed(decode(data)) for data, _ in ordered]

    async def active(self, platform: str | None = None) -> list[Competition]:
        """Games that were running: what a restart resumes."""
        if platform is None:
            rows = await self.db.fetch(
                f"SELECT data FROM competitions WHERE {_ACTIVE} ORDER BY created_at"
            )
        else:
            rows = await self.db.fetch(
                f"SELECT data FROM competitions WHERE {_ACTIVE} AND platform = $1"
                " ORDER BY created_at",
                platform,
            )
        return [await self._replayed(decode(row[0])) for row in rows]

    async def _replayed(self, c: Competition) -> Competition:
        if c.phase is not Phase.ROUND:
            return c
        rows = await self.db.fetch(
            'SELECT "user", option, answered_at, correct, points FROM competition_answers'
            ' WHERE competition_id = $1 AND round = $2 ORDER BY answered_at, "user"',
            c.id,
            c.round_no,
        )
        return replay(c, (Answer(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows))

    async def leaderboard(
        self, platform: str, workspace: str, user: str, limit: int = 10
    ) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]:
        """Competition points per member, best first (then correct answers, then user id)."""
        rows = await self.db.fetch(
            f'SELECT "user", points, answers, correct FROM competition_scores WHERE {_BOARD}'
            ' AND answers > 0 ORDER BY points DESC, correct DESC, "user" ASC LIMIT $3',
            platform,
            workspace,
            max(limit, 0),
        )
        top = [LeaderboardEntry(i, *row) for i, row in enumerate(rows, start=1)]
        mine = await self.db.fetchrow(
            f"SELECT points, answers, correct FROM competition_scores WHERE {_BOARD}"
            ' AND "user" = $3 AND answers > 0',
            platform,
            workspace,
            user,
        )
        if mine is None:
            return top, None
        points, answers, correct = mine
        ahead = await self.db.fetchrow(
            f"SELECT count(*) FROM competition_scores WHERE {_BOARD} AND answers > 0"
            " AND (points > $3 OR (points = $3 AND (correct > $4 OR (correct = $4"
            ' AND "user" < $5))))',
            platform,
            workspace,
            points,
            correct,
            user,
        )
        assert ahead is not None
        return top, LeaderboardEntry(1 + ahead[0], user, points, answers, correct)
