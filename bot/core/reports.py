"""What the bot reports back: a workspace's leaderboard, one learner's stats, what a deck load
did. Kept apart from `models` (cards, decks, sessions, answers) because only the board, stats
and deck-listing paths read them; every field is a plain value the adapters render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.models import DeckError, Learner, Period


@dataclass(frozen=True, slots=True)
class LeaderboardEntry:
    rank: int
    user: str
    points: int
    answers: int
    correct: int


@dataclass(frozen=True, slots=True)
class Leaderboard:
    workspace: str
    period: Period
    deck_id: str | None
    entries: tuple[LeaderboardEntry, ...]
    caller: LeaderboardEntry | None = None


@dataclass(frozen=True, slots=True)
class DeckProgress:
    deck_id: str
    deck_name: str
    total: int
    seen: int
    mature: int
    due: int


@dataclass(frozen=True, slots=True)
class DayCount:
    day: str
    reviews: int
    correct: int


@dataclass(frozen=True, slots=True)
class Stats:
    learner: Learner
    reviews: int
    correct: int
    streak_days: int
    due_now: int
    due_today: int
    due_week: int
    decks: tuple[DeckProgress, ...] = ()
    days: tuple[DayCount, ...] = field(default_factory=tuple)
    rank: LeaderboardEntry | None = None
    """The learner's all-time place on the board of the workspace they asked in."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.reviews if self.reviews else 0.0


@dataclass(frozen=True, slots=True)
class DeckSummary:
    id: str
    name: str
    description: str
    cards: int
    warnings: int = 0


@dataclass(frozen=True, slots=True)
class DeckInfo:
    """What `/deck list` shows beside a chat deck's summary (read from its store)."""

    deck_id: str
    source: str
    imported_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LoadReport:
    """The outcome of (re)loading the questions directory: what loaded and what did not."""

    decks: tuple[DeckSummary, ...]
    errors: tuple[DeckError, ...] = ()
