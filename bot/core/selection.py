"""What to ask next and how: the adaptive part of a study session.

Review follows the spaced-repetition plan (due cards, weakest memory first, then a daily ration
of new cards, easiest first by the group's record). A quiz samples the deck with a lean towards
weak cards, but leaves cards that are due (or still being learned) to review while anything else
is left: a quiz is multiple choice, which schedules weakly (`bot.core.evidence`), so a quiz that
took the due cards would spend them on recognition and leave study a massed re-ask. The format
follows how well the learner knows the card: a self-checked flashcard while it is new or keeps
slipping, recall (typed) once it is seen. Multiple choice is for quizzes only: recognition is
weak evidence (`bot.core.evidence`) and strengthens memory less than recall (the testing
effect).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Card, CardKey, CardRecord, CardState, Format, Mode
from bot.core.scheduler import Scheduler

QUIZ_JITTER = 0.35
"""How much randomness a quiz mixes into its weakest-first order (retrievability is 0..1)."""

_UNSEEN = CardRecord()


@dataclass(frozen=True, slots=True)
class SelectionConfig:
    new_per_day: int = 20
    lapse_threshold: int = 2
    """A wrong streak or lapse count at or over this asks the card as a self-checked flashcard."""
    known_stability_days: float = 21.0
    """A stability at or over this asks the card as typed recall (or flashcard if untypeable)."""
    recovered_stability_days: float = 7.0
    """Lapses stop making a card a flashcard once its stability is back at or over this."""


def _is_new(state: CardState | None) -> bool:
    return state is None or state.last_review is None


def new_card_rank(record: CardRecord | None, index: int) -> tuple[float, int]:
    """How review orders new cards: highest group success rate first, then deck order."""
    return (-(record or _UNSEEN).success_rate, index)


def _review(
    cards: Sequence[Card],
    states: Mapping[CardKey, CardState],
    records: Mapping[CardKey, CardRecord],
    scheduler: Scheduler,
    now: datetime,
    *,
    allowance: int,
    skip: CardKey | None,
) -> tuple[Card, bool] | None:
    """Due cards by lowest retrievability, then new cards by highest group success rate."""
    best_due: tuple[float, datetime, int] | None = None
    due_card: Card | None = None
    best_new: tuple[float, int] | None = None
    new_card: Card | None = None
    for index, card in enumerate(cards):
        key = card.key
        if key == skip:
            continue
        state = states.get(key)
        if _is_new(state):
            if allowance > 0:
                rank_new = new_card_rank(records.get(key), index)
                if best_new is None or rank_new < best_new:
                    best_new, new_card = rank_new, card
            continue
        assert state is not None
        if state.due is None or state.due > now:
            continue
        rank_due = (scheduler.retrievability(state, now), state.due, index)
        if best_due is None or rank_due < best_due:
            best_due, due_card = rank_due, card
    if due_card is not None:
        return due_card, False
    if new_card is not None:
        return new_card, True
    return None


def _quiz(
    cards: Sequence[Card],
    states: Mapping[CardKey, CardState],
    scheduler: Scheduler,
    now: datetime,
    rng: random.Random,
    *,
    asked: Collection[CardKey],
    skip: CardKey | None,
) -> tuple[Card, bool] | None:
    """Any card not yet asked in this quiz, weak ones likelier first, new ones after them;
    cards due for review (or in learning) only when nothing else is left.

    Runs once per quiz question over the whole deck, so the loop is kept lean: one jitter
    draw per eligible card in deck order (the same draws as ever), ties to the earlier card.
    """
    asked_set = set(asked)
    if skip is not None:
        asked_set.add(skip)
    draw = rng.random
    best = (True, float("inf"))
    chosen: tuple[Card, bool] | None = None
    for card in cards:
        key = (card.deck_id, card.id)
        if key in asked_set:
            continue
        state = states.get(key)
        new = state is None or state.last_review is None
        weakness = 1.0 if new else scheduler.retrievability(state, now)  # type: ignore[arg-type]
        due = not new and (state.due is None or state.due <= now)  # type: ignore[union-attr]
        value = (due, weakness + QUIZ_JITTER * draw())
        if value < best:
            best, chosen = value, (card, new)
    return chosen


def _missed(
    cards: Sequence[Card],
    states: Mapping[CardKey, CardState],
    *,
    missed: Collection[CardKey],
    asked: Collection[CardKey],
    skip: CardKey | None,
) -> tuple[Card, bool] | None:
    """The first missed card not asked again yet, in the order it was missed."""
    by_key = {card.key: card for card in cards}
    asked_set = set(asked)
    left = [k for k in dict.fromkeys(missed) if k in by_key and k not in asked_set]
    if len(left) > 1 or (left and left[0] != skip):
        key = next(k for k in left if k != skip)
    elif left:
        key = left[0]
    else:
        return None
    return by_key[key], _is_new(states.get(key))


def choose_card(
    cards: Sequence[Card],
    states: Mapping[CardKey, CardState],
    records: Mapping[CardKey, CardRecord],
    scheduler: Scheduler,
    now: datetime,
    rng: random.Random,
    *,
    new_today: int,
    config: SelectionConfig,
    last_card: CardKey | None,
    mode: Mode,
    missed: Collection[CardKey] = (),
    asked: Collection[CardKey] = (),
    only_card: bool | None = None,
) -> tuple[Card, bool] | None:
    """The next card to ask and whether it is new to the learner; None when nothing is left.

    One pass over `cards` (O(n)); `last_card` is never asked twice in a row, except in review
    when it is the only card there is, and in missed mode when it is the only miss left.
    `only_card` says whether the deck has one card, when `cards` is a subset of it (the
    candidates `bot/app/study/_next_card.py` read); by default it is `len(cards) == 1`.
    """
    if mode == Mode.MISSED:
        return _missed(cards, states, missed=missed, asked=asked, skip=last_card)
    if mode == Mode.QUIZ:
        return _quiz(cards, states, scheduler, now, rng, asked=asked, skip=last_card)
    if only_card is None:
        only_card = len(cards) == 1
    return _review(
        cards,
        states,
        records,
        scheduler,
        now,
        allowance=config.new_per_day - new_today,
        skip=None if only_card else last_card,
    )


def choose_format(
    card: Card,
    state: CardState | None,
    mode: Mode,
    config: SelectionConfig,
    *,
    choices_available: bool,
) -> Format:
    """Easier formats for cards that are new or slipping, harder ones for cards well known.

    In review the easier format is a flashcard the learner checks themselves, not multiple
    choice: its honest Again/Hard/Good/Easy feeds FSRS, where a lucky guess would not.
    """
    recall = Format.TYPED if card.typeable else Format.FLASHCARD
    if mode == Mode.QUIZ:
        return Format.CHOICE if choices_available else Format.FLASHCARD
    if state is not None and (
        state.wrong_streak >= config.lapse_threshold
        or (
            state.lapses >= config.lapse_threshold
            and (state.stability or 0.0) < config.recovered_stability_days
        )
    ):
        return Format.FLASHCARD
    if state is not None and (state.stability or 0.0) >= config.known_stability_days:
        return recall
    if _is_new(state):
        return Format.FLASHCARD
    return recall
