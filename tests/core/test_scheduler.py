"""The FSRS wrapper: intervals match `fsrs`, counters move as a learner would expect."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import fsrs
import pytest

from bot.core.models import CardPhase, CardState, Rating
from bot.core.scheduler import Scheduler, fsrs_card_id

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def scheduler() -> Scheduler:
    return Scheduler(enable_fuzzing=False)


def _graduate(scheduler: Scheduler) -> CardState:
    """A card rated Good twice: out of learning, in the review phase."""
    first = scheduler.review(None, "d", "c", Rating.GOOD, T0)
    assert first.due is not None
    return scheduler.review(first, "d", "c", Rating.GOOD, first.due)


def test_new_card_good_comes_back_in_ten_minutes(scheduler: Scheduler) -> None:
    """A new card answered Good returns within the session, ten minutes later."""
    state = scheduler.review(None, "d", "c", Rating.GOOD, T0)
    assert state.phase == CardPhase.LEARNING
    assert state.step == 1
    assert state.due == T0 + timedelta(minutes=10)
    assert state.last_review == T0
    assert state.reps == 1


def test_new_card_again_comes_back_in_one_minute(scheduler: Scheduler) -> None:
    """A new card answered Again returns a minute later and starts a wrong streak."""
    state = scheduler.review(None, "d", "c", Rating.AGAIN, T0)
    assert state.due == T0 + timedelta(minutes=1)
    assert state.wrong_streak == 1
    assert state.lapses == 0


def test_good_twice_schedules_days_ahead(scheduler: Scheduler) -> None:
    """After two Goods the card leaves learning and is due days later."""
    state = _graduate(scheduler)
    assert state.phase == CardPhase.REVIEW
    assert state.step is None
    assert state.due is not None and state.last_review is not None
    assert state.due - state.last_review >= timedelta(days=1)
    assert state.reps == 2


def test_sequence_matches_fsrs_directly(scheduler: Scheduler) -> None:
    """Every due date and memory value equals what `fsrs` itself computes."""
    reference = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=1, due=T0)
    state: CardState | None = None
    now = T0
    for rating in (Rating.GOOD, Rating.GOOD, Rating.EASY, Rating.AGAIN, Rating.GOOD, Rating.HARD):
        card, _ = reference.review_card(card, fsrs.Rating(int(rating)), now)
        state = scheduler.review(state, "d", "c", rating, now)
        assert state.due == card.due
        assert state.stability == pytest.approx(card.stability)
        assert state.difficulty == pytest.approx(card.difficulty)
        assert int(state.phase) == int(card.state)
        assert state.step == card.step
        now = card.due
    assert state is not None and state.reps == 6


def test_input_state_is_never_changed(scheduler: Scheduler) -> None:
    """Reviewing returns a new state and leaves the old one as it was."""
    before = _graduate(scheduler)
    snapshot = replace(before)
    assert before.due is not None
    after = scheduler.review(before, "d", "c", Rating.AGAIN, before.due)
    assert before == snapshot
    assert after is not before


def test_again_in_review_counts_a_lapse(scheduler: Scheduler) -> None:
    """Forgetting a learned card counts a lapse and sends it to relearning."""
    state = _graduate(scheduler)
    assert state.due is not None
    lapsed = scheduler.review(state, "d", "c", Rating.AGAIN, state.due)
    assert lapsed.lapses == 1
    assert lapsed.phase == CardPhase.RELEARNING
    assert lapsed.due == state.due + timedelta(minutes=10)


def test_again_while_learning_is_not_a_lapse(scheduler: Scheduler) -> None:
    """Missing a card still being learned is not a lapse, but the wrong streak grows."""
    state = scheduler.review(None, "d", "c", Rating.AGAIN, T0)
    state = scheduler.review(state, "d", "c", Rating.AGAIN, T0 + timedelta(minutes=1))
    assert state.lapses == 0
    assert state.wrong_streak == 2


def test_right_answer_resets_wrong_streak(scheduler: Scheduler) -> None:
    """A streak of misses ends at the first answer that is not Again."""
    state = scheduler.review(None, "d", "c", Rating.AGAIN, T0)
    state = scheduler.review(state, "d", "c", Rating.HARD, T0 + timedelta(minutes=1))
    assert state.wrong_streak == 0


def test_keys_are_kept(scheduler: Scheduler) -> None:
    """The returned state belongs to the card that was reviewed."""
    state = scheduler.review(None, "deck", "card-7", Rating.GOOD, T0)
    assert state.key == ("deck", "card-7")


def test_stored_new_state_behaves_like_none(scheduler: Scheduler) -> None:
    """A stored never-reviewed state is scheduled exactly like a brand-new card."""
    blank = CardState(deck_id="d", card_id="c")
    assert scheduler.review(blank, "d", "c", Rating.GOOD, T0) == scheduler.review(
        None, "d", "c", Rating.GOOD, T0
    )


def test_other_utc_tzinfo_is_accepted(scheduler: Scheduler) -> None:
    """An aware time in another zone is converted rather than refused by `fsrs`."""
    plus_two = T0.astimezone(timezone(timedelta(hours=2)))
    state = scheduler.review(None, "d", "c", Rating.GOOD, plus_two)
    assert state.due == T0 + timedelta(minutes=10)


def test_naive_time_is_refused(scheduler: Scheduler) -> None:
    """A naive datetime is a bug in the caller and is reported, not guessed."""
    with pytest.raises(ValueError):
        scheduler.review(None, "d", "c", Rating.GOOD, datetime(2024, 3, 1))


def test_retrievability_of_new_card_is_zero(scheduler: Scheduler) -> None:
    """A card never reviewed has no memory to recall."""
    assert scheduler.retrievability(CardState(deck_id="d", card_id="c"), T0) == 0.0


def test_retrievability_fades_over_time(scheduler: Scheduler) -> None:
    """Memory is strongest right after review and fades as days pass."""
    state = _graduate(scheduler)
    assert state.last_review is not None
    fresh = scheduler.retrievability(state, state.last_review)
    later = scheduler.retrievability(state, state.last_review + timedelta(days=30))
    assert 0.0 <= later < fresh <= 1.0


def test_retrievability_matches_fsrs(scheduler: Scheduler) -> None:
    """The retrievability is the one `fsrs` predicts for the same card."""
    reference = fsrs.Scheduler(enable_fuzzing=False)
    card = fsrs.Card(card_id=1, due=T0)
    card, _ = reference.review_card(card, fsrs.Rating.Good, T0)
    card, _ = reference.review_card(card, fsrs.Rating.Good, card.due)
    state = _graduate(scheduler)
    at = T0 + timedelta(days=9)
    assert scheduler.retrievability(state, at) == pytest.approx(
        reference.get_card_retrievability(card, at)
    )


def test_fuzz_with_rng_is_reproducible() -> None:
    """With fuzzing on, the same seed gives the same due date."""
    scheduler = Scheduler(enable_fuzzing=True)
    state = _graduate(Scheduler(enable_fuzzing=False))
    assert state.due is not None
    later = state.due + timedelta(days=5)
    a = scheduler.review(state, "d", "c", Rating.EASY, later, rng=random.Random(7))
    b = scheduler.review(state, "d", "c", Rating.EASY, later, rng=random.Random(7))
    plain = Scheduler(enable_fuzzing=False).review(state, "d", "c", Rating.EASY, later)
    assert a == b
    assert a.due is not None and plain.due is not None
    assert abs((a.due - plain.due).days) <= max(2, (plain.due - later).days // 4)


def test_maximum_interval_is_respected() -> None:
    """No card is scheduled further ahead than the configured maximum."""
    scheduler = Scheduler(enable_fuzzing=False, maximum_interval=3)
    state: CardState | None = None
    now = T0
    for _ in range(6):
        state = scheduler.review(state, "d", "c", Rating.EASY, now)
        assert state.due is not None
        assert state.due - now <= timedelta(days=3)
        now = state.due


def test_fsrs_card_id_is_stable() -> None:
    """The same card always maps to the same `fsrs` id, and different cards differ."""
    assert fsrs_card_id("d", "c") == fsrs_card_id("d", "c")
    assert fsrs_card_id("d", "c") != fsrs_card_id("d", "c2")
