"""The simulated learner's TRUE memory: exponential forgetting, not FSRS, so the bench is not circular.

Model (per learner l and card c; time t in days):

* Recall probability ``p = exp(-(t - t_last) / S)``; a card never seen has ``p = 0``.
  Exponential forgetting (Ebbinghaus; Wozniak's two-component model) differs on purpose from
  FSRS-6's power-law curve, so FSRS and quizbot have to *estimate* memory, not read it off.
* Strength ``m = exp(a_l - d_c)``: learner ability ``a_l ~ N(0, 0.3)`` and card difficulty
  ``d_c ~ N(0, 0.5)`` on a log scale. Cards vary more than people in published fits (a hard card
  is hard for everyone), hence the larger spread for difficulty. ``m`` scales both the first
  stability and the growth from a review.
* First exposure or failed recall (the learner sees the answer as feedback):
  ``S = max(S0 * m, LAPSE_KEEP * S)``, ``S0 = 1 day`` (a fact studied once is recalled about
  a third of the time a day later, e^-1 = 0.37) and ``LAPSE_KEEP = 0.3`` (a lapse costs most,
  not all, of what was built: relearning is faster than learning, savings since Ebbinghaus).
* Successful recall: ``S *= 1 + w_format * GROWTH * m * sqrt(1 - p)``, ``GROWTH = 6``.
  The spacing effect: the gain grows as recall gets harder (lower ``p`` at review), and a
  massed re-ask at ``p ~ 1`` teaches almost nothing. The square root gives diminishing returns,
  so with lapses costing 70 % the expected log-gain per review peaks near ``p ~ 0.85-0.9`` (for
  a median learner and card: 0.80 at p = 0.8, 0.84 at 0.9, 0.75 at 0.95, 0.23 at 0.5): desirable difficulty with an optimum close
  to, but not exactly at, the 0.9 any FSRS user targets. A typical typed recall at ``p = 0.9``
  roughly triples stability (FSRS's fitted growth at that retention is of the same order).
* Format changes LEARNING, not only the odds of a right answer (the testing effect):
  ``w_typed = 1.0`` (production, the full retrieval), ``w_flashcard = 0.9`` (covert retrieval
  before flipping gives most of the benefit of overt recall, Smith, Roediger & Karpicke 2013,
  but some learners flip before really trying), ``w_choice = 0.6`` (recognition strengthens
  less than recall, Kang, McDermott & Roediger 2007; 0.6 is a middle-of-the-road reading of
  that literature, chosen before any policy was run and not tuned afterwards).
  A right multiple-choice answer that was a GUESS teaches like a failure: there was no recall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bot.core.models import Format


def _weights() -> dict[Format, float]:
    return {Format.TYPED: 1.0, Format.FLASHCARD: 0.9, Format.CHOICE: 0.6}


@dataclass(frozen=True, slots=True)
class MemoryParams:
    initial_stability: float = 1.0
    """S0 in days for a median learner on a median card."""
    growth: float = 6.0
    lapse_keep: float = 0.3
    ability_sd: float = 0.3
    difficulty_sd: float = 0.5
    learning_weight: dict[Format, float] = field(default_factory=_weights)


class LearnerMemory:
    """One learner's true memory of every card of a deck; scalar updates, vectorised reads."""

    def __init__(self, strength: np.ndarray, params: MemoryParams) -> None:
        self.params = params
        self.strength = strength.astype(float)
        self.stability = np.zeros(len(strength))
        self.last = np.full(len(strength), np.nan)

    def recall(self, card: int, t: float) -> float:
        """The chance this learner recalls `card` at time `t` (days)."""
        s = self.stability[card]
        if s <= 0.0:
            return 0.0
        return math.exp(-(t - self.last[card]) / s)

    def recall_all(self, t: float) -> np.ndarray:
        """Recall probability of every card at `t`; 0 for cards never seen."""
        seen = self.stability > 0
        out = np.zeros(len(self.stability))
        out[seen] = np.exp(-(t - self.last[seen]) / self.stability[seen])
        return out

    def update(self, card: int, t: float, recalled: bool, fmt: Format) -> None:
        """Apply one review at `t`: growth on recall (spacing effect), reset on failure."""
        p = self.params
        m = self.strength[card]
        if recalled:
            gain = p.learning_weight[fmt] * p.growth * m * math.sqrt(1.0 - self.recall(card, t))
            self.stability[card] *= 1.0 + gain
        else:
            self.stability[card] = max(p.initial_stability * m, p.lapse_keep * self.stability[card])
        self.last[card] = t
