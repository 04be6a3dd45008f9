"""What an answer tells the scheduler: recall is evidence, recognition is weak evidence.

Every answer is logged with its format and source; only some of them move the FSRS schedule.

* Flashcards keep the learner's own rating; typed answers are binary (right Good, wrong Again),
  the FSRS authors' guidance for pass/fail feedback. Answer speed is never used: in a chat the
  time to answer measures the chat as much as the memory.
* Multiple choice is recognition, and one pick in four is right by chance. A wrong pick is
  strong evidence (a learner who recalls the answer does not miss it), so it is Again on a card
  already being learned. A right pick is weak evidence: it never rates above Good, never
  graduates a card still in learning or relearning, and a card never seen stays new (the pick is
  logged, nothing is scheduled, and it does not use the learner's new-card ration).
  A right pick on a card in review is Good: the FSRS authors' binary mapping, which measured
  best with quiz and daily answers mixed into study on all three memory models of
  `bench/learning` (docs/learning.md, "Which rating a pick gets"); leaving such a card alone
  measured worse. `python -m bench.learning --evidence product|pick_ignored|as_recall` runs them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import CardPhase, CardState, Format, Rating, Source
from bot.core.scheduler import Scheduler

__all__ = ["Evidence", "Source", "schedule_rating", "weigh"]


def _seen(state: CardState | None) -> bool:
    return (
        state is not None
        and state.last_review is not None
        and state.phase != CardPhase.NEW
        and state.stability is not None
    )


def schedule_rating(
    fmt: Format, rating: Rating, correct: bool, state: CardState | None
) -> Rating | None:
    """The rating to review the card with, or None to log the answer and leave FSRS alone.

    `rating` and `correct` are the grade (`bot.core.grading.grade`); `state` is the card's state
    before the answer.
    """
    if fmt != Format.CHOICE:
        return rating
    if not _seen(state):
        return None
    if not correct:
        return Rating.AGAIN
    assert state is not None  # _seen
    return Rating.GOOD if state.phase == CardPhase.REVIEW else None


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one answer did to the schedule.

    `scheduled` is the rating FSRS reviewed the card with, and `state` the card's new state;
    both None when the answer is only logged: the card's state is left as it was (a card never
    seen gets no state row, so the answer does not use the learner's new-card ration).
    """

    scheduled: Rating | None
    state: CardState | None


def weigh(
    scheduler: Scheduler,
    state: CardState | None,
    deck_id: str,
    card_id: str,
    fmt: Format,
    rating: Rating,
    correct: bool,
    now: datetime,
    rng: random.Random | None = None,
) -> Evidence:
    """The answer through `schedule_rating`, then `Scheduler.review` when it is evidence.

    Every source (study, quiz, daily, competition) goes through here, so one rule decides.
    """
    scheduled = schedule_rating(fmt, rating, correct, state)
    if scheduled is None:
        return Evidence(None, None)
    return Evidence(scheduled, scheduler.review(state, deck_id, card_id, scheduled, now, rng=rng))
