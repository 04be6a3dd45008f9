"""What an answer does to the schedule: recall moves it, a right pick never graduates a card."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.evidence import schedule_rating
from bot.core.models import CardPhase, Format, Rating
from bot.core.scheduler import Scheduler

NOW = datetime(2025, 3, 1, 18, tzinfo=UTC)
SCHEDULER = Scheduler()


def _learning():
    """A card answered Again once: in learning, due in a minute."""
    return SCHEDULER.review(None, "d", "c", Rating.AGAIN, NOW - timedelta(minutes=5))


def _relearning():
    state = SCHEDULER.review(None, "d", "c", Rating.GOOD, NOW - timedelta(days=20))
    state = SCHEDULER.review(state, "d", "c", Rating.GOOD, NOW - timedelta(days=10))
    return SCHEDULER.review(state, "d", "c", Rating.AGAIN, NOW - timedelta(minutes=5))


def _in_review():
    state = SCHEDULER.review(None, "d", "c", Rating.GOOD, NOW - timedelta(days=20))
    return SCHEDULER.review(state, "d", "c", Rating.GOOD, NOW - timedelta(days=10))


def test_right_pick_on_a_new_card_schedules_nothing() -> None:
    """A lucky pick on a card never seen leaves it new: no 6-10 day interval from a guess."""
    assert schedule_rating(Format.CHOICE, Rating.GOOD, True, None) is None


@pytest.mark.parametrize("state", [_learning, _relearning], ids=["learning", "relearning"])
def test_right_pick_never_graduates(state) -> None:
    """A right pick leaves a learning or relearning card where it was."""
    before = state()
    assert before.phase in (CardPhase.LEARNING, CardPhase.RELEARNING)
    assert schedule_rating(Format.CHOICE, Rating.GOOD, True, before) is None


def test_right_pick_on_a_review_card_is_good_never_easy() -> None:
    """On a card already in review a right pick is Good (the binary mapping), however fast."""
    assert schedule_rating(Format.CHOICE, Rating.EASY, True, _in_review()) == Rating.GOOD
    assert schedule_rating(Format.CHOICE, Rating.GOOD, True, _in_review()) == Rating.GOOD


def test_wrong_pick_on_a_known_card_is_a_lapse() -> None:
    """A wrong pick is strong evidence of forgetting: Again, so the card comes back soon."""
    state = _in_review()
    rating = schedule_rating(Format.CHOICE, Rating.AGAIN, False, state)
    assert rating == Rating.AGAIN
    after = SCHEDULER.review(state, "d", "c", rating, NOW, rng=random.Random(1))
    assert after.phase == CardPhase.RELEARNING and after.lapses == 1
    assert after.due is not None and after.due - NOW < timedelta(hours=1)


def test_recall_formats_keep_their_grade() -> None:
    """Typed answers and flashcards schedule with the grade's rating, Easy included."""
    state = _in_review()
    assert schedule_rating(Format.TYPED, Rating.GOOD, True, state) == Rating.GOOD
    assert schedule_rating(Format.TYPED, Rating.AGAIN, False, None) == Rating.AGAIN
    assert schedule_rating(Format.FLASHCARD, Rating.EASY, True, state) == Rating.EASY
