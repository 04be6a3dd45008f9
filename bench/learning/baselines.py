"""The baselines quizbot is measured against, each a small per-learner object.

* fixed: a trivia bot. Every day a fresh shuffle of the deck, asked as multiple choice; no
  memory of who knows what.
* leitner: five boxes with 1/2/4/8/16-day intervals; a right answer moves a card up a box, a
  wrong one back to box 1. Each day the due cards (lowest box first), then new cards. Asked as
  flashcards with self-check, as paper Leitner boxes are. No same-day re-asks.
* fsrs: FSRS-6 through quizbot's own `Scheduler` (same learning steps, FSRS-6's default
  parameters), due cards earliest due first, always flashcards rated Again/Hard/Good/Easy.
  `fsrs_fit` is the same with the workspace's weekly refit that quizbot gets
  (`bench.learning.group_fit`), for comparison only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bench.learning.decks import StudyDeck
from bench.learning.learner import Outcome
from bot.core.memory_fit import Review
from bot.core.models import CardKey, CardRecord, CardState, Format, Rating
from bot.core.scheduler import Scheduler
from bot.core.selection import new_card_rank

LEITNER_INTERVALS = (1, 2, 4, 8, 16)
"""Days a card waits in boxes 1..5."""


@dataclass(frozen=True, slots=True)
class Ask:
    card: int
    fmt: Format
    predicted: float | None = None
    """The policy's chance of a right answer, when it predicts one."""


@dataclass(frozen=True, slots=True)
class Graded:
    """What the policy made of an answer: right or wrong as the bot saw it."""

    correct: bool


class Policy(Protocol):
    def start_day(self, day: int) -> None: ...

    def next(self, now: datetime) -> Ask | None: ...

    def record(self, ask: Ask, outcome: Outcome, now: datetime) -> Graded: ...


def recognition(deck: StudyDeck, card: int) -> Format:
    return Format.CHOICE if deck.options[card] >= 2 else Format.FLASHCARD


def long_term(state: CardState, now: datetime) -> bool:
    return state.last_review is not None and (now - state.last_review) >= timedelta(days=1)


def note_answer(records: dict[CardKey, CardRecord], key: CardKey, correct: bool) -> None:
    old = records.get(key, CardRecord())
    records[key] = CardRecord(old.attempts + 1, old.correct + int(correct))


class FixedQuiz:
    """Random cards, multiple choice, no memory."""

    def __init__(self, deck: StudyDeck, rng: random.Random, **_: object) -> None:
        self.deck, self.rng = deck, rng
        self.queue: list[int] = []

    def start_day(self, day: int) -> None:
        self.queue = []

    def next(self, now: datetime) -> Ask | None:
        if not self.queue:
            self.queue = list(range(len(self.deck.cards)))
            self.rng.shuffle(self.queue)
        card = self.queue.pop()
        return Ask(card, recognition(self.deck, card))

    def record(self, ask: Ask, outcome: Outcome, now: datetime) -> Graded:
        return Graded(outcome.correct)


class Leitner:
    """Five boxes; box 0 means not introduced yet."""

    def __init__(
        self,
        deck: StudyDeck,
        rng: random.Random,
        *,
        new_per_day: int,
        records: dict[CardKey, CardRecord],
        **_: object,
    ) -> None:
        self.deck, self.new_per_day, self.records = deck, new_per_day, records
        self.box = [0] * len(deck.cards)
        self.due_day = [0] * len(deck.cards)
        self.day = 0
        self.queue: list[int] = []

    def start_day(self, day: int) -> None:
        self.day = day
        n = len(self.deck.cards)
        due = sorted(
            (i for i in range(n) if self.box[i] and self.due_day[i] <= day),
            key=lambda i: (self.box[i], self.due_day[i], i),
        )
        keys = [card.key for card in self.deck.cards]
        new = sorted(
            (i for i in range(n) if not self.box[i]),
            key=lambda i: new_card_rank(self.records.get(keys[i]), i),
        )[: self.new_per_day]
        self.queue = (due + new)[::-1]

    def next(self, now: datetime) -> Ask | None:
        return Ask(self.queue.pop(), Format.FLASHCARD) if self.queue else None

    def record(self, ask: Ask, outcome: Outcome, now: datetime) -> Graded:
        box = min(self.box[ask.card] + 1, 5) if outcome.recalled and self.box[ask.card] else 1
        self.box[ask.card] = box
        self.due_day[ask.card] = self.day + LEITNER_INTERVALS[box - 1]
        note_answer(self.records, self.deck.cards[ask.card].key, outcome.recalled)
        return Graded(outcome.recalled)


class FsrsOnly:
    """FSRS-6 scheduling with plain Anki-like selection and self-rated flashcards."""

    def __init__(
        self,
        deck: StudyDeck,
        rng: random.Random,
        *,
        scheduler: Scheduler,
        new_per_day: int,
        records: dict[CardKey, CardRecord],
        learner: int = 0,
        reviews: list[Review] | None = None,
        **_: object,
    ) -> None:
        self.deck, self.rng, self.scheduler = deck, rng, scheduler
        self.new_per_day, self.records = new_per_day, records
        self.learner, self.reviews = learner, reviews
        self.states: dict[int, CardState] = {}
        self.new_today = 0

    def start_day(self, day: int) -> None:
        self.new_today = 0

    def _first_new(self) -> int | None:
        cards = self.deck.cards
        unseen = (i for i in range(len(cards)) if i not in self.states)
        return min(
            unseen, key=lambda i: new_card_rank(self.records.get(cards[i].key), i), default=None
        )

    def next(self, now: datetime) -> Ask | None:
        due = [(s.due, i) for i, s in self.states.items() if s.due is not None and s.due <= now]
        if due:
            card = min(due)[1]
            state = self.states[card]
            predicted = self.scheduler.retrievability(state, now) if long_term(state, now) else None
            return Ask(card, Format.FLASHCARD, predicted)
        if self.new_today < self.new_per_day:
            card = self._first_new()
            if card is not None:
                return Ask(card, Format.FLASHCARD)
        return None

    def record(self, ask: Ask, outcome: Outcome, now: datetime) -> Graded:
        state = self.states.get(ask.card)
        if state is None:
            self.new_today += 1
        card = self.deck.cards[ask.card]
        self.states[ask.card] = self.scheduler.review(
            state, card.deck_id, card.id, outcome.self_rating, now, rng=self.rng
        )
        if self.reviews is not None:
            self.reviews.append(
                Review((self.learner, card.deck_id, card.id), now, outcome.self_rating)
            )
        note_answer(self.records, card.key, outcome.self_rating >= Rating.GOOD)
        return Graded(outcome.self_rating >= Rating.GOOD)
