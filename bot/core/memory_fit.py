"""Judging FSRS parameters on a group's own review log: histories, metrics and a small simulation.

The optimizer itself (fsrs-rs) lives in `bot.app.fitting`; what is pure stays here:

* `timed_histories` turns review-log rows into each learner's per-card sequence of (rating, days
  since the previous review), the form FSRS trains on. Only rows that moved the schedule
  count (`bot.core.evidence`): a right multiple-choice pick is not a review.
* `log_loss` and `rmse_bins` are the two metrics of srs-benchmark: mean binary cross-entropy,
  and RMSE(bins), which groups reviews by days since the last review, review number and lapse
  count (each on srs-benchmark's log scale) and compares mean prediction with mean outcome per
  group, weighted by the group's size.
* `simulate_learning` schedules the same cards with two parameter sets under one memory model
  and one review budget; a fit that predicts better but schedules worse is refused.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fsrs
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

from bot.core.models import Rating


@dataclass(frozen=True, slots=True)
class Review:
    """One scheduled review: who (any hashable learner-and-card key), when, the rating."""

    key: Hashable
    at: datetime
    rating: Rating


Step = tuple[int, int, datetime]
"""(rating 1-4, whole UTC days since the card's previous review, 0 for its first; when)."""


def timed_histories(reviews: Iterable[Review]) -> dict[Hashable, list[Step]]:
    """Each key's reviews in time order as (rating, days since the previous one, when)."""
    by_key: dict[Hashable, list[Review]] = defaultdict(list)
    for review in reviews:
        by_key[review.key].append(review)
    out: dict[Hashable, list[Step]] = {}
    for key, rows in by_key.items():
        rows.sort(key=lambda r: r.at)
        steps: list[Step] = []
        last: datetime | None = None
        for row in rows:
            at = row.at.astimezone(UTC)
            days = 0 if last is None else (at.date() - last.date()).days
            steps.append((int(row.rating), days, at))
            last = at
        out[key] = steps
    return out


@dataclass(frozen=True, slots=True)
class Prediction:
    """A model's recall probability for one review with days since the last review > 0."""

    p: float
    recalled: bool
    elapsed_days: int
    review_number: int
    """1 for the card's first review, as srs-benchmark's `i`."""
    lapses: int
    """Again ratings on earlier reviews that came a day or more after the one before."""


def within_bounds(parameters: Sequence[float]) -> tuple[float, ...]:
    """The parameters clipped to the ranges `fsrs.Scheduler` accepts. fsrs-rs computes in
    float32, so a weight it holds at a bound can come back a hair outside it (0.8 as
    0.800000011920929), which `fsrs` refuses."""
    return tuple(
        min(max(float(w), low), high)
        for w, low, high in zip(
            parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
        )
    )


def forgetting_curve(elapsed_days: float, stability: float, decay: float) -> float:
    """FSRS-6's retrievability after `elapsed_days` at `stability` (decay is parameter 20)."""
    factor = 0.9 ** (-1 / decay) - 1
    return (1 + factor * elapsed_days / max(stability, 1e-6)) ** (-decay)


def log_loss(predictions: Sequence[Prediction]) -> float:
    """Mean binary cross-entropy, predictions clipped to [1e-6, 1 - 1e-6]."""
    if not predictions:
        raise ValueError("no predictions")
    total = 0.0
    for pr in predictions:
        p = min(max(pr.p, 1e-6), 1 - 1e-6)
        total -= math.log(p) if pr.recalled else math.log(1 - p)
    return total / len(predictions)


def _bin(x: float, scale: float, base: float, digits: int) -> float:
    if x <= 0:
        return 0.0
    return round(scale * base ** math.floor(math.log(x) / math.log(base)), digits)


def rmse_bins(predictions: Sequence[Prediction]) -> float:
    """srs-benchmark's RMSE(bins): bins of (days since last review, review number, lapses)."""
    if not predictions:
        raise ValueError("no predictions")
    bins: dict[tuple[float, float, float], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for pr in predictions:
        key = (
            _bin(pr.elapsed_days, 2.48, 3.62, 2),
            _bin(pr.review_number, 1.99, 1.89, 0),
            _bin(pr.lapses, 1.65, 1.73, 0),
        )
        cell = bins[key]
        cell[0] += pr.p
        cell[1] += float(pr.recalled)
        cell[2] += 1
    total = sum(c[2] for c in bins.values())
    squared = sum(c[2] * (c[0] / c[2] - c[1] / c[2]) ** 2 for c in bins.values())
    return math.sqrt(squared / total)


FIRST_RECALL = 0.7
"""Chance a first exposure is rated Good (a flashcard seen, then self-checked)."""


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    cards: int = 300
    learners: int = 6
    days: int = 30
    reviews_per_day: int = 30
    new_per_day: int = 10
    desired_retention: float = 0.9


def simulate_learning(
    truth: Sequence[float],
    scheduling: Sequence[float],
    config: SimulationConfig | None = None,
    seed: int = 0,
) -> float:
    """Mean recall probability over the deck at the last day (unseen cards 0).

    Memory follows FSRS-6 with `truth` (the group's memory as best known); the schedule uses
    `scheduling`; answers are pass/fail (Good or Again) drawn from the true recall (`FIRST_RECALL` on
    a card's first showing), at most
    `reviews_per_day` a day, due cards first, then new ones. Same seed, same draws.
    """
    config = config or SimulationConfig()
    true_model = fsrs.Scheduler(parameters=tuple(truth), learning_steps=(),
                                relearning_steps=(), enable_fuzzing=False)  # fmt: skip
    plan = fsrs.Scheduler(parameters=tuple(scheduling), learning_steps=(),
                          relearning_steps=(), enable_fuzzing=False,
                          desired_retention=config.desired_retention)  # fmt: skip
    start = datetime(2025, 1, 1, 12, tzinfo=UTC)
    end = start + timedelta(days=config.days)
    total = 0.0
    for learner in range(config.learners):
        rng = random.Random(seed * 1000 + learner)
        memory: dict[int, fsrs.Card] = {}
        planned: dict[int, fsrs.Card] = {}
        for day in range(config.days):
            now = start + timedelta(days=day)
            due = sorted((c.due, i) for i, c in planned.items() if c.due <= now)
            asked = [i for _, i in due][: config.reviews_per_day]
            room = min(config.new_per_day, config.reviews_per_day - len(asked))
            fresh = [i for i in range(config.cards) if i not in planned][: max(room, 0)]
            for i in asked + fresh:
                mem = memory.get(i)
                p = true_model.get_card_retrievability(mem, now) if mem else FIRST_RECALL
                rating = fsrs.Rating.Good if rng.random() < p else fsrs.Rating.Again
                memory[i] = true_model.review_card(mem or fsrs.Card(card_id=i), rating, now)[0]
                planned[i] = plan.review_card(planned.get(i) or fsrs.Card(card_id=i),
                                              rating, now)[0]  # fmt: skip
        total += sum(true_model.get_card_retrievability(c, end) for c in memory.values())
    return total / (config.learners * config.cards)


@dataclass(frozen=True, slots=True)
class GroupFit:
    """One fit of a workspace's parameters and why it was accepted or not.

    Metrics are on the held-out (latest) reviews: the fitted parameters against FSRS-6's
    defaults; `learning` is `simulate_learning` with each as the schedule.
    """

    platform: str
    workspace: str
    parameters: tuple[float, ...]
    accepted: bool
    reviews: int
    log_loss: float
    default_log_loss: float
    rmse_bins: float
    default_rmse_bins: float
    learning: float
    default_learning: float
    fitted_at: datetime
    note: str = ""
