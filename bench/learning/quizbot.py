"""quizbot in the bench: the real `bot.core` path the service takes, and evidence ablations.

`Quizbot` drives `choose_card(mode=Mode.REVIEW)` over the learner's states and the group's
`CardRecord`s, `choose_format`, `grade` on a response built from the simulated answer,
`schedule_rating` (evidence by format) and `Scheduler.review` with the service's rng. Nothing
re-implemented. `quiz` and `daily` answer a `/quiz` question or a daily-quiz question the way the
service and the daily quiz do. `EVIDENCE` holds the product's answer-to-rating rule and the
ablations it was chosen against (`--evidence`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bench.learning.baselines import Ask, Graded, long_term, note_answer
from bench.learning.decks import StudyDeck
from bench.learning.learner import Outcome
from bot.core.daily import DailyQuestion
from bot.core.evidence import schedule_rating
from bot.core.grading import Grade, grade
from bot.core.memory_fit import Review
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

_OPTION_LABELS = ("A", "B", "C", "D", "E", "F", "G", "H")
FAST_SECONDS = 8.0


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
        learner: int = 0,
        reviews: list[Review] | None = None,
        **_: object,
    ) -> None:
        """`reviews`: the workspace's review log (what `FitStorage.reviews` reads), appended
        to for every answer that moved the schedule, keyed by (learner, deck, card)."""
        self.deck, self.rng, self.scheduler = deck, rng, scheduler
        self.learner, self.reviews = learner, reviews
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
        if state is not None and long_term(state, now):
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
            if self.reviews is not None:
                self.reviews.append(Review((self.learner, card.deck_id, card.id), at, rating))
        note_answer(self.records, card.key, result.correct)
        if study:
            self.last_card = card.key
