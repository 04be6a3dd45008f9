"""Leaderboard periods: which day, week and all-time boards an answer counts towards."""

from __future__ import annotations

from datetime import datetime

from bot.core.models import Period


def period_key(period: Period, at: datetime) -> str:
    """The board key for `period` at the UTC instant `at` (ISO weeks, so a week starts Monday)."""
    if period is Period.DAY:
        return f"day:{at.date().isoformat()}"
    if period is Period.WEEK:
        year, week, _ = at.isocalendar()
        return f"week:{year}-W{week:02d}"
    return "all"


def period_keys(at: datetime) -> tuple[str, ...]:
    """Every board an answer at `at` is scored on."""
    return tuple(period_key(p, at) for p in Period)
