"""Gather a learner's statistics from the repository; the arithmetic is in `bot.core.stats`."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.library import Library
from bot.core.models import Learner, Stats
from bot.core.ports import Repository
from bot.core.stats import MATURE_DAYS, build_stats, build_stats_from_counts

CHART_DAYS = 30


async def gather_stats(
    repo: Repository, library: Library, learner: Learner, now: datetime
) -> Stats:
    """Totals, the last 30 days and due counts. A repository that aggregates per deck in SQL
    (SQLite) is asked for counts, so a learner with 10,000 cards is not read card by card."""
    reviews, correct = await repo.totals(learner)
    days = await repo.review_days(learner, now - timedelta(days=CHART_DAYS))
    day_keys = await repo.review_day_keys(learner)
    deck_counts = getattr(repo, "deck_counts", None)
    if deck_counts is not None:
        end_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        counts = await deck_counts(learner, now, end_of_day, now + timedelta(days=7), MATURE_DAYS)
        return build_stats_from_counts(
            learner, library, counts, reviews, correct, days, day_keys, now
        )
    states = await repo.load_states(learner)
    return build_stats(learner, library, states, reviews, correct, days, day_keys, now)
