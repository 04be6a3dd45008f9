"""A learner's statistics, computed from what the repository returns: pure, so it is testable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from bot.core.library import Library
from bot.core.models import CardKey, CardState, Learner
from bot.core.reports import DayCount, DeckProgress, Stats

MATURE_DAYS = 21.0
"""A card counts as mature once its stability reaches three weeks, as in Anki."""


def streak(day_keys: Sequence[str], today: date) -> int:
    """Consecutive days with a review, ending today or yesterday (today may still come)."""
    days = {date.fromisoformat(k) for k in day_keys}
    cursor = today if today in days else today - timedelta(days=1)
    count = 0
    while cursor in days:
        count += 1
        cursor -= timedelta(days=1)
    return count


DeckCounts = tuple[int, int, int, int, int]
"""Per deck: cards seen, mature, due now, due by the end of today, due within a week."""


def deck_counts(
    library: Library, states: Mapping[CardKey, CardState], now: datetime
) -> dict[str, DeckCounts]:
    """Count the learner's states per deck, over the cards that are still in the library."""
    end_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    week = now + timedelta(days=7)
    counts: dict[str, DeckCounts] = {}
    for deck in library.decks:
        seen = mature = due = today = soon = 0
        for card in deck.cards:
            state = states.get(card.key)
            if state is None or state.due is None:
                continue
            seen += 1
            mature += (state.stability or 0.0) >= MATURE_DAYS
            due += state.due <= now
            today += state.due < end_of_day
            soon += state.due < week
        counts[deck.id] = (seen, mature, due, today, soon)
    return counts


def build_stats(
    learner: Learner,
    library: Library,
    states: Mapping[CardKey, CardState],
    reviews: int,
    correct: int,
    days: Sequence[DayCount],
    day_keys: Sequence[str],
    now: datetime,
    today: date | None = None,
) -> Stats:
    """Stats from every card state the learner has (repositories without SQL aggregation)."""
    counts = deck_counts(library, states, now)
    return build_stats_from_counts(
        learner, library, counts, reviews, correct, days, day_keys, now, today
    )


def build_stats_from_counts(
    learner: Learner,
    library: Library,
    counts: Mapping[str, DeckCounts],
    reviews: int,
    correct: int,
    days: Sequence[DayCount],
    day_keys: Sequence[str],
    now: datetime,
    today: date | None = None,
) -> Stats:
    """`build_stats` from per-deck counts the repository aggregated (seen, mature, due now,
    due today, due this week), for learners with thousands of card states.

    `today` is the person's calendar day (their zone), which `day_keys` are counted in.
    The counts cover every state of a loaded deck; states of cards since removed from it are
    clipped to the deck's size rather than matched card by card.
    """
    due_now = due_today = due_week = 0
    progress: list[DeckProgress] = []
    for deck in library.decks:
        seen, mature, due, tonight, week = counts.get(deck.id, (0, 0, 0, 0, 0))
        size = len(deck.cards)
        due_now += due
        due_today += tonight
        due_week += week
        progress.append(
            DeckProgress(
                deck.id, deck.name, size, min(seen, size), min(mature, size), min(due, size)
            )
        )
    return Stats(
        learner=learner,
        reviews=reviews,
        correct=correct,
        streak_days=streak(day_keys, today or now.date()),
        due_now=due_now,
        due_today=due_today,
        due_week=due_week,
        decks=tuple(progress),
        days=tuple(days),
    )
