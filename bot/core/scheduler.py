"""FSRS-6 scheduling over the `fsrs` package: a card state, a rating and `now` give a new state.

The wrapper keeps the rest of the core free of `fsrs` types: it converts `CardState` to
`fsrs.Card` and back, adds the counters selection needs (reps, lapses, wrong streak) and never
changes its input. The default learning steps (1 and 10 minutes) stay, so a card missed or
just learned comes back within the same session.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import fsrs
from fsrs.scheduler import FUZZ_RANGES

from bot.core.models import CardPhase, CardState, Rating


def fsrs_card_id(deck_id: str, card_id: str) -> int:
    """A stable int for `fsrs.Card(card_id=...)`; without one `fsrs.Card()` sleeps 1 ms."""
    return zlib.crc32(f"{deck_id}/{card_id}".encode())


def _utc(now: datetime) -> datetime:
    """`fsrs` insists on `tzinfo is timezone.utc`; accept any aware datetime, refuse naive ones."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(UTC)


def _is_new(state: CardState | None) -> bool:
    return state is None or state.phase == CardPhase.NEW or state.stability is None


class Scheduler:
    """FSRS-6 with the project's counters on top; one instance can be shared (it holds no state)."""

    def __init__(
        self,
        desired_retention: float = 0.9,
        enable_fuzzing: bool = True,
        maximum_interval: int = 36500,
        parameters: Sequence[float] | None = None,
    ) -> None:
        """`parameters`: FSRS-6's 21 weights (a group's fit, `bot.app.fitting`); None for
        the defaults."""
        self.parameters = tuple(parameters) if parameters is not None else None
        extra = {} if self.parameters is None else {"parameters": self.parameters}
        self.desired_retention = desired_retention
        self.enable_fuzzing = enable_fuzzing
        self.maximum_interval = maximum_interval
        self._fsrs = fsrs.Scheduler(
            desired_retention=desired_retention,
            enable_fuzzing=enable_fuzzing,
            maximum_interval=maximum_interval,
            **extra,
        )
        # fsrs's forgetting curve, kept here so selection can rank 10,000 cards without
        # building an `fsrs.Card` for each.
        self._decay = -self._fsrs.parameters[20]
        self._factor = 0.9 ** (1 / self._decay) - 1
        # Used when the caller passes its own rng: review unfuzzed, then fuzz with that rng.
        self._plain = fsrs.Scheduler(
            desired_retention=desired_retention,
            enable_fuzzing=False,
            maximum_interval=maximum_interval,
            **extra,
        )

    def review(
        self,
        state: CardState | None,
        deck_id: str,
        card_id: str,
        rating: Rating,
        now: datetime,
        *,
        rng: random.Random | None = None,
    ) -> CardState:
        """The state after the learner rated the card at `now`; `state` None means a new card.

        With fuzzing on, pass `rng` to make the fuzz reproducible; without it `fsrs` uses the
        global `random` module.
        """
        now = _utc(now)
        base = state or CardState(deck_id=deck_id, card_id=card_id)
        card = self._to_fsrs(base, now)
        scheduler = self._plain if rng is not None else self._fsrs
        reviewed, _log = scheduler.review_card(card, fsrs.Rating(int(rating)), now)
        due = reviewed.due
        if rng is not None and self.enable_fuzzing and reviewed.state == fsrs.State.Review:
            due = now + self._fuzz(due - now, rng)
        lapsed = base.phase == CardPhase.REVIEW and rating == Rating.AGAIN
        return replace(
            base,
            deck_id=deck_id,
            card_id=card_id,
            phase=CardPhase(int(reviewed.state)),
            step=reviewed.step,
            stability=reviewed.stability,
            difficulty=reviewed.difficulty,
            due=due,
            last_review=now,
            reps=base.reps + 1,
            lapses=base.lapses + 1 if lapsed else base.lapses,
            wrong_streak=base.wrong_streak + 1 if rating == Rating.AGAIN else 0,
        )

    def retrievability(self, state: CardState, now: datetime) -> float:
        """The predicted chance the learner recalls the card at `now`; 0.0 if never reviewed."""
        if _is_new(state) or state.last_review is None:
            return 0.0
        elapsed_days = max(0, (now - state.last_review).days)
        stability = float(state.stability or 0.0)
        if stability <= 0:
            return 0.0
        value = (1 + self._factor * elapsed_days / stability) ** self._decay
        return min(1.0, max(0.0, value))

    def _to_fsrs(self, state: CardState, now: datetime) -> fsrs.Card:
        card_id = fsrs_card_id(state.deck_id, state.card_id)
        if _is_new(state):
            return fsrs.Card(card_id=card_id, state=fsrs.State.Learning, step=0, due=now)
        return fsrs.Card(
            card_id=card_id,
            state=fsrs.State(int(state.phase)),
            step=state.step,
            stability=state.stability,
            difficulty=state.difficulty,
            due=_utc(state.due) if state.due else now,
            last_review=_utc(state.last_review) if state.last_review else None,
        )

    def _fuzz(self, interval: timedelta, rng: random.Random) -> timedelta:
        """`fsrs`'s interval fuzz (same ranges), drawn from the caller's rng."""
        days = interval.days
        if days < 2.5:
            return interval
        delta = 1.0
        for r in FUZZ_RANGES:
            delta += r["factor"] * max(min(float(days), r["end"]) - r["start"], 0.0)
        low = max(2, round(days - delta))
        high = min(round(days + delta), self.maximum_interval)
        low = min(low, high)
        fuzzed = round(rng.random() * (high - low + 1) + low)
        return timedelta(days=min(fuzzed, self.maximum_interval))

    def with_parameters(self, parameters: Sequence[float] | None) -> Scheduler:
        """The same settings with other FSRS weights (None: the defaults)."""
        return Scheduler(
            desired_retention=self.desired_retention,
            enable_fuzzing=self.enable_fuzzing,
            maximum_interval=self.maximum_interval,
            parameters=parameters,
        )
