"""The simulated learner's TRUE memory: three models, none of them FSRS, so the bench is not circular.

Every model draws learner ability ``a_l ~ N(0, 0.3)`` and card difficulty ``d_c ~ N(0, 0.5)``
(log scale; cards vary more than people in published fits) and answers the same three calls:
recall probability now, recall of every card, and the update after a review. A card never seen
has ``p = 0``. All three have the testing effect in some form (format changes learning, not
only the odds of a right answer); the weights differ between models on purpose, so a result
that rests on one assumed weight shows up as a difference between models.

``exp`` (the original model): exponential forgetting ``p = exp(-(t - t_last) / S)``.
  Strength ``m = exp(a_l - d_c)`` scales the first stability ``S0 = 1 day`` and the growth.
  First exposure or failed recall: ``S = max(S0 * m, 0.3 * S)`` (a lapse keeps 30 %: savings).
  Successful recall: ``S *= 1 + w_format * 6 * m * sqrt(1 - p)``: the spacing effect (harder
  recall, bigger gain; a massed re-ask at ``p ~ 1`` teaches nothing), with an optimum of the
  expected log-gain near ``p ~ 0.85-0.9``. ``w_typed = 1.0``, ``w_flashcard = 0.9`` (covert
  retrieval, Smith, Roediger & Karpicke 2013), ``w_choice = 0.6`` (recognition strengthens less,
  Kang, McDermott & Roediger 2007).

``actr``: ACT-R declarative memory with Pavlik & Anderson's (2005) spacing-dependent decay.
  Each review leaves a trace; activation ``A(t) = ln sum_j b_j * age_j^-d_j`` (ages in hours,
  at least a minute), recall ``p = 1 / (1 + exp(-(A - tau) / s))`` with ``tau = TAU + d_c - a_l``.
  A trace's decay ``d_j = c * exp(A(t_j)) + alpha`` grows with the activation at the time of
  the review: a massed re-ask decays fast, a spaced one slowly. Power-law forgetting: long tails,
  slow growth. Trace weight: 1 for a study (first exposure, or the answer shown after a miss),
  ``1 + w`` for a successful retrieval (``w`` as in ``exp`` but choice 0.8). ``alpha = 0.2``,
  ``c = 0.35``, ``TAU = -0.55``, ``s = 0.35`` were set, before any policy ran, so that a median
  card studied once is recalled 44 % of the time a day later and 20 % a week later, and three
  massed recalls right after learning it leave 63 % a day later (spacing matters).

``hlr``: half-life regression (Settles & Meeder 2016), Duolingo's model, with per-card
  difficulty: ``p = 2^(-delta / h)``, ``h = 2^(theta0 + theta_r * (sqrt(1 + R) - 1) +
  theta_w * (sqrt(1 + W) - 1)) * exp(a_l - d_c)`` days, where R counts right and W wrong
  practice sessions. HLR was fitted on per-session records, so a card's counts move once a day
  (its first review that day); later reviews the same day only restart the clock. A right answer
  adds ``w`` to R (choice 0.5). No spacing effect: HLR counts practice, whenever it happens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from bot.core.models import Format

MODELS = ("exp", "actr", "hlr")


def _weights(typed: float, flashcard: float, choice: float) -> dict[Format, float]:
    return {Format.TYPED: typed, Format.FLASHCARD: flashcard, Format.CHOICE: choice}


@dataclass(frozen=True, slots=True)
class MemoryParams:
    model: str = "exp"
    ability_sd: float = 0.3
    difficulty_sd: float = 0.5
    # exp
    initial_stability: float = 1.0
    growth: float = 6.0
    lapse_keep: float = 0.3
    learning_weight: dict[Format, float] = field(default_factory=lambda: _weights(1.0, 0.9, 0.6))
    # actr
    actr_alpha: float = 0.2
    actr_c: float = 0.35
    actr_tau: float = -0.55
    actr_s: float = 0.35
    actr_weight: dict[Format, float] = field(default_factory=lambda: _weights(1.0, 0.9, 0.8))
    # hlr
    hlr_theta0: float = -0.5
    hlr_right: float = 2.5
    hlr_wrong: float = -0.5
    hlr_weight: dict[Format, float] = field(default_factory=lambda: _weights(1.0, 0.9, 0.5))


class Memory(Protocol):
    def recall(self, card: int, t: float) -> float: ...

    def recall_all(self, t: float) -> np.ndarray: ...

    def update(self, card: int, t: float, recalled: bool, fmt: Format) -> None: ...


class ExpMemory:
    """Exponential forgetting with a spacing-dependent gain (see the module docstring)."""

    def __init__(self, ability: float, difficulty: np.ndarray, params: MemoryParams) -> None:
        self.params = params
        self.strength = np.exp(ability - difficulty)
        self.stability = np.zeros(len(difficulty))
        self.last = np.full(len(difficulty), np.nan)

    def recall(self, card: int, t: float) -> float:
        s = self.stability[card]
        if s <= 0.0:
            return 0.0
        return math.exp(-(t - self.last[card]) / s)

    def recall_all(self, t: float) -> np.ndarray:
        seen = self.stability > 0
        out = np.zeros(len(self.stability))
        out[seen] = np.exp(-(t - self.last[seen]) / self.stability[seen])
        return out

    def update(self, card: int, t: float, recalled: bool, fmt: Format) -> None:
        p = self.params
        m = self.strength[card]
        if recalled:
            gain = p.learning_weight[fmt] * p.growth * m * math.sqrt(1.0 - self.recall(card, t))
            self.stability[card] *= 1.0 + gain
        else:
            self.stability[card] = max(p.initial_stability * m, p.lapse_keep * self.stability[card])
        self.last[card] = t


_MIN_AGE_HOURS = 1 / 60


class ActrMemory:
    """ACT-R traces with spacing-dependent power-law decay (see the module docstring)."""

    def __init__(self, ability: float, difficulty: np.ndarray, params: MemoryParams) -> None:
        self.params = params
        self.tau = params.actr_tau + difficulty - ability
        self.traces: list[list[tuple[float, float, float]]] = [[] for _ in difficulty]

    def _activation(self, card: int, t: float) -> float:
        total = 0.0
        for at, decay, weight in self.traces[card]:
            age = max((t - at) * 24.0, _MIN_AGE_HOURS)
            total += weight * age**-decay
        return math.log(total) if total > 0 else -math.inf

    def recall(self, card: int, t: float) -> float:
        if not self.traces[card]:
            return 0.0
        z = (self._activation(card, t) - self.tau[card]) / self.params.actr_s
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def recall_all(self, t: float) -> np.ndarray:
        return np.array([self.recall(card, t) for card in range(len(self.traces))])

    def update(self, card: int, t: float, recalled: bool, fmt: Format) -> None:
        p = self.params
        activation = self._activation(card, t) if self.traces[card] else -math.inf
        decay = p.actr_c * math.exp(min(activation, 5.0)) + p.actr_alpha
        weight = 1.0 + p.actr_weight[fmt] if recalled else 1.0
        self.traces[card].append((t, decay, weight))


class HlrMemory:
    """Half-life regression with per-card difficulty (see the module docstring)."""

    def __init__(self, ability: float, difficulty: np.ndarray, params: MemoryParams) -> None:
        self.params = params
        self.scale = np.exp(ability - difficulty)
        n = len(difficulty)
        self.right = np.zeros(n)
        self.wrong = np.zeros(n)
        self.half_life = np.zeros(n)
        self.last = np.full(n, np.nan)
        self.counted_day = np.full(n, -1)

    def _half_life(self, card: int) -> float:
        p = self.params
        x = p.hlr_theta0 + p.hlr_right * (math.sqrt(1.0 + self.right[card]) - 1.0)
        x += p.hlr_wrong * (math.sqrt(1.0 + self.wrong[card]) - 1.0)
        return 2.0**x * float(self.scale[card])

    def recall(self, card: int, t: float) -> float:
        h = self.half_life[card]
        if h <= 0.0:
            return 0.0
        return 2.0 ** (-(t - self.last[card]) / h)

    def recall_all(self, t: float) -> np.ndarray:
        seen = self.half_life > 0
        out = np.zeros(len(self.half_life))
        out[seen] = np.exp2(-(t - self.last[seen]) / self.half_life[seen])
        return out

    def update(self, card: int, t: float, recalled: bool, fmt: Format) -> None:
        day = math.floor(t)
        seen = self.half_life[card] > 0
        if seen and self.counted_day[card] != day:
            if recalled:
                self.right[card] += self.params.hlr_weight[fmt]
            else:
                self.wrong[card] += 1.0
        self.counted_day[card] = day
        self.half_life[card] = self._half_life(card)
        self.last[card] = t


_KINDS: dict[str, type] = {"exp": ExpMemory, "actr": ActrMemory, "hlr": HlrMemory}


def make_memory(ability: float, difficulty: np.ndarray, params: MemoryParams) -> Memory:
    """One learner's memory of a deck under `params.model`."""
    return _KINDS[params.model](ability, difficulty, params)
