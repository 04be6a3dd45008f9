"""The study policies, each a small per-learner object: what to ask next, and what it learned.

* fixed: a trivia bot. Every day a fresh shuffle of the deck, asked as multiple choice; no
  memory of who knows what.
* leitner: five boxes with 1/2/4/8/16-day intervals; a right answer moves a card up a box, a
  wrong one back to box 1. Each day the due cards (lowest box first), then new cards. Asked as
  flashcards with self-check, as paper Leitner boxes are. No same-day re-asks.
* fsrs: FSRS-6 through quizbot's own `Scheduler` (FSRS-6's default parameters, same learning
  steps), due cards earliest due first, always flashcards rated Again/Hard/Good/Easy.
  fsrs_fit: the same, with the weekly per-workspace refit quizbot gets (for comparison).
* quizbot: the real `bot.core` path the service takes: `choose_card(mode=Mode.REVIEW)` over the
  learner's states and the group's `CardRecord`s, `choose_format`, `grade` on a response built
  from the simulated answer, `schedule_rating` (evidence by format) and `Scheduler.review` with
  the service's rng. Nothing re-implemented. `quiz` and `daily` answer a `/quiz` question or a
  daily-quiz question the way the service and the daily quiz do. Its workspace refits its
  FSRS parameters weekly from its own review log, as a deployed bot does
  (`bench.learning.group_fit`).

Leitner and FSRS introduce new cards in quizbot's order (`new_card_rank`: easiest first by the
workspace's record, which every policy keeps from its own answers), so what differs between
them is the schedule and the formats, not the order. New cards are capped at `new_per_day` for
every policy that has a notion of new (all but fixed). A policy that predicts recall (fsrs,
quizbot) reports its retrievability for reviews of cards last seen on an earlier day.
"""

from __future__ import annotations

import random

from bench.learning.baselines import Ask, FixedQuiz, FsrsOnly, Graded, Leitner, Policy
from bench.learning.decks import StudyDeck
from bench.learning.quizbot import EVIDENCE, Quizbot
from bot.core.memory_fit import Review
from bot.core.models import CardKey, CardRecord
from bot.core.scheduler import Scheduler

__all__ = ["EVIDENCE", "POLICIES", "REFIT", "Ask", "Graded", "Policy", "Quizbot", "make_policy"]

POLICIES = ("fixed", "leitner", "fsrs", "fsrs_fit", "quizbot", "quizbot_mixed")
REFIT = ("fsrs_fit", "quizbot", "quizbot_mixed")
"""Policies whose workspace refits its FSRS parameters weekly (`bench.learning.group_fit`)."""


def make_policy(
    name: str,
    deck: StudyDeck,
    rng: random.Random,
    *,
    scheduler: Scheduler,
    new_per_day: int,
    records: dict[CardKey, CardRecord],
    evidence: str = "product",
    learner: int = 0,
    reviews: list[Review] | None = None,
) -> Policy:
    """`learner` and `reviews` (the workspace's review log) matter to quizbot only."""
    kinds: dict[str, type] = {
        "fixed": FixedQuiz,
        "leitner": Leitner,
        "fsrs": FsrsOnly,
        "fsrs_fit": FsrsOnly,
        "quizbot": Quizbot,
        "quizbot_mixed": Quizbot,
    }
    return kinds[name](
        deck, rng, scheduler=scheduler, new_per_day=new_per_day, records=records,
        evidence=evidence, learner=learner, reviews=reviews,
    )  # fmt: skip
