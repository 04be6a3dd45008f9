"""How a simulated learner ANSWERS, given their true recall probability and the question format.

* Recall happens with probability ``p`` (from `memory`), independently each time.
* Multiple choice: a learner who does not recall guesses among the k options, so
  ``P(right) = p + (1 - p) / k`` (k = 4 on almost every card). Typed answers need true recall
  (no partial credit, no typos that fail a recalled answer). Flashcards: the learner reports
  whether they recalled truthfully, and rates a recall Hard / Good / Easy from how sure they felt:
  ``p + N(0, 0.15)`` below 0.6 is Hard, above 0.95 Easy, else Good.
* Latency, because quizbot grades a right answer under 8 s as Easy: a recalled answer takes
  ``base * exp(1.5 * (1 - p)) * LogNormal(0, 0.4)`` seconds (weaker memories are slower to
  retrieve, as in ACT-R's latency-activation law), with base 4 s for choice, 6 s for typed
  (typing takes time) and 3 s for a flashcard; a guess takes a median 12 s of hesitation.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from bot.core.models import Format, Rating

RECALL_SECONDS = {Format.CHOICE: 4.0, Format.TYPED: 6.0, Format.FLASHCARD: 3.0}
LATENCY_SLOPE = 1.5
LATENCY_SD = 0.4
GUESS_SECONDS = 12.0
RATING_NOISE = 0.15
HARD_BELOW = 0.6
EASY_ABOVE = 0.95


@dataclass(frozen=True, slots=True)
class Outcome:
    """One answer: the hidden truth (recalled) and what a bot can observe (the rest)."""

    recalled: bool
    correct: bool
    seconds: float
    self_rating: Rating
    """The flashcard self-grade; Again unless recalled."""


def respond(p: float, fmt: Format, n_options: int, rng: random.Random) -> Outcome:
    """Simulate one answer to a card recalled with probability `p`, asked in `fmt`."""
    recalled = rng.random() < p
    if recalled:
        seconds = RECALL_SECONDS[fmt] * math.exp(LATENCY_SLOPE * (1.0 - p))
        seconds *= math.exp(rng.gauss(0.0, LATENCY_SD))
        felt = p + rng.gauss(0.0, RATING_NOISE)
        rating = (
            Rating.HARD if felt < HARD_BELOW else Rating.EASY if felt > EASY_ABOVE else Rating.GOOD
        )
        return Outcome(True, True, seconds, rating)
    seconds = GUESS_SECONDS * math.exp(rng.gauss(0.0, LATENCY_SD))
    guessed = fmt == Format.CHOICE and n_options > 0 and rng.random() < 1.0 / n_options
    return Outcome(False, guessed, seconds, Rating.AGAIN)
