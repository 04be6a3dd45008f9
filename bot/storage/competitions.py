"""CompetitionStore: competitions, their answers and the competitions leaderboard in SQLite.

Every SQL statement for competitions lives here. Writes are ops run by the repository's single
writer (`SqliteRepository.write`), so an answer's review log row, card state, competition answer,
points and game state commit in one transaction; reads use `SqliteRepository.fetch`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.competition import Answer, Competition, CompetitionError, Phase, replay
from bot.core.models import ReviewEntry
from bot.core.ports import LeaseLost, StaleGame
from bot.core.reports import LeaderboardEntry
from bot.storage._writes import LearnerIds, RecordAnswer, SqlAccess, Unchanged
from bot.storage.codec import dt_to_text, from_dict, opt_dt_to_text, text_to_dt, to_dict

log = logging.getLogger(__name__)

_ACTIVE = "phase IN ('lobby', 'round', 'between_rounds')"
_BOARD = "platform = ? AND workspace = ?"


def encode(c: Competition) -> str:
    return json.dumps(to_dict(c), separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> Competition:
    return from_dict(Competition, json.loads(text))


def _held(conn: sqlite3.Connection, c: Competition, owner: str) -> None:
    """LeaseLost unless `owner` (when given) still holds the competition's timer."""
    if not owner:
        return
    row = conn.execute("SELECT owner FROM competitions WHERE id = ?", (c.id,)).fetchone()
    if row is not None and row[0] != owner:
        raise LeaseLost(f"competition {c.id} is run by {row[0]}")


CLOSED = "Too late: this round has closed."


def seats(c: Competition) -> set[tuple[str, str, int | None]]:
    """Who sits in the game and on which team: what a lobby change elsewhere can alter."""
    return {(p.user, p.name, p.team) for p in c.players}


def _current(conn: sqlite3.Connection, c: Competition, before: Competition | None) -> None:
    """StaleGame unless `c` has every join and answer another process stored for the game:
    the lobby stored is the one `before` came from, and a round being closed has as many
    answers as the round's rows."""
    row = conn.execute("SELECT phase, data FROM competitions WHERE id = ?", (c.id,)).fetchone()
    if row is None:
        return
    if row[0] == Phase.LOBBY and before is not None and seats(decode(row[1])) != seats(before):
        raise StaleGame(c.id)
    if row[0] == Phase.ROUND and c.phase is not Phase.ROUND:
        (count,) = conn.execute(
            "SELECT count(*) FROM competition_answers WHERE competition_id = ? AND round = ?",
            (c.id, c.round_no),
        ).fetchone()
        if count != len(c.answers):
            raise StaleGame(c.id)


def _agrees(conn: sqlite3.Connection, c: Competition) -> bool:
    """Every stored answer of the round `c` closes is the one `c` has. Not so when a player
    answered in another process too and `c` took the answer given here (refused as a repeat):
    then the round stays open for its holder to close, with the stored answers, at the end."""
    rows = conn.execute(
        "SELECT user, option, answered_at FROM competition_answers"
        " WHERE competition_id = ? AND round = ?",
        (c.id, c.round_no),
    ).fetchall()
    given = {(a.user, a.option, a.at) for a in c.answers}
    return all((u, o, text_to_dt(t)) in given for u, o, t in rows)


def open_round(stored: Competition | None, c: Competition, a: Answer) -> None:
    """CompetitionError unless the stored game's round `c.round_no` takes `a` (an answer given
    in a process that does not run the game)."""
    late = stored is None or stored.phase is not Phase.ROUND or stored.round_no != c.round_no
    if late or stored is None or stored.deadline is None or a.at > stored.deadline:
        raise CompetitionError(CLOSED)


def _save(conn: sqlite3.Connection, c: Competition) -> None:
    conn.execute(
        "UPDATE competitions SET phase = ?, data = ?, updated_at = ? WHERE id = ?",
        (str(c.phase), encode(c), dt_to_text(datetime.now(UTC)), c.id),
    )


@dataclass(frozen=True, slots=True)
class CreateCompetition:
    """Insert a new lobby; False (nothing written) when the channel already has a game."""

    competition: Competition
    owner: str = ""
    until: str | None = None

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> bool:
        c = self.competition
        busy = conn.execute(
            f"SELECT 1 FROM competitions WHERE platform = ? AND workspace = ? AND channel = ?"
            f" AND {_ACTIVE}",
            (c.platform, c.workspace, c.channel),
        ).fetchone()
        if busy:
            raise Unchanged(False)
        now = dt_to_text(datetime.now(UTC))
        conn.execute(
            "INSERT INTO competitions (id, platform, workspace, channel, phase, data, created_at,"
            " updated_at, owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (c.id, c.platform, c.workspace, c.channel, str(c.phase), encode(c),
             dt_to_text(c.created_at), now, self.owner, self.until),
        )  # fmt: skip
        return True


@dataclass(frozen=True, slots=True)
class SaveCompetition:
    """The new game state; at the end, every player's `played` count goes up by one."""

    competition: Competition
    owner: str = ""
    before: Competition | None = None

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> None:
        c = self.competition
        _held(conn, c, self.owner)
        if self.owner:
            _current(conn, c, self.before)
        _save(conn, c)
        if not c.phase.active:
            conn.executemany(
                "INSERT INTO competition_scores (platform, workspace, user, played)"
                " VALUES (?, ?, ?, 1) ON CONFLICT (platform, workspace, user)"
                " DO UPDATE SET played = played + 1",
                [(c.platform, c.workspace, p.user) for p in c.players],
            )


@dataclass(frozen=True, slots=True)
class RecordCompetitionAnswer:
    """One player's answer: competition row, points and the FSRS review, together. The game
    state is written only when the answer closes the round; while it is open, `active()`
    adds the answers recorded since (`replay`), so one answer costs one row, not the game.
    `elsewhere`: given in a process that does not run the game, taken only while the stored
    round is open (its holder, closing it, counts it: `_current`)."""

    competition: Competition
    answer: Answer
    review: RecordAnswer | None
    owner: str = ""
    elsewhere: bool = False

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> bool:
        c, a = self.competition, self.answer
        _held(conn, c, self.owner)
        if self.elsewhere:
            row = conn.execute("SELECT data FROM competitions WHERE id = ?", (c.id,)).fetchone()
            open_round(None if row is None else decode(row[0]), c, a)
        cursor = conn.execute(
            "INSERT INTO competition_answers (competition_id, round, user, option, correct,"
            " points, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (c.id, c.round_no, a.user, a.option, int(a.correct), a.points, dt_to_text(a.at)),
        )
        if cursor.rowcount == 0:
            raise Unchanged(False)
        conn.execute(
            "INSERT INTO competition_scores (platform, workspace, user, points, answers, correct)"
            " VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (platform, workspace, user) DO UPDATE SET"
            " points = points + excluded.points, answers = answers + 1,"
            " correct = correct + excluded.correct",
            (c.platform, c.workspace, a.user, a.points, int(a.correct)),
        )
        if self.review is not None:
            try:
                self.review.apply(conn, ids)
            except Unchanged:
                log.info("review %s was already logged", self.review.answer.answer_id)
        if c.phase is not Phase.ROUND and _agrees(conn, c):  # it closed the round
            SaveCompetition(c).apply(conn, ids)
        return True


@dataclass(frozen=True, slots=True)
class AmendLobby:
    """A join or a team pick given in a process that does not run the game, written into the
    stored lobby (its holder sees it at its next write: `_current`); None when it is gone."""

    cid: str
    change: Callable[[Competition], Competition]

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> Competition | None:
        row = conn.execute("SELECT data FROM competitions WHERE id = ?", (self.cid,)).fetchone()
        if row is None:
            return None
        new = self.change(decode(row[0]))
        _save(conn, new)
        return new


@dataclass(frozen=True, slots=True)
class _Renew:
    ids: tuple[str, ...]
    owner: str
    until: str

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> list[str]:
        kept = []
        for cid in self.ids:
            cursor = conn.execute(
                f"UPDATE competitions SET lease_until = ? WHERE id = ? AND owner = ? AND {_ACTIVE}",
                (self.until, cid, self.owner),
            )
            if cursor.rowcount:
                kept.append(cid)
        return kept


@dataclass(frozen=True, slots=True)
class _Take:
    platform: str
    owner: str
    now: str
    until: str
    steal: tuple[str, ...]

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> list[str]:
        rows = conn.execute(
            f"SELECT id, data, lease_until, workspace FROM competitions WHERE {_ACTIVE}"
            " AND platform = ? AND owner != ? ORDER BY created_at",
            (self.platform, self.owner),
        ).fetchall()
        now = text_to_dt(self.now)
        taken = []
        for cid, data, lease, workspace in rows:
            lapsed = lease is None or text_to_dt(lease) <= now
            if lapsed or workspace in self.steal:
                conn.execute(
                    "UPDATE competitions SET owner = ?, lease_until = ? WHERE id = ?",
                    (self.owner, self.until, cid),
                )
                taken.append(data)
        return taken


class CompetitionStore:
    """Competitions over a SqliteRepository's writer and read connection."""

    def __init__(self, repo: SqlAccess) -> None:
        self.repo = repo

    async def create(
        self, c: Competition, *, owner: str = "", until: datetime | None = None
    ) -> bool:
        return bool(await self.repo.write(CreateCompetition(c, owner, opt_dt_to_text(until))))

    async def save(
        self, c: Competition, *, owner: str = "", before: Competition | None = None
    ) -> None:
        await self.repo.write(SaveCompetition(c, owner, before))

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
        return bool(await self.repo.write(op))

    async def amend(
        self, cid: str, change: Callable[[Competition], Competition]
    ) -> Competition | None:
        return await self.repo.write(AmendLobby(cid, change))

    async def get(self, cid: str) -> Competition | None:
        rows = await self.repo.fetch("SELECT data FROM competitions WHERE id = ?", (cid,))
        return await self._replayed(decode(rows[0][0])) if rows else None

    async def renew(self, ids: list[str], owner: str, until: datetime) -> set[str]:
        """Extend `owner`'s lease on the competitions `ids`; the ids it still holds."""
        return set(await self.repo.write(_Renew(tuple(ids), owner, dt_to_text(until))))

    async def take(
        self, platform: str, owner: str, now: datetime, until: datetime, *, steal: set[str]
    ) -> list[Competition]:
        """Claim for `owner` the platform's running competitions whose lease lapsed, and those
        of the workspaces in `steal` whoever holds them (the process serving a workspace
        takes its games back); returns them with the open round's answers replayed (an answer
        writes its own row, not the game)."""
        op = _Take(platform, owner, dt_to_text(now), dt_to_text(until), tuple(sorted(steal)))
        return [await self._replayed(decode(data)) for data in await self.repo.write(op)]

    async def active(self, platform: str | None = None) -> list[Competition]:
        """Games that were running: what a restart resumes."""
        sql = f"SELECT data FROM competitions WHERE {_ACTIVE}"
        params: tuple[str, ...] = ()
        if platform is not None:
            sql, params = sql + " AND platform = ?", (platform,)
        rows = await self.repo.fetch(sql + " ORDER BY created_at", params)
        games = [decode(row[0]) for row in rows]
        return [await self._replayed(c) for c in games]

    async def _replayed(self, c: Competition) -> Competition:
        if c.phase is not Phase.ROUND:
            return c
        rows = await self.repo.fetch(
            "SELECT user, option, answered_at, correct, points FROM competition_answers"
            " WHERE competition_id = ? AND round = ? ORDER BY answered_at, user",
            (c.id, c.round_no),
        )
        return replay(c, (Answer(u, o, text_to_dt(t), bool(k), p) for u, o, t, k, p in rows))

    async def leaderboard(
        self, platform: str, workspace: str, user: str, limit: int = 10
    ) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]:
        """Competition points per member, best first (then correct answers, then user id)."""
        board = (platform, workspace)
        rows = await self.repo.fetch(
            f"SELECT user, points, answers, correct FROM competition_scores WHERE {_BOARD}"
            " AND answers > 0 ORDER BY points DESC, correct DESC, user ASC LIMIT ?",
            (*board, max(limit, 0)),
        )
        top = [LeaderboardEntry(i, u, p, a, k) for i, (u, p, a, k) in enumerate(rows, start=1)]
        mine = await self.repo.fetch(
            f"SELECT points, answers, correct FROM competition_scores WHERE {_BOARD}"
            " AND user = ? AND answers > 0",
            (*board, user),
        )
        if not mine:
            return top, None
        points, answers, correct = mine[0]
        ahead = await self.repo.fetch(
            f"SELECT count(*) FROM competition_scores WHERE {_BOARD} AND answers > 0"
            " AND (points > ? OR (points = ? AND (correct > ? OR (correct = ? AND user < ?))))",
            (*board, points, points, correct, correct, user),
        )
        return top, LeaderboardEntry(1 + ahead[0][0], user, points, answers, correct)
