"""Gather a learner's statistics and a group's board from the repository; the arithmetic is
in `bot.core.stats`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from bot.core.library import Library
from bot.core.models import Learner, Period
from bot.core.periods import period_key, zone_of
from bot.core.ports import Clock, Repository
from bot.core.reports import Leaderboard, Stats
from bot.core.stats import MATURE_DAYS, build_stats, build_stats_from_counts

CHART_DAYS = 30


async def gather_stats(
    repo: Repository, library: Library, learner: Learner, now: datetime
) -> Stats:
    """The person's memory everywhere; asked in a group, also their all-time rank there."""
    stats = await _memory(repo, library, learner, now)
    if not learner.in_group:
        return stats
    _, mine = await repo.leaderboard(
        learner.platform, learner.workspace, period_key(Period.ALL, now), None, 0, learner.user
    )
    return replace(stats, rank=mine)


async def board(
    repo: Repository,
    platform: str,
    workspace: str,
    period: Period,
    deck: str | None,
    user: str,
    limit: int,
    clock: Clock,
) -> Leaderboard:
    """One board of a workspace, counted in its daily quiz's zone (UTC without one)."""
    zone = await repo.board_zone(platform, workspace)
    key = period_key(period, clock.now(), zone)
    entries, caller = await repo.leaderboard(platform, workspace, key, deck, limit, user)
    return Leaderboard(workspace, period, deck, tuple(entries), caller)


async def _memory(repo: Repository, library: Library, learner: Learner, now: datetime) -> Stats:
    """Totals, the last 30 days and due counts; days and the streak in the person's zone. A
    repository that aggregates per deck in SQL is asked for counts, so a learner with 10,000
    cards is not read card by card."""
    reviews, correct = await repo.totals(learner)
    zone = await repo.person_zone(learner)
    days = await repo.review_days(learner, now - timedelta(days=CHART_DAYS), zone)
    day_keys = await repo.review_day_keys(learner, zone)
    today = now.astimezone(zone_of(zone)).date()
    deck_counts = getattr(repo, "deck_counts", None)
    if deck_counts is not None:
        midnight = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone_of(zone))
        end_of_day = midnight.astimezone(UTC)
        counts = await deck_counts(learner, now, end_of_day, now + timedelta(days=7), MATURE_DAYS)
        return build_stats_from_counts(
            learner, library, counts, reviews, correct, days, day_keys, now, today
        )
    states = await repo.load_states(learner)
    return build_stats(learner, library, states, reviews, correct, days, day_keys, now, today)
