"""What to ask next and how: the adaptive part of a study session.

Review follows the spaced-repetition plan, ordered for a learner whose study time is short:
due cards, weakest memory first; then the daily ration of new cards, easiest first by the
group's record; then cards missed or learned minutes ago (their FSRS learning step came due,
but a re-ask a minute later teaches little and a new card not yet shown counts for nothing);
then, when nothing is left, review ahead: the weakest cards not reviewed in the last hours, so
time the learner still gives goes to the cards that will be lost first. A quiz samples the deck
with a lean towards weak cards, but leaves cards that are due (or still being learned) to review
while anything else is left: a quiz is multiple choice, which schedules weakly
(`bot.core.evidence`), so a quiz that took the due cards would spend them on recognition and
leave study a massed re-ask. The format follows how well the learner knows the card: a
self-checked flashcard until the card is known (a flashcard takes half the time of typing, so
a short session reviews more cards), typed recall once it is known and while it stays so.
Multiple choice is for quizzes only: recognition is weak evidence (`bot.core.evidence`) and
strengthens memory less than recall (the testing effect). Every choice here was measured in
`bench/learning` on three memory models (docs/learning.md).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.models import Card, CardKey, CardPhase, CardRecord, CardState, Format, Mode
from bot.core.scheduler import Scheduler

QUIZ_JITTER = 0.35
"""How much randomness a quiz mixes into its weakest-first order (retrievability is 0..1)."""

_UNSEEN = CardRecord()


@dataclass(frozen=True, slots=True)
class SelectionConfig:
    new_per_day: int = 20
    lapse_threshold: int = 2
    """A wrong streak at or over this asks even a known card as a self-checked flashcard."""
    known_stability_days: float = 21.0
    """A stability at or over this asks the card as typed recall (or flashcard if untypeable);
    below it, a seen card is a self-checked flashcard."""
    fresh_minutes: float = 60.0
    """A card still in (re)learning and reviewed less than this long ago waits behind new cards."""
    ahead_gap_hours: float = 12.0
    """Reviewing ahead skips cards reviewed less than this long ago (no massed re-asks)."""


def _is_new(state: CardState | None) -> bool:
    return state is None or state.last_review is None


def new_card_rank(record: CardRecord | None, index: int) -> tuple[float, int]:
    """How review orders new cards: highest group success rate first, then deck order."""
    return (-(record or _UNSEEN).success_rate, index)


def is_fresh(state: CardState, now: datetime, config: SelectionConfig) -> bool:
    """Still being learned and seen minutes ago: its learning step is a massed re-ask."""
    return state.phase != CardPhase.REVIEW and (
        state.last_review is not None
        and now - state.last_review < timedelta(minutes=config.fresh_minutes)
    )


def _review(
    cards: Sequence[Card],
    states: Mapping[CardKey, CardState],
    records: Mapping[CardKey, CardRecord],
    scheduler: Scheduler,
    now: datetime,
    *,
    allowance: int,
    skip: CardKey | None,
    config: SelectionConfig,
) -> tuple[Card, bool] | None:
    """Due cards by lowest retrievability, then new cards by highest group success rate, then
    due cards seen minutes ago, then (review ahead) any card not seen for `ahead_gap_hours`,
    lowest retrievability first."""
    best: tuple[int, float, datetime | None, int] | None = None
    chosen: tuple[Card, bool] | None = None
    ahead_before = now - timedelta(hours=config.ahead_gap_hours)
    for index, card in enumerate(cards):
        key = card.key
        if key == skip:
            continue
        state = states.get(key)
        rank: tuple[int, float, datetime | None, int]
        if _is_new(state):
            if allowance <= 0:
                continue
            success, _ = new_card_rank(records.get(key), index)
            rank = (1, success, None, index)
        else:
            assert state is not None and state.last_review is not None
            if state.due is not None and state.due <= now:
                tier = 2 if is_fresh(state, now, config) else 0
            elif state.last_review <= ahead_before:
                tier = 3
            else:
                continue
            if best is not None and tier > best[0]:
                continue
            rank = (tier, scheduler.retrievability(state, now), state.due, index)
        if best is None or _before(rank, best):
            best, chosen = rank, (card, rank[0] == 1)
    return chosen


def _before(
    a: tuple[int, float, datetime | None, int], b: tuple[int, float, datetime | None, int]
) -> bool:
    """`a` ranks before `b`: tier, then value, then due (None first), then deck order."""
    if a[:2] != b[:2]:
        return a[:2] < b[:2]
    if a[2] != b[2]:
        return a[2] is None or (b[2] is not None and a[2] < b[2])
    return a[3] < b[3]


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
    state_of = states.get
    recall = scheduler.retrievability
    # (best_due, best_weakness) is the tuple minimum, compared field by field without
    # building a tuple per card: not due before due, then the lower jittered weakness.
    best_due, best_weakness = True, float("inf")
    chosen: tuple[Card, bool] | None = None
    if not states:  # every card new (a first quiz): the same draws, no state to look up
        for card in cards:
            if (card.deck_id, card.id) in asked_set:
                continue
            weakness = 1.0 + QUIZ_JITTER * draw()
            if weakness < best_weakness:
                best_weakness, chosen = weakness, (card, True)
        return chosen
    for card in cards:
        key = (card.deck_id, card.id)
        if key in asked_set:
            continue
        state = state_of(key)
        if state is None or state.last_review is None:
            new, due, weakness = True, False, 1.0 + QUIZ_JITTER * draw()
        else:
            new = False
            due = state.due is None or state.due <= now
            weakness = recall(state, now) + QUIZ_JITTER * draw()
        if due < best_due or (due == best_due and weakness < best_weakness):
            best_due, best_weakness, chosen = due, weakness, (card, new)
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
        config=config,
    )


def choose_format(
    card: Card,
    state: CardState | None,
    mode: Mode,
    config: SelectionConfig,
    *,
    choices_available: bool,
) -> Format:
    """A self-checked flashcard until the card is known, typed recall once it is.

    In review the easier format is a flashcard the learner checks themselves, not multiple
    choice: its honest Again/Hard/Good/Easy feeds FSRS, where a lucky guess would not. It takes
    half the time of a typed answer, so a short session reviews more cards while they are being
    learned; a known card (stability of `known_stability_days` or more) is typed, which checks
    the answer, until it slips (`lapse_threshold` misses in a row).
    """
    recall = Format.TYPED if card.typeable else Format.FLASHCARD
    if mode == Mode.QUIZ:
        return Format.CHOICE if choices_available else Format.FLASHCARD
    if (
        state is None
        or _is_new(state)
        or state.wrong_streak >= config.lapse_threshold
        or (state.stability or 0.0) < config.known_stability_days
    ):
        return Format.FLASHCARD
    return recall
