"""What the core and the service need from the outside world, as Protocols.

`bot/storage/sqlite.py` implements `Repository`; tests use an in-memory fake of the same shape
(httpx's habit: an interface plus a fake transport), so no test mocks a library.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from bot.core.models import AnswerRecord, CardKey, CardRecord, CardState, Learner, StudySession
from bot.core.reports import DayCount, LeaderboardEntry


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class StorageError(Exception):
    """The store could not do what was asked (disk full, read-only, locked); nothing was half-done."""


class LeaseLost(Exception):
    """Another process holds what this one was running (a competition it took over after this
    one's lease lapsed); nothing was written."""


class StaleGame(Exception):
    """The stored competition has a join or an answer that another process recorded and the
    state being saved lacks; nothing was written: reload it (`get`) and decide again."""


class DuplicateCard(Exception):
    """A chat deck already has a card with that id (the same question); nothing was written."""


class Repository(Protocol):
    """A person's memory and history, the answer log, the groups' scores, and sessions.

    Every write that a user is told about is durable when the awaited call returns.
    """

    async def load_states(self, learner: Learner) -> dict[CardKey, CardState]:
        """Every card state the learner has, keyed by (deck id, card id)."""
        ...

    async def load_state(self, learner: Learner, key: CardKey) -> CardState | None: ...

    async def new_cards_since(self, learner: Learner, since: datetime) -> int:
        """How many cards the learner saw for the first time at or after `since`."""
        ...

    async def card_records(self, platform: str, workspace: str) -> dict[CardKey, CardRecord]:
        """The group's attempts and correct answers per card, for easiest-first ordering."""
        ...

    async def save_session(self, session: StudySession) -> None: ...

    async def advance_session(self, session: StudySession, from_turn: int) -> bool:
        """Save `session` only if the stored one is still at `from_turn` (compare-and-set):
        False when another process moved it on first, and nothing is written."""
        ...

    async def load_session(self, session_id: str) -> StudySession | None: ...

    async def last_session(self, learner: Learner) -> StudySession | None:
        """The learner's most recent session (ended or not) with at least one answer."""
        ...

    async def find_answer(self, answer_id: str) -> AnswerRecord | None: ...

    async def record_answer(
        self, answer: AnswerRecord, state: CardState | None, session: StudySession | None
    ) -> bool:
        """Write the review log row, the new card state (None: the answer left it alone), the
        scores, the group's card record and the session in one transaction. Returns False, changing nothing, when
        `answer.answer_id` was recorded before. Raises StorageError when it cannot commit."""
        ...

    async def leaderboard(
        self,
        platform: str,
        workspace: str,
        period_key: str,
        deck_id: str | None,
        limit: int,
        user: str,
    ) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]:
        """Top `limit` by points for one board, and the caller's own entry (None if absent)."""
        ...

    async def totals(self, learner: Learner) -> tuple[int, int]:
        """The person's (reviews, correct) over all time, in every workspace."""
        ...

    async def review_days(
        self, learner: Learner, since: datetime, zone: str | None = None
    ) -> list[DayCount]:
        """The person's reviews per day of `zone` (UTC when None) since `since`, oldest first,
        days without reviews left out."""
        ...

    async def review_day_keys(self, learner: Learner, zone: str | None = None) -> list[str]:
        """Every day (YYYY-MM-DD in `zone`) with a review of the person's, newest first."""
        ...

    async def board_zone(self, platform: str, workspace: str) -> str | None:
        """The zone a workspace's day and week boards count in: its daily quiz's, else None."""
        ...

    async def person_zone(self, learner: Learner) -> str | None:
        """The zone the person chose for their streak (with /remind), else None."""
        ...

    async def close(self) -> None: ...
