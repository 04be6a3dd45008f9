"""The reads behind boards and history stats on PostgreSQL, and the SQL that finds a person's
rows (the dialect of `bot.storage._stats`)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.models import Learner
from bot.core.periods import local_day, local_days, zone_of
from bot.core.reports import DayCount, LeaderboardEntry
from bot.storage.postgres._db import Db, utc

PERSON = '(SELECT id FROM people WHERE platform = $1 AND "user" = $2)'
PLACES = '(SELECT id FROM learners WHERE platform = $1 AND "user" = $2)'
"""The person's learner rows: their history in every workspace (and studying alone)."""
_BOARD = "platform = $1 AND workspace = $2 AND period_key = $3 AND deck_id = $4"
_UTC_DAY = "to_char(answered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
_UTC_MINUTE = "to_char(answered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI')"


def who(learner: Learner) -> tuple[str, str]:
    """The person behind `learner`: memory and history are theirs, whatever the workspace."""
    return (learner.platform, learner.user)


async def leaderboard(
    db: Db, board: tuple[str, str, str, str], limit: int, user: str
) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]:
    """`board` is (platform, workspace, period_key, deck_id or ""); ties break by correct
    answers, then user id (bytewise, as in SQLite)."""
    rows = await db.fetch(
        f'SELECT "user", points, answers, correct FROM scores WHERE {_BOARD}'
        ' ORDER BY points DESC, correct DESC, "user" ASC LIMIT $5',
        *board,
        max(limit, 0),
    )
    top = [LeaderboardEntry(i, *row) for i, row in enumerate(rows, start=1)]
    mine = await db.fetchrow(
        f'SELECT points, answers, correct FROM scores WHERE {_BOARD} AND "user" = $5',
        *board,
        user,
    )
    if mine is None:
        return top, None
    points, answers, correct = mine
    ahead = await db.fetchrow(
        f"SELECT count(*) FROM scores WHERE {_BOARD} AND (points > $5 OR (points = $5"
        ' AND (correct > $6 OR (correct = $6 AND "user" < $7))))',
        *board,
        points,
        correct,
        user,
    )
    assert ahead is not None
    return top, LeaderboardEntry(1 + ahead[0], user, points, answers, correct)


async def review_days(
    db: Db, learner: Learner, since: datetime, zone: str | None
) -> list[DayCount]:
    if zone_of(zone) is UTC:
        rows = await db.fetch(
            f"SELECT {_UTC_DAY} AS day, count(*), sum(correct) FROM review_log"
            f" WHERE learner_id IN {PLACES} AND answered_at >= $3 GROUP BY day ORDER BY day",
            *who(learner),
            utc(since),
        )
        return [DayCount(day, n, k) for day, n, k in rows]
    rows = await db.fetch(
        f"SELECT {_UTC_MINUTE} AS minute, count(*), sum(correct) FROM review_log"
        f" WHERE learner_id IN {PLACES} AND answered_at >= $3 GROUP BY minute",
        *who(learner),
        utc(since),
    )
    days: dict[str, list[int]] = {}
    for minute, n, k in rows:
        day = days.setdefault(local_day(minute, zone), [0, 0])
        day[0] += n
        day[1] += k
    return [DayCount(d, n, k) for d, (n, k) in sorted(days.items())]


async def review_day_keys(db: Db, learner: Learner, zone: str | None) -> list[str]:
    if zone_of(zone) is UTC:
        rows = await db.fetch(
            f"SELECT DISTINCT {_UTC_DAY} AS day FROM review_log"
            f" WHERE learner_id IN {PLACES} ORDER BY day DESC",
            *who(learner),
        )
        return [row[0] for row in rows]
    rows = await db.fetch(
        f"SELECT DISTINCT {_UTC_MINUTE} FROM review_log WHERE learner_id IN {PLACES}",
        *who(learner),
    )
    return local_days((row[0] for row in rows), zone)
