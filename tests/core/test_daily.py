"""The pure daily-quiz logic: post instants across DST, due actions, question choice, results."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.daily import (
    Action,
    AnswerRow,
    DailyConfigError,
    DailyQuestion,
    Schedule,
    aggregate,
    check_questions,
    choose_questions,
    close_instant,
    due_action,
    next_post_at,
    parse_clock,
    parse_zone,
    post_instant,
)
from bot.core.models import Card, CardRecord

GRACE = timedelta(hours=2)


def berlin(at: time = time(9, 0), **kw: object) -> Schedule:
    values: dict[str, object] = {
        "platform": "discord",
        "workspace": "G",
        "channel": "C",
        "at": at,
        "timezone": "Europe/Berlin",
        "questions": 3,
        "since": datetime(2025, 1, 1, tzinfo=UTC),
    }
    values.update(kw)
    return Schedule(**values)  # type: ignore[arg-type]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_post_instant_keeps_local_time_in_winter_and_summer() -> None:
    """09:00 Berlin is 08:00 UTC in winter and 07:00 UTC in summer."""
    assert post_instant(berlin(), date(2025, 1, 15)) == utc(2025, 1, 15, 8)
    assert post_instant(berlin(), date(2025, 7, 15)) == utc(2025, 7, 15, 7)


def test_spring_forward_keeps_nine_local() -> None:
    """Across the March change the next post after Saturday's is Sunday 09:00 CEST (07:00 UTC)."""
    saturday = post_instant(berlin(), date(2025, 3, 29))
    assert saturday == utc(2025, 3, 29, 8)
    assert next_post_at(berlin(), saturday) == utc(2025, 3, 30, 7)


def test_fall_back_keeps_nine_local() -> None:
    """Across the October change the next post is Sunday 09:00 CET (08:00 UTC)."""
    saturday = post_instant(berlin(), date(2025, 10, 25))
    assert saturday == utc(2025, 10, 25, 7)
    assert next_post_at(berlin(), saturday) == utc(2025, 10, 26, 8)


def test_nonexistent_local_time_moves_forward() -> None:
    """02:30 does not exist on 30 March in Berlin: it is posted at 03:30 CEST (01:30 UTC)."""
    assert post_instant(berlin(time(2, 30)), date(2025, 3, 30)) == utc(2025, 3, 30, 1, 30)


def test_ambiguous_local_time_is_the_first() -> None:
    """02:30 happens twice on 26 October in Berlin: fold=0 takes the first (00:30 UTC)."""
    assert post_instant(berlin(time(2, 30)), date(2025, 10, 26)) == utc(2025, 10, 26, 0, 30)


def test_wait_before_post_time() -> None:
    """Before today's time, with yesterday done, there is nothing to do."""
    due = due_action(berlin(), date(2025, 1, 14), utc(2025, 1, 15, 7, 59), GRACE)
    assert due.action is Action.WAIT


def test_post_at_post_time() -> None:
    """At the local time the day's quiz is due."""
    due = due_action(berlin(), date(2025, 1, 14), utc(2025, 1, 15, 8), GRACE)
    assert (due.action, due.day) == (Action.POST, date(2025, 1, 15))


def test_post_within_grace_after_downtime() -> None:
    """Down at 09:00, back at 10:59 local: still posted."""
    due = due_action(berlin(), date(2025, 1, 14), utc(2025, 1, 15, 9, 59), GRACE)
    assert due.action is Action.POST


def test_skip_outside_grace_says_why() -> None:
    """Back at 11:01 local, past the two-hour grace: skipped, with a reason."""
    due = due_action(berlin(), date(2025, 1, 14), utc(2025, 1, 15, 10, 1), GRACE)
    assert (due.action, due.day) == (Action.SKIP, date(2025, 1, 15))
    assert "grace" in due.reason


def test_never_twice() -> None:
    """A day already claimed (posted or skipped) is never due again."""
    for now in (utc(2025, 1, 15, 8), utc(2025, 1, 15, 9), utc(2025, 1, 15, 23)):
        assert due_action(berlin(), date(2025, 1, 15), now, GRACE).action is Action.WAIT


def test_first_run_without_history_posts() -> None:
    """A fresh schedule with no runs posts at its first post time."""
    schedule = berlin(since=utc(2025, 1, 15, 7))
    assert due_action(schedule, None, utc(2025, 1, 15, 8), GRACE).action is Action.POST


def test_days_before_the_schedule_was_set_are_not_owed() -> None:
    """Set at 09:30 local for 09:00: today's post time passed before it existed, so wait."""
    schedule = berlin(since=utc(2025, 1, 15, 8, 30))
    assert due_action(schedule, None, utc(2025, 1, 15, 8, 31), GRACE).action is Action.WAIT
    assert due_action(schedule, None, utc(2025, 1, 16, 8), GRACE).action is Action.POST


def test_close_at_next_post_or_close_time() -> None:
    """Without a close time the quiz closes at the next post; with one, at that local time."""
    assert close_instant(berlin(), date(2025, 1, 15)) == utc(2025, 1, 16, 8)
    evening = berlin(close_at=time(18, 0))
    assert close_instant(evening, date(2025, 1, 15)) == utc(2025, 1, 15, 17)
    early = berlin(close_at=time(8, 0))
    assert close_instant(early, date(2025, 1, 15)) == utc(2025, 1, 16, 7)


def test_invalid_time_zone_is_a_clear_error() -> None:
    """A made-up or path-like zone name is refused with the expected form in the message."""
    for name in ("Mars/Olympus", "", "../etc/passwd", "Europe/Berlinn"):
        with pytest.raises(DailyConfigError, match="IANA name such as Europe/Berlin"):
            parse_zone(name)
    assert str(parse_zone(" Europe/Berlin ")) == "Europe/Berlin"


def test_parse_clock_and_question_count() -> None:
    """HH:MM on a 24-hour clock; question counts stay in range."""
    assert parse_clock("9:05") == time(9, 5)
    for bad in ("24:00", "9", "09:60", "nine", "09:00:00"):
        with pytest.raises(DailyConfigError, match="HH:MM"):
            parse_clock(bad)
    with pytest.raises(DailyConfigError):
        check_questions(0)


CARDS = [Card("d", f"c{i}", f"Question {i}?", f"Answer number {i}", choices=()) for i in range(8)]


def test_choice_takes_what_the_group_knows_least_deterministically() -> None:
    """Lowest success rate first; the same call gives the same questions and options."""
    records = {("d", "c5"): CardRecord(10, 0), ("d", "c2"): CardRecord(10, 1)}
    day = date(2025, 1, 15)
    first = choose_questions(CARDS, records, 2, "C", day)
    assert [q.card_id for q in first] == ["c5", "c2"]
    assert first == choose_questions(CARDS, records, 2, "C", day)
    assert all(len(q.options) >= 2 and q.options[q.correct].startswith("Answer") for q in first)


def test_choice_avoids_yesterdays_cards_when_it_can() -> None:
    """Yesterday's cards go last, and come back only when nothing else is left."""
    records = {("d", "c5"): CardRecord(10, 0)}
    day = date(2025, 1, 16)
    picked = choose_questions(CARDS, records, 3, "C", day, previous=[("d", "c5")])
    assert ("d", "c5") not in [q.key for q in picked]
    every = choose_questions(CARDS, records, 8, "C", day, previous=[("d", "c5")])
    assert every[-1].key == ("d", "c5")


def test_aggregate_counts_per_question_and_top_scorers() -> None:
    """n right / n answered per question; scorers by right answers, then user id."""
    qs = [
        DailyQuestion("d", "a", "Q1?", ("x", "y"), 0),
        DailyQuestion("d", "b", "Q2?", ("x", "y"), 1),
    ]
    rows = [
        AnswerRow(0, "u1", "Ann", True),
        AnswerRow(1, "u1", "Ann", True),
        AnswerRow(0, "u2", "Bo", False),
        AnswerRow(1, "u2", "Bo", True),
        AnswerRow(0, "u3", "Cy", False),
    ]
    results = aggregate(date(2025, 1, 15), qs, rows)
    assert [(r.right, r.answered) for r in results.questions] == [(1, 3), (2, 2)]
    assert [(s.name, s.correct) for s in results.top] == [("Ann", 2), ("Bo", 1)]
    assert results.members == 3
