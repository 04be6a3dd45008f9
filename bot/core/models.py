"""The domain: cards, decks, learners, their memory state, and the replies the service gives.

Everything here is a frozen dataclass of plain values, so the core can be tested without I/O
and every adapter renders the same replies its own way.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from bot.core.text_bounds import one_line

PATH_CHARS = 1_000

CardKey = tuple[str, str]
"""(deck id, card id): the identity of a card, stable across reloads."""

DeckOwner = tuple[str, str]
"""(platform, workspace) that imported a deck in chat; the folder's decks have none (global)."""

MEDIA_PREFIX = "media:"
"""`Card.image` of a picture stored with its deck (`media:<file name>`), not an https URL."""


class Format(StrEnum):
    """How a card is asked."""

    FLASHCARD = "flashcard"
    CHOICE = "choice"
    TYPED = "typed"


class Mode(StrEnum):
    """What a study session asks: spaced review, a quick multiple-choice quiz, or last misses."""

    REVIEW = "review"
    QUIZ = "quiz"
    MISSED = "missed"


class Source(StrEnum):
    """Where an answer was given; stored with every review-log row (`bot.core.evidence`)."""

    STUDY = "study"
    QUIZ = "quiz"
    DAILY = "daily"
    COMPETITION = "competition"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    ALL = "all"


class Rating(IntEnum):
    """FSRS ratings; the values match `fsrs.Rating`."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class CardPhase(IntEnum):
    """FSRS card state; the values match `fsrs.State` (0 means never reviewed)."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


# --- the question bank -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    deck_id: str
    id: str
    question: str
    answer: str
    accept: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    image: str | None = None
    line: int | None = None

    @property
    def key(self) -> CardKey:
        return (self.deck_id, self.id)

    @property
    def media_name(self) -> str | None:
        """The file name of a picture stored with the deck, when the image is one."""
        if self.image is not None and self.image.startswith(MEDIA_PREFIX):
            return self.image.removeprefix(MEDIA_PREFIX)
        return None

    @property
    def typeable(self) -> bool:
        """A card can be asked as typed recall only when it lists short answers to check."""
        return bool(self.accept)

    @property
    def fingerprint(self) -> str:
        """What the learner is shown and graded on (question, answer, choices), hashed: a
        session stores it with the asked card to notice a card a deck reload changed."""
        return _fingerprint(self.question, self.answer, self.choices)


@functools.lru_cache(maxsize=65_536)
def _fingerprint(question: str, answer: str, choices: tuple[str, ...]) -> str:
    """`Card.fingerprint`, remembered: it is taken on every question asked and every answer
    checked, and a frozen slotted card cannot keep it itself."""
    text = json.dumps([question, answer, list(choices)], ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class DeckWarning:
    """Something a deck author should look at; the message is one bounded line."""

    line: int
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", one_line(self.message))


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A picture that travels with a deck (an Anki package's image): sent as an attachment on
    Discord and an upload on Slack, never as a bare file name where a URL is expected."""

    name: str
    mime: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Deck:
    id: str
    name: str
    cards: tuple[Card, ...]
    description: str = ""
    tags: tuple[str, ...] = ()
    path: str = ""
    warnings: tuple[DeckWarning, ...] = ()
    owner: DeckOwner | None = None
    """Who imported it in chat; None for the folder's (global) decks."""
    media: tuple[MediaFile, ...] = ()
    """Pictures its cards name as `media:<name>`; held while importing, stored apart."""

    def card(self, card_id: str) -> Card | None:
        return next((c for c in self.cards if c.id == card_id), None)


class DeckError(Exception):
    """A deck that cannot be loaded: always names the file and the line, on one bounded line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        path, message = one_line(path, PATH_CHARS), one_line(message)
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[type[DeckError], tuple[str, int, str]]:
        return (DeckError, (self.path, self.line, self.message))


# --- learners and what they know ----------------------------------------------------------


PRIVATE = "dm"
"""The workspace of someone studying alone (a direct message, a user-installed app in a server
the bot is not in): their memory counts, no group's boards do."""


@dataclass(frozen=True, slots=True)
class Person:
    """Who remembers: one user id on one platform (Slack ids are already per workspace).

    Card states, the review history, the streak and reminders belong to the person, so the same
    Discord user studying in two servers has one schedule per card.
    """

    platform: str
    user: str


@dataclass(frozen=True, slots=True)
class Learner:
    """A person where points count: one workspace (Discord guild, Slack team, console), or
    `PRIVATE` when they study alone."""

    platform: str
    workspace: str
    user: str

    @property
    def person(self) -> Person:
        return Person(self.platform, self.user)

    @property
    def in_group(self) -> bool:
        """Whether answers score on a group's boards and card records."""
        return self.workspace != PRIVATE


@dataclass(frozen=True, slots=True)
class CardState:
    """One learner's memory of one card: the FSRS fields plus counters selection uses."""

    deck_id: str
    card_id: str
    phase: CardPhase = CardPhase.NEW
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    wrong_streak: int = 0

    @property
    def key(self) -> CardKey:
        return (self.deck_id, self.card_id)


@dataclass(frozen=True, slots=True)
class CardRecord:
    """The group's record on one card: how often it was answered, and how often right."""

    attempts: int = 0
    correct: int = 0

    @property
    def success_rate(self) -> float:
        """Laplace-smoothed so an unseen card sits in the middle, not at an extreme."""
        return (self.correct + 1) / (self.attempts + 2)


# --- sessions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AskedCard:
    """The card a session is waiting on: what was shown, so a late click is graded fairly."""

    deck_id: str
    card_id: str
    format: Format
    options: tuple[str, ...]
    correct_option: int | None
    asked_at: datetime
    fingerprint: str = ""
    """`Card.fingerprint` when asked; empty in sessions stored before it was kept."""

    @property
    def key(self) -> CardKey:
        return (self.deck_id, self.card_id)

    def same_as(self, card: Card) -> bool:
        """Whether `card` is the card that was asked (unknown for an old session: assume so)."""
        return not self.fingerprint or self.fingerprint == card.fingerprint


@dataclass(frozen=True, slots=True)
class StudySession:
    """A learner's session; persisted, so buttons keep working after a restart.

    `missed` is what a missed-mode session re-asks; `wrong` what this session got wrong;
    `asked` every card this session has put to the learner.
    """

    id: str
    learner: Learner
    mode: Mode
    deck_id: str | None
    started_at: datetime
    limit: int | None = None
    turn: int = 0
    answered: int = 0
    correct: int = 0
    points: int = 0
    current: AskedCard | None = None
    last_card: CardKey | None = None
    missed: tuple[CardKey, ...] = ()
    wrong: tuple[CardKey, ...] = ()
    asked: tuple[CardKey, ...] = ()
    ended_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None


# --- answers -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Response:
    """What the learner did: picked an option, typed text, or rated themselves."""

    choice: int | None = None
    text: str | None = None
    rating: Rating | None = None


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer as stored: the review log row. `answer_id` makes a redelivery count once.

    `rating` is the grade; `scheduled` is the rating FSRS reviewed the card with, or None when
    the answer was logged without moving the schedule (`bot.core.evidence`): the per-group FSRS
    fit reads only the rows that moved it.
    """

    answer_id: str
    learner: Learner
    deck_id: str
    card_id: str
    format: Format
    rating: Rating
    correct: bool
    points: int
    answered_at: datetime
    duration_ms: int | None = None
    session_id: str | None = None
    response: str = ""
    source: Source = Source.STUDY
    scheduled: Rating | None = None


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    """An answer given outside a study session (a daily quiz, a competition round) and the card
    state it leads to (None: it schedules nothing). The store that keeps the day's or the round's
    row commits this review in the same transaction."""

    answer: AnswerRecord
    state: CardState | None


# --- replies -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Question:
    session_id: str
    turn: int
    card: Card
    deck_name: str
    format: Format
    options: tuple[str, ...] = ()
    position: int = 1
    total: int | None = None
    is_new: bool = False


@dataclass(frozen=True, slots=True)
class Feedback:
    session_id: str
    turn: int
    card: Card
    correct: bool
    rating: Rating
    points: int
    next_due: datetime | None
    """None: the card is still new, the answer did not schedule it (a right pick)."""
    recorded: bool = True
    duplicate: bool = False
    given: str = ""
    similarity: float | None = None
    format: Format | None = None


@dataclass(frozen=True, slots=True)
class SessionSummary:
    session_id: str
    mode: Mode
    answered: int
    correct: int
    points: int
    missed: tuple[Card, ...] = ()
    reason: str = "stopped"
    deck_id: str | None = None

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0
