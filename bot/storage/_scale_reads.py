"""The SQLite repository's scale reads: what the next question and the stats need from a
learner's card states (the few due, counts per deck), never every state; kept apart from the
repository's writes and point reads, on the repository's read connection (`_fetch`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.core.models import CardKey, CardPhase, CardState, Learner
from bot.storage._stats import PERSON, who
from bot.storage.codec import dt_to_text, opt_text_to_dt

STATE_COLUMNS = (
    "deck_id, card_id, phase, step, stability, difficulty, due, last_review, reps, lapses,"
    " wrong_streak"
)


class ScaleReads:
    """Mixed into `SqliteRepository`, which provides `_fetch` (rows of one read)."""

    _fetch: Callable[[str, tuple[Any, ...]], Awaitable[list[Any]]]
    """Rows of one read on the repository's read connection."""

    async def due_candidates(
        self, learner: Learner, deck_id: str | None, now: datetime, limit: int
    ) -> list[CardState]:
        """Up to `limit` reviewed cards due at `now`, weakest memory first.

        FSRS retrievability falls as whole elapsed days / stability grows, so ordering by that
        ratio in SQL (top-k from the covering index card_states_review) gives the same order as
        `Scheduler.retrievability`; the caller re-ranks these few exactly.
        """
        scope = " AND deck_id = ?" if deck_id is not None else ""
        at = dt_to_text(now)
        rows = await self._fetch(
            f"SELECT {STATE_COLUMNS} FROM card_states WHERE person_id = {PERSON}"
            " AND (deck_id, card_id) IN ("
            f" SELECT deck_id, card_id FROM card_states WHERE person_id = {PERSON}"
            f" AND due <= ? AND last_review IS NOT NULL{scope}"
            " ORDER BY CASE WHEN phase = 0 OR NOT stability > 0 THEN 1e300"
            " ELSE max(0, CAST(julianday(?) - julianday(last_review) AS INTEGER)) / stability"
            " END DESC, due LIMIT ?)",
            (*who(learner), *who(learner), at, *((deck_id,) if scope else ()), at, limit),
        )
        return [state_from_row(row) for row in rows]

    async def reviewed_count(self, learner: Learner, deck_id: str | None) -> int:
        """How many cards (of one deck, or all) the learner has reviewed at least once."""
        scope = " AND deck_id = ?" if deck_id is not None else ""
        rows = await self._fetch(
            f"SELECT count(*) FROM card_states WHERE person_id = {PERSON}"
            f" AND last_review IS NOT NULL{scope}",
            (*who(learner), *((deck_id,) if scope else ())),
        )
        return rows[0][0]

    async def reviewed_among(self, learner: Learner, keys: list[CardKey]) -> set[CardKey]:
        """Which of `keys` the learner has reviewed (one query per deck among them)."""
        found: set[CardKey] = set()
        by_deck: dict[str, list[str]] = {}
        for deck, card in keys:
            by_deck.setdefault(deck, []).append(card)
        for deck, cards in by_deck.items():
            for start in range(0, len(cards), 30_000):
                chunk = cards[start : start + 30_000]
                rows = await self._fetch(
                    f"SELECT card_id FROM card_states WHERE person_id = {PERSON}"
                    f" AND deck_id = ? AND last_review IS NOT NULL"
                    f" AND card_id IN ({','.join('?' * len(chunk))})",
                    (*who(learner), deck, *chunk),
                )
                found.update((deck, row[0]) for row in rows)
        return found

    async def deck_counts(
        self, learner: Learner, now: datetime, end_of_day: datetime, week: datetime, mature: float
    ) -> dict[str, tuple[int, int, int, int, int]]:
        """Per deck: (seen, mature, due now, due today, due this week), from the covering index."""
        rows = await self._fetch(
            "SELECT deck_id, count(*), sum(stability >= ?), sum(due <= ?), sum(due < ?),"
            f" sum(due < ?) FROM card_states WHERE person_id = {PERSON}"
            " AND due IS NOT NULL GROUP BY deck_id",
            (mature, dt_to_text(now), dt_to_text(end_of_day), dt_to_text(week), *who(learner)),
        )
        return {deck: tuple(int(v or 0) for v in rest) for deck, *rest in rows}  # type: ignore[misc]


def state_from_row(row: Any) -> CardState:
    deck, card, phase, step, stability, difficulty, due, last, reps, lapses, streak = row
    return CardState(
        deck_id=deck,
        card_id=card,
        phase=CardPhase(phase),
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=opt_text_to_dt(due),
        last_review=opt_text_to_dt(last),
        reps=reps,
        lapses=lapses,
        wrong_streak=streak,
    )
