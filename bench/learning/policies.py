"""The four study policies, each a small per-learner object: what to ask next, and what it learned.

* fixed: a trivia bot. Every day a fresh shuffle of the deck, asked as multiple choice; no
  memory of who knows what.
* leitner: five boxes with 1/2/4/8/16-day intervals; a right answer moves a card up a box, a
  wrong one back to box 1. Each day the due cards (lowest box first), then new cards in deck
  order. Asked as flashcards with self-check, as paper Leitner boxes are, so Leitner and
  FSRS-only differ only in the schedule. No same-day re-asks.
* fsrs: FSRS-6 through quizbot's own `Scheduler` (same parameters, same learning steps), due
  cards earliest due first, new cards in deck order, always flashcards rated Again/Hard/Good/Easy.
* quizbot: the real `bot.core` path the service takes: `choose_card(mode=Mode.REVIEW)` over the
  learner's states and the group's `CardRecord`s, `choose_format`, `grade` on a response built
  from the simulated answer, `Scheduler.review` with the service's rng. Nothing re-implemented.

New cards are capped at `new_per_day` for every policy that has a notion of new (all but fixed).
A policy that predicts recall (fsrs, quizbot) reports its retrievability for reviews of cards
last seen on an earlier day, the reviews FSRS is meant to predict.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bench.learning.decks import StudyDeck
from bench.learning.learner import Outcome
from bot.core.grading import grade
from bot.core.models import (
    AskedCard,
    CardKey,
    CardRecord,
    CardState,
    Format,
    Mode,
    Rating,
    Response,
)
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig, choose_card, choose_format

POLICIES = ("fixed", "leitner", "fsrs", "quizbot")
LEITNER_INTERVALS = (1, 2, 4, 8, 16)
"""Days a card waits in boxes 1..5."""
_OPTION_LABELS = ("A", "B", "C", "D", "E", "F", "G", "H")


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


def _recognition(deck: StudyDeck, card: int) -> Format:
    return Format.CHOICE if deck.options[card] >= 2 else Format.FLASHCARD


def _long_term(state: CardState, now: datetime) -> bool:
    return state.last_review is not None and (now - state.last_review) >= timedelta(days=1)


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
        return Ask(card, _recognition(self.deck, card))

    def record(self, ask: Ask, outcome: Outcome, now: datetime) -> Graded:
        return Graded(outcome.correct)


class Leitner:
    """Five boxes; box 0 means not introduced yet."""

    def __init__(self, deck: StudyDeck, rng: random.Random, *, new_per_day: int, **_: object):
        self.deck, self.new_per_day = deck, new_per_day
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
        new = [i for i in range(n) if not self.box[i]][: self.new_per_day]
        self.queue = (due + new)[::-1]

    def next(self, now: datetime) -> Ask | None:
        return Ask(self.queue.pop(), Format.FLASHCARD) if self.queue else None

    def record(self, ask: Ask, outcome: Outcome, now: datetime) -> Graded:
        box = min(self.box[ask.card] + 1, 5) if outcome.recalled and self.box[ask.card] else 1
        self.box[ask.card] = box
        self.due_day[ask.card] = self.day + LEITNER_INTERVALS[box - 1]
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
        **_: object,
    ) -> None:
        self.deck, self.rng, self.scheduler = deck, rng, scheduler
        self.new_per_day = new_per_day
        self.states: dict[int, CardState] = {}
        self.next_new = 0
        self.new_today = 0

    def start_day(self, day: int) -> None:
        self.new_today = 0

    def next(self, now: datetime) -> Ask | None:
        due = [(s.due, i) for i, s in self.states.items() if s.due is not None and s.due <= now]
        if due:
            card = min(due)[1]
            state = self.states[card]
            predicted = (
                self.scheduler.retrievability(state, now) if _long_term(state, now) else None
            )
            return Ask(card, Format.FLASHCARD, predicted)
        if self.new_today < self.new_per_day and self.next_new < len(self.deck.cards):
            return Ask(self.next_new, Format.FLASHCARD)
        return None

    def record(self, ask: Ask, outcome: Outcome, now: datetime) -> Graded:
        state = self.states.get(ask.card)
        if state is None:
            self.next_new += 1
            self.new_today += 1
        card = self.deck.cards[ask.card]
        self.states[ask.card] = self.scheduler.review(
            state, card.deck_id, card.id, outcome.self_rating, now, rng=self.rng
        )
        return Graded(outcome.self_rating >= Rating.GOOD)


class Quizbot:
    """The bot's own study path, driven through `bot.core` exactly as `QuizService` drives it."""

    def __init__(
        self,
        deck: StudyDeck,
        rng: random.Random,
        *,
        scheduler: Scheduler,
        new_per_day: int,
        records: dict[CardKey, CardRecord],
        fast_seconds: float = 8.0,
        **_: object,
    ) -> None:
        self.deck, self.rng, self.scheduler = deck, rng, scheduler
        self.config = SelectionConfig(new_per_day=new_per_day)
        self.records = records
        self.fast_seconds = fast_seconds
        self.index = {card.key: i for i, card in enumerate(deck.cards)}
        self.states: dict[CardKey, CardState] = {}
        self.new_today = 0
        self.last_card: CardKey | None = None

    def start_day(self, day: int) -> None:
        """A new session: nothing asked yet, today's new-card count back to zero."""
        self.new_today = 0
        self.last_card = None

    def next(self, now: datetime) -> Ask | None:
        picked = choose_card(
            self.deck.cards,
            self.states,
            self.records,
            self.scheduler,
            now,
            self.rng,
            new_today=self.new_today,
            config=self.config,
            last_card=self.last_card,
            mode=Mode.REVIEW,
        )
        if picked is None:
            return None
        card, _is_new = picked
        index = self.index[card.key]
        state = self.states.get(card.key)
        fmt = choose_format(
            card,
            state,
            Mode.REVIEW,
            self.config,
            choices_available=self.deck.options[index] >= 2,
        )
        predicted = None
        if state is not None and _long_term(state, now):
            predicted = self.scheduler.retrievability(state, now)
        return Ask(index, fmt, predicted)

    def record(self, ask: Ask, outcome: Outcome, now: datetime) -> Graded:
        """Grade the simulated answer with `grade` and review it, as `QuizService.answer` does."""
        card = self.deck.cards[ask.card]
        options: tuple[str, ...] = ()
        correct_option = None
        response = Response(rating=outcome.self_rating)
        if ask.fmt == Format.CHOICE:
            options = _OPTION_LABELS[: self.deck.options[ask.card]]
            correct_option = 0
            response = Response(choice=0 if outcome.correct else 1)
        elif ask.fmt == Format.TYPED:
            response = Response(text=card.accept[0] if outcome.correct else "no idea")
        asked = AskedCard(card.deck_id, card.id, ask.fmt, options, correct_option, now)
        answered_at = now + timedelta(seconds=outcome.seconds)
        result = grade(card, asked, response, answered_at, self.fast_seconds)
        state = self.states.get(card.key)
        if state is None:
            self.new_today += 1
        self.states[card.key] = self.scheduler.review(
            state, card.deck_id, card.id, result.rating, answered_at, rng=self.rng
        )
        old = self.records.get(card.key, CardRecord())
        self.records[card.key] = CardRecord(old.attempts + 1, old.correct + int(result.correct))
        self.last_card = card.key
        return Graded(result.correct)


def make_policy(
    name: str,
    deck: StudyDeck,
    rng: random.Random,
    *,
    scheduler: Scheduler,
    new_per_day: int,
    records: dict[CardKey, CardRecord],
) -> Policy:
    kinds: dict[str, type] = {
        "fixed": FixedQuiz,
        "leitner": Leitner,
        "fsrs": FsrsOnly,
        "quizbot": Quizbot,
    }
    return kinds[name](deck, rng, scheduler=scheduler, new_per_day=new_per_day, records=records)
