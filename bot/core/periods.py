"""Leaderboard periods and local days: which day, week and all-time boards an answer counts
towards, and which calendar day a review fell on, in a group's or a person's time zone.

A group with a daily quiz counts its days in that quiz's zone, a person's streak in the zone they
chose with /remind; everything else is UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.models import Period

DEFAULT_ZONE = "UTC"


@cache
def zone_of(name: str | None) -> tzinfo:
    """The zone named `name`; UTC for None, empty or unknown names (a stored zone that a newer
    tz database dropped must not break a board)."""
    if not name or name == DEFAULT_ZONE:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def period_key(period: Period, at: datetime, zone: str | None = None) -> str:
    """The board key for `period` at the instant `at`, in `zone` (ISO weeks: Monday first)."""
    local = at.astimezone(zone_of(zone))
    if period is Period.DAY:
        return f"day:{local.date().isoformat()}"
    if period is Period.WEEK:
        year, week, _ = local.isocalendar()
        return f"week:{year}-W{week:02d}"
    return "all"


def period_keys(at: datetime, zone: str | None = None) -> tuple[str, ...]:
    """Every board an answer at `at` is scored on."""
    return tuple(period_key(p, at, zone) for p in Period)


def local_day(utc_minute: str, zone: str | None) -> str:
    """The local date (YYYY-MM-DD) of a stored UTC time's first 16 characters
    ("2025-03-30T00:59"). Minutes suffice: every zone's offset is a whole number of them."""
    at = datetime.fromisoformat(utc_minute).replace(tzinfo=UTC)
    return at.astimezone(zone_of(zone)).date().isoformat()


def local_days(utc_minutes: Iterable[str], zone: str | None) -> list[str]:
    """The distinct local days of stored UTC minutes, newest first."""
    return sorted({local_day(m, zone) for m in utc_minutes}, reverse=True)
