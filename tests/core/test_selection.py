"""Choosing the next card and its format, with fixed clocks and seeds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import Card, CardKey, CardPhase, CardRecord, CardState, Format, Mode
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig, choose_card, choose_format

NOW = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
SCHEDULER = Scheduler(enable_fuzzing=False)
CONFIG = SelectionConfig()
CARDS = tuple(Card("d", f"c{i}", f"Question {i}?", f"Answer {i}") for i in range(6))


def _state(
    card: Card,
    *,
    due_in: timedelta,
    stability: float = 5.0,
    reviewed_ago: timedelta = timedelta(days=5),
    wrong_streak: int = 0,
    lapses: int = 0,
    phase: CardPhase = CardPhase.REVIEW,
) -> CardState:
    return CardState(
        deck_id=card.deck_id,
        card_id=card.id,
        phase=phase,
        step=None if phase == CardPhase.REVIEW else 0,
        stability=stability,
        difficulty=5.0,
        due=NOW + due_in,
        last_review=NOW - reviewed_ago,
        reps=3,
        lapses=lapses,
        wrong_streak=wrong_streak,
    )


def _choose(
    states: dict[CardKey, CardState],
    *,
    mode: Mode = Mode.REVIEW,
    cards: tuple[Card, ...] = CARDS,
    records: dict[CardKey, CardRecord] | None = None,
    new_today: int = 0,
    config: SelectionConfig = CONFIG,
    last_card: CardKey | None = None,
    missed: tuple[CardKey, ...] = (),
    asked: tuple[CardKey, ...] = (),
    seed: int = 0,
) -> tuple[Card, bool] | None:
    return choose_card(
        cards,
        states,
        records or {},
        SCHEDULER,
        NOW,
        random.Random(seed),
        new_today=new_today,
        config=config,
        last_card=last_card,
        mode=mode,
        missed=missed,
        asked=asked,
    )


def _all_reviewed_later(ago: timedelta = timedelta(hours=2)) -> dict[CardKey, CardState]:
    """Every card reviewed `ago` and due in three days."""
    return {c.key: _state(c, due_in=timedelta(days=3), reviewed_ago=ago) for c in CARDS}


# --- review ---------------------------------------------------------------------------------


def test_due_card_comes_before_new_cards() -> None:
    """A card due for review is asked before any new card."""
    states = {CARDS[4].key: _state(CARDS[4], due_in=-timedelta(hours=1))}
    assert _choose(states) == (CARDS[4], False)


def test_weakest_due_card_first() -> None:
    """Among due cards, the one the learner is likeliest to have forgotten comes first."""
    states = _all_reviewed_later()
    states[CARDS[1].key] = _state(CARDS[1], due_in=-timedelta(days=1), stability=30.0)
    states[CARDS[2].key] = _state(CARDS[2], due_in=-timedelta(minutes=5), stability=1.0)
    assert _choose(states) == (CARDS[2], False)


def test_not_yet_due_card_waits() -> None:
    """A card due later and reviewed hours ago is not asked: with nothing due, no new card
    and nothing to review ahead, review has nothing to ask."""
    states = _all_reviewed_later()
    assert _choose(states) is None


def test_due_card_before_reviewing_ahead() -> None:
    """A due card comes before any card not due yet, however weak."""
    states = _all_reviewed_later(timedelta(days=20))
    states[CARDS[1].key] = _state(CARDS[1], due_in=timedelta(days=1), stability=0.5)
    states[CARDS[4].key] = _state(CARDS[4], due_in=-timedelta(hours=1), stability=50.0)
    assert _choose(states) == (CARDS[4], False)


def test_reviews_ahead_weakest_first_when_nothing_is_due() -> None:
    """Nothing due and no new card: the learner keeps studying the card likeliest forgotten,
    never one reviewed in the last hours (that would be a massed re-ask)."""
    states = _all_reviewed_later(timedelta(days=2))
    states[CARDS[1].key] = _state(CARDS[1], due_in=timedelta(days=1), stability=1.0)
    states[CARDS[2].key] = _state(
        CARDS[2], due_in=timedelta(days=1), stability=0.2, reviewed_ago=timedelta(hours=3)
    )
    assert _choose(states) == (CARDS[1], False)


def test_new_card_before_reviewing_ahead() -> None:
    """Reviewing ahead waits until the day's new cards are introduced."""
    states = {
        c.key: _state(c, due_in=timedelta(days=1), stability=1.0, reviewed_ago=timedelta(days=2))
        for c in CARDS[:3]
    }
    assert _choose(states) == (CARDS[3], True)


def test_card_missed_minutes_ago_waits_behind_new_cards() -> None:
    """A card in learning whose one-minute step came due waits until the day's new cards are
    shown, then comes back before anything is reviewed ahead."""
    states = _all_reviewed_later(timedelta(days=2))
    del states[CARDS[5].key]
    states[CARDS[0].key] = _state(
        CARDS[0],
        due_in=-timedelta(minutes=1),
        stability=0.2,
        reviewed_ago=timedelta(minutes=2),
        phase=CardPhase.LEARNING,
    )
    assert _choose(states) == (CARDS[5], True)
    assert _choose(states, new_today=CONFIG.new_per_day) == (CARDS[0], False)


def test_card_in_learning_from_an_earlier_session_is_due_first() -> None:
    """A card still in learning since yesterday is an ordinary due card: before new cards."""
    states = {
        CARDS[2].key: _state(
            CARDS[2],
            due_in=-timedelta(hours=20),
            stability=0.2,
            reviewed_ago=timedelta(hours=21),
            phase=CardPhase.LEARNING,
        )
    }
    assert _choose(states) == (CARDS[2], False)


def test_new_cards_easiest_first_by_group_record() -> None:
    """New cards come in order of how often the group gets them right."""
    records = {
        CARDS[0].key: CardRecord(attempts=10, correct=2),
        CARDS[3].key: CardRecord(attempts=10, correct=9),
        CARDS[5].key: CardRecord(attempts=10, correct=9),
    }
    assert _choose({}, records=records) == (CARDS[3], True)


def test_new_cards_in_deck_order_without_records() -> None:
    """With no group record, new cards follow the deck's order."""
    assert _choose({}) == (CARDS[0], True)


def test_daily_new_limit_is_respected() -> None:
    """Once the day's new cards are used up, no more new cards are offered."""
    config = SelectionConfig(new_per_day=5)
    assert _choose({}, new_today=4, config=config) == (CARDS[0], True)
    assert _choose({}, new_today=5, config=config) is None


def test_never_same_card_twice_in_a_row() -> None:
    """The card just asked is skipped, even when it is the most urgent."""
    states = _all_reviewed_later()
    states[CARDS[2].key] = _state(CARDS[2], due_in=-timedelta(days=2), stability=1.0)
    states[CARDS[3].key] = _state(CARDS[3], due_in=-timedelta(hours=1), stability=50.0)
    assert _choose(states, last_card=CARDS[2].key) == (CARDS[3], False)


def test_last_card_alone_is_not_repeated_when_others_exist() -> None:
    """If the only due card is the one just asked, review pauses instead of repeating it."""
    states = _all_reviewed_later()
    states[CARDS[2].key] = _state(CARDS[2], due_in=-timedelta(days=2))
    assert _choose(states, last_card=CARDS[2].key) is None


def test_only_card_at_all_may_repeat() -> None:
    """A one-card deck can ask its card again."""
    card = CARDS[0]
    states = {card.key: _state(card, due_in=-timedelta(minutes=1))}
    assert _choose(states, cards=(card,), last_card=card.key) == (card, False)


def test_review_returns_none_when_nothing_left() -> None:
    """An empty deck has nothing to ask."""
    assert _choose({}, cards=()) is None


# --- quiz -----------------------------------------------------------------------------------


def test_quiz_skips_cards_already_asked() -> None:
    """A quiz never asks the same card twice."""
    asked = tuple(c.key for c in CARDS[:5])
    assert _choose({}, mode=Mode.QUIZ, asked=asked) == (CARDS[5], True)
    assert _choose({}, mode=Mode.QUIZ, asked=tuple(c.key for c in CARDS)) is None


def test_quiz_asks_cards_not_due() -> None:
    """A quiz may ask any card, due or not, and ignores the new-card limit."""
    result = _choose(_all_reviewed_later(), mode=Mode.QUIZ, new_today=99)
    assert result is not None and result[0] in CARDS


def test_quiz_never_repeats_last_card() -> None:
    """The card just asked is not asked again straight away."""
    for seed in range(20):
        result = _choose({}, mode=Mode.QUIZ, last_card=CARDS[0].key, seed=seed)
        assert result is not None and result[0] != CARDS[0]


def test_quiz_prefers_weak_cards() -> None:
    """Among cards not due yet, the one the learner is likeliest to have forgotten comes first."""
    states = {
        c.key: _state(c, due_in=timedelta(days=30), stability=300.0, reviewed_ago=timedelta(0))
        for c in CARDS
    }
    weak = CARDS[4]
    states[weak.key] = _state(
        weak, due_in=timedelta(hours=2), stability=0.5, reviewed_ago=timedelta(days=20)
    )
    firsts = [_choose(states, mode=Mode.QUIZ, seed=s) for s in range(30)]
    assert all(f is not None and f[0] == weak for f in firsts)


def test_quiz_leaves_due_cards_to_review() -> None:
    """A quiz never opens on a card due for review while any other card is left."""
    states = {
        c.key: _state(c, due_in=timedelta(days=30), stability=300.0, reviewed_ago=timedelta(0))
        for c in CARDS
    }
    due = CARDS[4]
    states[due.key] = _state(
        due, due_in=-timedelta(days=10), stability=0.5, reviewed_ago=timedelta(days=20)
    )
    firsts = [_choose(states, mode=Mode.QUIZ, seed=s) for s in range(30)]
    assert all(f is not None and f[0] != due for f in firsts)
    others = [c.key for c in CARDS if c != due]
    last = choose_card(
        CARDS,
        states,
        {},
        Scheduler(),
        NOW,
        random.Random(1),
        new_today=0,
        config=CONFIG,
        last_card=None,
        mode=Mode.QUIZ,
        asked=others,
    )
    assert last is not None and last[0] == due


def test_quiz_has_some_randomness() -> None:
    """Different seeds open a quiz on different cards when they are equally known."""
    firsts = {_choose({}, mode=Mode.QUIZ, seed=s)[0] for s in range(30)}  # type: ignore[index]
    assert len(firsts) > 1


def test_quiz_is_deterministic_for_a_seed() -> None:
    """The same seed gives the same card."""
    assert _choose({}, mode=Mode.QUIZ, seed=3) == _choose({}, mode=Mode.QUIZ, seed=3)


# --- missed ---------------------------------------------------------------------------------


def test_missed_mode_follows_the_order_missed() -> None:
    """Missed cards come back in the order they were missed, skipping those re-asked."""
    states = _all_reviewed_later()
    missed = (CARDS[4].key, CARDS[1].key, CARDS[2].key)
    assert _choose(states, mode=Mode.MISSED, missed=missed) == (CARDS[4], False)
    asked = (CARDS[4].key,)
    assert _choose(states, mode=Mode.MISSED, missed=missed, asked=asked) == (CARDS[1], False)


def test_missed_mode_only_asks_missed_cards() -> None:
    """Once every missed card is re-asked the session has nothing left."""
    missed = (CARDS[4].key,)
    assert _choose({}, mode=Mode.MISSED, missed=missed, asked=missed) is None
    assert _choose({}, mode=Mode.MISSED) is None


def test_missed_card_no_longer_in_deck_is_skipped() -> None:
    """A missed card removed from the deck since is skipped, not an error."""
    missed = (("d", "gone"), CARDS[2].key)
    assert _choose({}, mode=Mode.MISSED, missed=missed) == (CARDS[2], True)


# --- scale ----------------------------------------------------------------------------------


def test_ten_thousand_cards_one_pass() -> None:
    """A big deck with a state for every card still yields a card (a single O(n) pass)."""
    cards = tuple(Card("big", str(i), f"Q{i}?", f"A{i}") for i in range(10_000))
    states = {
        c.key: _state(c, due_in=timedelta(hours=(i % 48) - 24), stability=1.0 + i % 30)
        for i, c in enumerate(cards)
    }
    result = _choose(states, cards=cards)
    assert result is not None and not result[1]
    assert states[result[0].key].due <= NOW  # type: ignore[operator]
    quiz = _choose(states, cards=cards, mode=Mode.QUIZ)
    assert quiz is not None


# --- format ---------------------------------------------------------------------------------

TYPEABLE = Card("d", "t", "Which ring?", "Ring 0", accept=("ring 0",))
PLAIN = CARDS[0]


@pytest.mark.parametrize("choices", [True, False])
def test_quiz_is_multiple_choice(choices: bool) -> None:
    """A quiz asks multiple choice, or flashcards when there are no options."""
    expected = Format.CHOICE if choices else Format.FLASHCARD
    state = _state(TYPEABLE, due_in=timedelta(0), stability=100.0)
    assert choose_format(TYPEABLE, state, Mode.QUIZ, CONFIG, choices_available=choices) == expected


def test_new_card_is_recognition_first() -> None:
    """A card never seen is a self-checked flashcard in review, even with options to offer."""
    assert (
        choose_format(TYPEABLE, None, Mode.REVIEW, CONFIG, choices_available=True)
        == Format.FLASHCARD
    )
    assert (
        choose_format(TYPEABLE, None, Mode.REVIEW, CONFIG, choices_available=False)
        == Format.FLASHCARD
    )


@pytest.mark.parametrize(
    ("streak", "lapses", "stability"), [(2, 0, 100.0), (0, 2, 3.0), (5, 5, 100.0)]
)
def test_failing_card_gets_easier(streak: int, lapses: int, stability: float) -> None:
    """A card the learner keeps missing drops to a flashcard, even if well known before."""
    state = _state(
        TYPEABLE, due_in=timedelta(0), stability=stability, wrong_streak=streak, lapses=lapses
    )
    assert (
        choose_format(TYPEABLE, state, Mode.REVIEW, CONFIG, choices_available=True)
        == Format.FLASHCARD
    )


def test_card_being_learned_is_a_flashcard_until_known() -> None:
    """A seen card is a self-checked flashcard (half the time of typing) until its stability
    reaches `known_stability_days`; then it is typed."""
    learning = _state(TYPEABLE, due_in=timedelta(0), stability=8.0)
    known = _state(TYPEABLE, due_in=timedelta(0), stability=CONFIG.known_stability_days)
    assert choose_format(TYPEABLE, learning, Mode.REVIEW, CONFIG, choices_available=True) == (
        Format.FLASHCARD
    )
    assert choose_format(TYPEABLE, known, Mode.REVIEW, CONFIG, choices_available=True) == (
        Format.TYPED
    )


def test_known_card_gets_harder() -> None:
    """A well-known card is asked as typed recall, or flashcard if it cannot be typed."""
    state = _state(TYPEABLE, due_in=timedelta(0), stability=21.0)
    assert (
        choose_format(TYPEABLE, state, Mode.REVIEW, CONFIG, choices_available=True) == Format.TYPED
    )
    assert (
        choose_format(PLAIN, state, Mode.REVIEW, CONFIG, choices_available=True) == Format.FLASHCARD
    )


def test_known_card_that_slips_is_a_flashcard_again() -> None:
    """A known card missed `lapse_threshold` times in a row drops back to a flashcard."""
    state = _state(TYPEABLE, due_in=timedelta(0), stability=30.0, wrong_streak=1)
    slipped = _state(TYPEABLE, due_in=timedelta(0), stability=30.0, wrong_streak=2)
    assert (
        choose_format(TYPEABLE, state, Mode.REVIEW, CONFIG, choices_available=True) == Format.TYPED
    )
    assert choose_format(TYPEABLE, slipped, Mode.REVIEW, CONFIG, choices_available=True) == (
        Format.FLASHCARD
    )


def test_thresholds_are_configurable() -> None:
    """Stricter thresholds change when a card counts as failing or known."""
    config = SelectionConfig(lapse_threshold=1, known_stability_days=2.0)
    slipping = _state(TYPEABLE, due_in=timedelta(0), stability=3.0, wrong_streak=1)
    assert (
        choose_format(TYPEABLE, slipping, Mode.REVIEW, config, choices_available=True)
        == Format.FLASHCARD
    )
