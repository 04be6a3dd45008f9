"""The reads behind boards and history stats (`SqliteRepository.leaderboard`, `review_days`,
`review_day_keys`), and the SQL that finds a person's rows.

Each function takes the repository's read (`fetch(sql, params)` on the aiosqlite connection) so
it runs off the event loop like every scan.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot.core.models import Learner
from bot.core.periods import local_day, local_days, zone_of
from bot.core.reports import DayCount, LeaderboardEntry
from bot.storage.codec import dt_to_text

Fetch = Callable[[str, tuple[Any, ...]], Awaitable[list[Any]]]

PERSON = "(SELECT id FROM people WHERE platform = ? AND user = ?)"
PLACES = "(SELECT id FROM learners WHERE platform = ? AND user = ?)"
"""The person's learner rows: their history in every workspace (and studying alone)."""
_BOARD = "platform = ? AND workspace = ? AND period_key = ? AND deck_id = ?"


def who(learner: Learner) -> tuple[str, str]:
    """The person behind `learner`: memory and history are theirs, whatever the workspace."""
    return (learner.platform, learner.user)


async def leaderboard(
    fetch: Fetch,
    board: tuple[str, str, str, str],
    limit: int,
    user: str,
) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]:
    """`board` is (platform, workspace, period_key, deck_id or "")."""
    rows = await fetch(
        f"SELECT user, points, answers, correct FROM scores WHERE {_BOARD}"
        " ORDER BY points DESC, correct DESC, user ASC LIMIT ?",
        (*board, max(limit, 0)),
    )
    top = [LeaderboardEntry(i, u, p, a, c) for i, (u, p, a, c) in enumerate(rows, start=1)]
    mine = await fetch(
        f"SELECT points, answers, correct FROM scores WHERE {_BOARD} AND user = ?",
        (*board, user),
    )
    if not mine:
        return top, None
    points, answers, correct = mine[0]
    ahead = await fetch(
        f"SELECT (SELECT count(*) FROM scores WHERE {_BOARD} AND points > ?)"
        f" + (SELECT count(*) FROM scores WHERE {_BOARD} AND points = ?"
        " AND (correct > ? OR (correct = ? AND user < ?)))",
        (*board, points, *board, points, correct, correct, user),
    )
    return top, LeaderboardEntry(1 + ahead[0][0], user, points, answers, correct)


async def review_days(
    fetch: Fetch, learner: Learner, since: datetime, zone: str | None
) -> list[DayCount]:
    if zone_of(zone) is UTC:
        rows = await fetch(
            "SELECT substr(answered_at, 1, 10) AS day, count(*), sum(correct) FROM review_log"
            f" WHERE learner_id IN {PLACES} AND answered_at >= ? GROUP BY day ORDER BY day",
            (*who(learner), dt_to_text(since)),
        )
        return [DayCount(day, n, k) for day, n, k in rows]
    rows = await fetch(
        "SELECT substr(answered_at, 1, 16) AS minute, count(*), sum(correct) FROM review_log"
        f" WHERE learner_id IN {PLACES} AND answered_at >= ? GROUP BY minute",
        (*who(learner), dt_to_text(since)),
    )
    days: dict[str, list[int]] = {}
    for minute, n, k in rows:
        day = days.setdefault(local_day(minute, zone), [0, 0])
        day[0] += n
        day[1] += k
    return [DayCount(d, n, k) for d, (n, k) in sorted(days.items())]


async def review_day_keys(fetch: Fetch, learner: Learner, zone: str | None) -> list[str]:
    if zone_of(zone) is UTC:
        rows = await fetch(
            "SELECT DISTINCT substr(answered_at, 1, 10) AS day FROM review_log"
            f" WHERE learner_id IN {PLACES} ORDER BY day DESC",
            who(learner),
        )
        return [row[0] for row in rows]
    rows = await fetch(
        f"SELECT DISTINCT substr(answered_at, 1, 16) FROM review_log WHERE learner_id IN {PLACES}",
        who(learner),
    )
    return local_days((row[0] for row in rows), zone)
