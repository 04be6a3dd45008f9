"""In-memory fakes of the ports: a Repository and a Clock with the real semantics, no I/O.

`MemoryRepository` behaves like `bot.storage.sqlite.SqliteRepository` (tests/test_fakes.py runs
the same script against both): duplicate answer ids count once, scores land on every period key
and on the all-decks and the deck board, ranks break ties by correct answers then user id.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.memory_fit import GroupFit, Review
from bot.core.models import (
    AnswerRecord,
    CardKey,
    CardPhase,
    CardRecord,
    CardState,
    Format,
    Learner,
    Person,
    Rating,
    StudySession,
)
from bot.core.periods import period_keys, zone_of
from bot.core.ports import StorageError
from bot.core.reports import DayCount, LeaderboardEntry

log = logging.getLogger(__name__)

Board = tuple[str, str, str, str]
"""(platform, workspace, period key, deck id or '' for all decks)."""


class FixedClock:
    """A clock that only moves when told: deterministic due dates and periods in tests."""

    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: Any) -> datetime:
        """Move forward by `timedelta(**kwargs)`; returns the new now."""
        self._now += timedelta(**kwargs)
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now


@dataclass(slots=True)
class _Score:
    points: int = 0
    answers: int = 0
    correct: int = 0


class MemoryRepository:
    """The Repository protocol over dicts. `fail_writes = True` makes writes raise StorageError."""

    def __init__(self) -> None:
        self.states: dict[Person, dict[CardKey, CardState]] = defaultdict(dict)
        self.first_seen: dict[tuple[Person, CardKey], datetime] = {}
        self.answers: dict[str, AnswerRecord] = {}
        self.scores: dict[Board, dict[str, _Score]] = defaultdict(dict)
        self.records: dict[tuple[str, str], dict[CardKey, CardRecord]] = defaultdict(dict)
        self.sessions: dict[str, StudySession] = {}
        self.board_zones: dict[tuple[str, str], str] = {}
        """(platform, workspace) -> the zone of its daily quiz (what SQLite reads from it)."""
        self.person_zones: dict[Person, str] = {}
        self.fail_writes = False
        self.closed = False

    # --- writes ----------------------------------------------------------------------------

    async def record_answer(
        self, answer: AnswerRecord, state: CardState | None, session: StudySession | None
    ) -> bool:
        self._writable()
        key = (answer.deck_id, answer.card_id)
        if state is not None and state.key != key:
            raise ValueError(f"state {state.key} is not the answered card {answer.card_id!r}")
        if answer.answer_id in self.answers:
            return False
        learner = answer.learner
        self.answers[answer.answer_id] = answer
        if state is not None:  # None: an answer that schedules nothing (bot.core.evidence)
            self.states[learner.person][key] = state
            self.first_seen.setdefault((learner.person, key), answer.answered_at)
        if session is not None:
            self.sessions[session.id] = session
        if not learner.in_group:
            return True
        zone = self.board_zones.get((learner.platform, learner.workspace))
        for period in period_keys(answer.answered_at, zone):
            for scope in dict.fromkeys(("", answer.deck_id)):
                board = (learner.platform, learner.workspace, period, scope)
                score = self.scores[board].setdefault(learner.user, _Score())
                score.points += answer.points
                score.answers += 1
                score.correct += int(answer.correct)
        records = self.records[(learner.platform, learner.workspace)]
        old = records.get(key, CardRecord())
        records[key] = CardRecord(old.attempts + 1, old.correct + int(answer.correct))
        return True

    async def save_session(self, session: StudySession) -> None:
        self._writable()
        self.sessions[session.id] = session

    async def advance_session(self, session: StudySession, from_turn: int) -> bool:
        self._writable()
        stored = self.sessions.get(session.id)
        if stored is None or stored.turn != from_turn:
            return False
        self.sessions[session.id] = session
        return True

    # --- reads -----------------------------------------------------------------------------

    async def load_states(self, learner: Learner) -> dict[CardKey, CardState]:
        return dict(self.states.get(learner.person, {}))

    async def load_state(self, learner: Learner, key: CardKey) -> CardState | None:
        return self.states.get(learner.person, {}).get(key)

    async def new_cards_since(self, learner: Learner, since: datetime) -> int:
        person = learner.person
        return sum(1 for (who, _), at in self.first_seen.items() if who == person and at >= since)

    async def card_records(self, platform: str, workspace: str) -> dict[CardKey, CardRecord]:
        return dict(self.records.get((platform, workspace), {}))

    async def load_session(self, session_id: str) -> StudySession | None:
        return self.sessions.get(session_id)

    async def last_session(self, learner: Learner) -> StudySession | None:
        person = learner.person
        started = [
            s for s in self.sessions.values() if s.learner.person == person and s.answered > 0
        ]
        return started[-1] if started else None

    async def find_answer(self, answer_id: str) -> AnswerRecord | None:
        return self.answers.get(answer_id)

    async def leaderboard(
        self,
        platform: str,
        workspace: str,
        period_key: str,
        deck_id: str | None,
        limit: int,
        user: str,
    ) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]:
        board = self.scores.get((platform, workspace, period_key, deck_id or ""), {})
        ordered = sorted(board.items(), key=lambda kv: (-kv[1].points, -kv[1].correct, kv[0]))
        entries = [
            LeaderboardEntry(rank, u, s.points, s.answers, s.correct)
            for rank, (u, s) in enumerate(ordered, start=1)
        ]
        mine = next((e for e in entries if e.user == user), None)
        return entries[: max(limit, 0)], mine

    async def totals(self, learner: Learner) -> tuple[int, int]:
        mine = [a for a in self.answers.values() if a.learner.person == learner.person]
        return len(mine), sum(int(a.correct) for a in mine)

    async def review_days(
        self, learner: Learner, since: datetime, zone: str | None = None
    ) -> list[DayCount]:
        days: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for a in self.answers.values():
            if a.learner.person == learner.person and a.answered_at >= since:
                day = days[a.answered_at.astimezone(zone_of(zone)).date().isoformat()]
                day[0] += 1
                day[1] += int(a.correct)
        return [DayCount(d, n, k) for d, (n, k) in sorted(days.items())]

    async def review_day_keys(self, learner: Learner, zone: str | None = None) -> list[str]:
        days = {
            a.answered_at.astimezone(zone_of(zone)).date().isoformat()
            for a in self.answers.values()
            if a.learner.person == learner.person
        }
        return sorted(days, reverse=True)

    async def board_zone(self, platform: str, workspace: str) -> str | None:
        return self.board_zones.get((platform, workspace))

    async def person_zone(self, learner: Learner) -> str | None:
        return self.person_zones.get(learner.person)

    async def close(self) -> None:
        self.closed = True

    # --- helpers ---------------------------------------------------------------------------

    def _writable(self) -> None:
        if self.closed:
            raise StorageError("the repository is closed")
        if self.fail_writes:
            raise StorageError("could not commit: injected failure (nothing of it was saved)")


def answer(
    learner: Learner,
    answer_id: str,
    at: datetime,
    *,
    deck_id: str = "virt",
    card_id: str = "c1",
    points: int = 10,
    correct: bool = True,
    session_id: str | None = None,
) -> tuple[AnswerRecord, CardState]:
    """An answer and the card state it leads to, the pair `record_answer` takes."""
    record = AnswerRecord(
        answer_id=answer_id,
        learner=learner,
        deck_id=deck_id,
        card_id=card_id,
        format=Format.CHOICE,
        rating=Rating.GOOD if correct else Rating.AGAIN,
        correct=correct,
        points=points,
        answered_at=at,
        duration_ms=1200,
        session_id=session_id,
        response="B",
    )
    state = CardState(
        deck_id=deck_id,
        card_id=card_id,
        phase=CardPhase.LEARNING,
        step=1,
        stability=2.5,
        difficulty=5.0,
        due=at + timedelta(minutes=10),
        last_review=at,
        reps=1,
        lapses=0,
        wrong_streak=0 if correct else 1,
    )
    return record, state


class MemoryFitStore:
    """`bot.app.fitting.FitStorage` over lists: reviews given, fits and claims kept."""

    def __init__(self, reviews: dict[tuple[str, str], list[Review]]) -> None:
        self.by_group = reviews
        self.fits: dict[tuple[str, str], GroupFit] = {}
        self.claims: set[tuple[str, str, str]] = set()

    async def groups(self, min_reviews: int) -> list[tuple[str, str, int]]:
        return [(p, w, len(r)) for (p, w), r in self.by_group.items() if len(r) >= min_reviews]

    async def reviews(self, platform: str, workspace: str) -> list[Review]:
        return list(self.by_group.get((platform, workspace), []))

    async def claim(self, platform: str, workspace: str, week: str, now: datetime) -> bool:
        if (platform, workspace, week) in self.claims:
            return False
        self.claims.add((platform, workspace, week))
        return True

    async def save(self, fit: GroupFit) -> None:
        self.fits[(fit.platform, fit.workspace)] = fit

    async def parameters(self, platform: str, workspace: str) -> tuple[float, ...] | None:
        fit = self.fits.get((platform, workspace))
        return fit.parameters if fit is not None and fit.accepted else None
