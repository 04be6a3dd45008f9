"""CompetitionStore: competitions, their answers and the competitions leaderboard in SQLite.

Every SQL statement for competitions lives here. Writes are ops run by the repository's single
writer (`SqliteRepository.write`), so an answer's review log row, card state, competition answer,
points and game state commit in one transaction; reads use `SqliteRepository.fetch`.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.competition import Answer, Competition, Phase, replay
from bot.core.models import LeaderboardEntry, ReviewEntry
from bot.storage._writes import LearnerIds, RecordAnswer, SqlAccess, Unchanged
from bot.storage.codec import dt_to_text, from_dict, text_to_dt, to_dict

log = logging.getLogger(__name__)

_ACTIVE = "phase IN ('lobby', 'round', 'between_rounds')"
_BOARD = "platform = ? AND workspace = ?"


def encode(c: Competition) -> str:
    return json.dumps(to_dict(c), separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> Competition:
    return from_dict(Competition, json.loads(text))


def _save(conn: sqlite3.Connection, c: Competition) -> None:
    conn.execute(
        "UPDATE competitions SET phase = ?, data = ?, updated_at = ? WHERE id = ?",
        (str(c.phase), encode(c), dt_to_text(datetime.now(UTC)), c.id),
    )


@dataclass(frozen=True, slots=True)
class CreateCompetition:
    """Insert a new lobby; False (nothing written) when the channel already has a game."""

    competition: Competition

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
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (c.id, c.platform, c.workspace, c.channel, str(c.phase), encode(c),
             dt_to_text(c.created_at), now),
        )  # fmt: skip
        return True


@dataclass(frozen=True, slots=True)
class SaveCompetition:
    """The new game state; at the end, every player's `played` count goes up by one."""

    competition: Competition

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> None:
        c = self.competition
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
    adds the answers recorded since (`replay`), so one answer costs one row, not the game."""

    competition: Competition
    answer: Answer
    review: RecordAnswer | None

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> bool:
        c, a = self.competition, self.answer
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
        if c.phase is not Phase.ROUND:  # this answer closed the round: the game moves on
            SaveCompetition(c).apply(conn, ids)
        return True


class CompetitionStore:
    """Competitions over a SqliteRepository's writer and read connection."""

    def __init__(self, repo: SqlAccess) -> None:
        self.repo = repo

    async def create(self, c: Competition) -> bool:
        return bool(await self.repo.write(CreateCompetition(c)))

    async def save(self, c: Competition) -> None:
        await self.repo.write(SaveCompetition(c))

    async def record_answer(
        self, c: Competition, answer: Answer, review: ReviewEntry | None
    ) -> bool:
        inner = None if review is None else RecordAnswer(review.answer, review.state, None)
        return bool(await self.repo.write(RecordCompetitionAnswer(c, answer, inner)))

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
