"""The study policies, each a small per-learner object: what to ask next, and what it learned.

* fixed: a trivia bot. Every day a fresh shuffle of the deck, asked as multiple choice; no
  memory of who knows what.
* leitner: five boxes with 1/2/4/8/16-day intervals; a right answer moves a card up a box, a
  wrong one back to box 1. Each day the due cards (lowest box first), then new cards. Asked as
  flashcards with self-check, as paper Leitner boxes are. No same-day re-asks.
* fsrs: FSRS-6 through quizbot's own `Scheduler` (same parameters, same learning steps), due
  cards earliest due first, always flashcards rated Again/Hard/Good/Easy.
* quizbot: the real `bot.core` path the service takes: `choose_card(mode=Mode.REVIEW)` over the
  learner's states and the group's `CardRecord`s, `choose_format`, `grade` on a response built
  from the simulated answer, `schedule_rating` (evidence by format) and `Scheduler.review` with
  the service's rng. Nothing re-implemented. `quiz` and `daily` answer a `/quiz` question or a
  daily-quiz question the way the service and the daily quiz do.

Leitner and FSRS introduce new cards in quizbot's order (`new_card_rank`: easiest first by the
workspace's record, which every policy keeps from its own answers), so what differs between
them is the schedule and the formats, not the order. New cards are capped at `new_per_day` for
every policy that has a notion of new (all but fixed). A policy that predicts recall (fsrs,
quizbot) reports its retrievability for reviews of cards last seen on an earlier day.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from bench.learning.decks import StudyDeck
from bench.learning.learner import Outcome
from bot.core.daily import DailyQuestion
from bot.core.evidence import schedule_rating
from bot.core.grading import Grade, grade
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
from bot.core.selection import SelectionConfig, choose_card, choose_format, new_card_rank

POLICIES = ("fixed", "leitner", "fsrs", "quizbot", "quizbot_mixed")
LEITNER_INTERVALS = (1, 2, 4, 8, 16)
"""Days a card waits in boxes 1..5."""
_OPTION_LABELS = ("A", "B", "C", "D", "E", "F", "G", "H")
FAST_SECONDS = 8.0


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


Evidence = Callable[[Format, Grade, CardState | None, float], Rating | None]
"""(format, grade, state before, seconds taken) -> the rating FSRS reviews with, or None."""


def _product(fmt: Format, result: Grade, state: CardState | None, seconds: float) -> Rating | None:
    return schedule_rating(fmt, result.rating, result.correct, state)


def _pick_ignored(
    fmt: Format, result: Grade, state: CardState | None, seconds: float
) -> Rating | None:
    """Ablation, the first evidence rule: a right pick never schedules, even on a card in review
    (the product rates it Good, the FSRS authors' binary mapping)."""
    if fmt == Format.CHOICE and result.correct:
        return None
    return _product(fmt, result, state, seconds)


def _typed_speed(
    fmt: Format, result: Grade, state: CardState | None, seconds: float
) -> Rating | None:
    """Ablation: the product's mapping, but a typed answer right within 8 s is Easy."""
    rating = _product(fmt, result, state, seconds)
    if fmt == Format.TYPED and result.correct and seconds <= FAST_SECONDS:
        return Rating.EASY
    return rating


def _as_recall(
    fmt: Format, result: Grade, state: CardState | None, seconds: float
) -> Rating | None:
    """Ablation, the mapping before evidence by format: every answer schedules like a recall,
    and a right checked answer within 8 s is Easy."""
    if fmt != Format.FLASHCARD and result.correct and seconds <= FAST_SECONDS:
        return Rating.EASY
    return result.rating


EVIDENCE: dict[str, Evidence] = {
    "product": _product,
    "pick_ignored": _pick_ignored,
    "typed_speed": _typed_speed,
    "as_recall": _as_recall,
}


def _recognition(deck: StudyDeck, card: int) -> Format:
    return Format.CHOICE if deck.options[card] >= 2 else Format.FLASHCARD


def _long_term(state: CardState, now: datetime) -> bool:
    return state.last_review is not None and (now - state.last_review) >= timedelta(days=1)


def _note(records: dict[CardKey, CardRecord], key: CardKey, correct: bool) -> None:
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
        return Ask(card, _recognition(self.deck, card))

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
        _note(self.records, self.deck.cards[ask.card].key, outcome.recalled)
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
        **_: object,
    ) -> None:
        self.deck, self.rng, self.scheduler = deck, rng, scheduler
        self.new_per_day, self.records = new_per_day, records
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
            predicted = (
                self.scheduler.retrievability(state, now) if _long_term(state, now) else None
            )
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
        _note(self.records, card.key, outcome.self_rating >= Rating.GOOD)
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
        evidence: str = "product",
        **_: object,
    ) -> None:
        self.deck, self.rng, self.scheduler = deck, rng, scheduler
        self.config = SelectionConfig(new_per_day=new_per_day)
        self.records = records
        self.evidence = EVIDENCE[evidence]
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

    def quiz_next(
        self, now: datetime, asked: tuple[CardKey, ...], snapshot: dict[CardKey, CardState]
    ) -> Ask | None:
        """The next `/quiz` question: `choose_card(mode=QUIZ)` over the snapshot taken when the
        quiz began, multiple choice where the card has options. The `as_recall` ablation also
        takes the quiz order from before: weakest first, due cards included."""
        if self.evidence is _as_recall:
            far = now + timedelta(days=36500)
            snapshot = {k: replace(s, due=far) for k, s in snapshot.items()}
        picked = choose_card(
            self.deck.cards,
            snapshot,
            {},
            self.scheduler,
            now,
            self.rng,
            new_today=0,
            config=self.config,
            last_card=asked[-1] if asked else None,
            mode=Mode.QUIZ,
            asked=asked,
        )
        if picked is None:
            return None
        card = picked[0]
        index = self.index[card.key]
        fmt = choose_format(
            card, snapshot.get(card.key), Mode.QUIZ, self.config,
            choices_available=self.deck.options[index] >= 2,
        )  # fmt: skip
        return Ask(index, fmt)

    def record(self, ask: Ask, outcome: Outcome, now: datetime, *, study: bool = True) -> Graded:
        """Grade the simulated answer and review it, as `QuizService.answer` does; `study`
        False for a `/quiz` question."""
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
        result = grade(card, asked, response, answered_at, FAST_SECONDS)
        self._schedule(ask.card, ask.fmt, result, answered_at, outcome.seconds, study=study)
        return Graded(result.correct)

    def daily(self, question: DailyQuestion, outcome: Outcome, now: datetime) -> Graded:
        """A daily-quiz pick, as `bot.daily` records it: right or wrong, then the evidence."""
        result = Grade(outcome.correct, Rating.GOOD if outcome.correct else Rating.AGAIN, 0)
        index = self.index[question.key]
        answered_at = now + timedelta(seconds=outcome.seconds)
        self._schedule(
            index, Format.CHOICE, result, answered_at, outcome.seconds, study=False,
            counts=self.evidence is _as_recall,
        )  # fmt: skip
        return Graded(result.correct)

    def _schedule(
        self,
        index: int,
        fmt: Format,
        result: Grade,
        at: datetime,
        seconds: float,
        *,
        study: bool,
        counts: bool = True,
    ) -> None:
        """Review the card if the answer is evidence; a new card it schedules uses today's new
        ration unless `counts` is False (daily and competition answers never do)."""
        card = self.deck.cards[index]
        state = self.states.get(card.key)
        rating = self.evidence(fmt, result, state, seconds)
        if rating is not None:
            if state is None and counts:
                self.new_today += 1
            self.states[card.key] = self.scheduler.review(
                state, card.deck_id, card.id, rating, at, rng=self.rng
            )
        _note(self.records, card.key, result.correct)
        if study:
            self.last_card = card.key


def make_policy(
    name: str,
    deck: StudyDeck,
    rng: random.Random,
    *,
    scheduler: Scheduler,
    new_per_day: int,
    records: dict[CardKey, CardRecord],
    evidence: str = "product",
) -> Policy:
    kinds: dict[str, type] = {
        "fixed": FixedQuiz,
        "leitner": Leitner,
        "fsrs": FsrsOnly,
        "quizbot": Quizbot,
        "quizbot_mixed": Quizbot,
    }
    return kinds[name](
        deck, rng, scheduler=scheduler, new_per_day=new_per_day, records=records, evidence=evidence
    )
