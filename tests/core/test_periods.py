"""Days and weeks in a group's or a person's time zone, across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.models import Period
from bot.core.periods import local_days, period_key, period_keys, zone_of


def test_day_and_week_follow_the_zone_across_the_spring_change() -> None:
    """Berlin moves to CEST at 01:00 UTC on Sunday 30 March 2025. 23:30 UTC on Saturday is
    already Sunday there; 22:30 UTC on Sunday is already Monday (a new ISO week) in summer
    time, while in UTC it is still Sunday of week 13."""
    saturday_night = datetime(2025, 3, 29, 23, 30, tzinfo=UTC)
    assert period_key(Period.DAY, saturday_night) == "day:2025-03-29"
    assert period_key(Period.DAY, saturday_night, "Europe/Berlin") == "day:2025-03-30"
    sunday_night = datetime(2025, 3, 30, 22, 30, tzinfo=UTC)
    assert period_keys(sunday_night) == ("day:2025-03-30", "week:2025-W13", "all")
    assert period_keys(sunday_night, "Europe/Berlin") == ("day:2025-03-31", "week:2025-W14", "all")
    before_change = datetime(2025, 3, 29, 22, 30, tzinfo=UTC)  # 23:30 CET, still Saturday
    assert period_key(Period.DAY, before_change, "Europe/Berlin") == "day:2025-03-29"


def test_local_days_of_stored_minutes_newest_first() -> None:
    """New York leaves EST on 9 March 2025: 19:30 local is 00:30 UTC the next day before the
    change and 23:30 UTC the same day after it."""
    minutes = ["2025-03-09T00:30", "2025-03-09T23:30"]
    assert local_days(minutes, None) == ["2025-03-09"]
    assert local_days(minutes, "America/New_York") == ["2025-03-09", "2025-03-08"]


def test_unknown_or_missing_zone_is_utc() -> None:
    assert zone_of(None) is UTC and zone_of("") is UTC and zone_of("Mars/Olympus") is UTC
