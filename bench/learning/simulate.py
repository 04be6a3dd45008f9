"""Run every policy over the same simulated population, day by day, within a daily budget.

Learners are grouped into workspaces (Discord guilds) of `workspace_size`; quizbot's group
`CardRecord`s are kept per workspace and updated after every answer, as the service does.
A workspace is the unit of work, so the run is deterministic whatever the number of processes.

Each day a learner starts one session at 18:00 and answers until the policy has nothing left
or the budget is spent; each turn takes the answer time plus 5 s to read the feedback, so a
card failed in the session comes back after FSRS's 1-minute learning step.
Memory is measured 24 h after each day's session (just before the next one): what the learner
would recall tomorrow, not what they saw a minute ago.
"""

from __future__ import annotations

import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from bench.learning.decks import StudyDeck
from bench.learning.learner import respond
from bench.learning.memory import LearnerMemory, MemoryParams
from bench.learning.policies import POLICIES, make_policy
from bot.core.models import CardKey, CardRecord
from bot.core.scheduler import Scheduler

EPOCH = datetime(2025, 1, 6, tzinfo=UTC)
SESSION_START = 0.75
"""18:00, as a fraction of a day."""
FEEDBACK_SECONDS = 5.0
KNOWN = 0.9
"""A card counts as known when the learner would recall it with at least this probability."""


@dataclass(frozen=True, slots=True)
class SimConfig:
    learners: int = 200
    days: int = 60
    budget: int = 20
    seed: int = 7
    new_per_day: int = 20
    workspace_size: int = 50
    policies: tuple[str, ...] = POLICIES
    memory: MemoryParams = field(default_factory=MemoryParams)


@dataclass(slots=True)
class PolicyRun:
    """Per learner and day: mean true recall, cards known, cumulative reviews; and calibration
    samples (policy's prediction, whether the bot saw a right answer) for long-term reviews."""

    recall: np.ndarray
    known: np.ndarray
    reviews: np.ndarray
    predicted: np.ndarray
    correct: np.ndarray


def _traits(deck: StudyDeck, config: SimConfig) -> np.ndarray:
    """Strength exp(ability - difficulty) for every learner and card, fixed by the seed."""
    ability = np.random.default_rng([config.seed, 0]).normal(
        0.0, config.memory.ability_sd, config.learners
    )
    difficulty = np.random.default_rng([config.seed, 1]).normal(
        0.0, config.memory.difficulty_sd, len(deck.cards)
    )
    return np.exp(ability[:, None] - difficulty[None, :])


def _clock(t: float) -> datetime:
    return EPOCH + timedelta(days=t)


def run_workspace(policy: str, deck: StudyDeck, config: SimConfig, learners: range) -> PolicyRun:
    """Simulate one workspace of learners under one policy for all days."""
    strength = _traits(deck, config)
    scheduler = Scheduler()
    records: dict[CardKey, CardRecord] = {}
    memories, policies, rngs = [], [], []
    for learner in learners:
        rng = random.Random(f"{config.seed}:{policy}:{learner}")
        rngs.append(rng)
        memories.append(LearnerMemory(strength[learner], config.memory))
        policies.append(
            make_policy(
                policy,
                deck,
                rng,
                scheduler=scheduler,
                new_per_day=config.new_per_day,
                records=records,
            )
        )
    n, days = len(learners), config.days
    recall, known = np.zeros((n, days)), np.zeros((n, days))
    reviews = np.zeros((n, days))
    predicted: list[float] = []
    correct: list[bool] = []
    spent = [0] * n
    for day in range(days):
        for j in range(n):
            memory, pol, rng = memories[j], policies[j], rngs[j]
            pol.start_day(day)
            t = day + SESSION_START
            for _ in range(config.budget):
                now = _clock(t)
                ask = pol.next(now)
                if ask is None:
                    break
                p = memory.recall(ask.card, t)
                outcome = respond(p, ask.fmt, deck.options[ask.card], rng)
                graded = pol.record(ask, outcome, now)
                memory.update(ask.card, t, outcome.recalled, ask.fmt)
                if ask.predicted is not None:
                    predicted.append(ask.predicted)
                    correct.append(graded.correct)
                spent[j] += 1
                t += (outcome.seconds + FEEDBACK_SECONDS) / 86400.0
            probs = memory.recall_all(day + 1 + SESSION_START)
            recall[j, day] = probs.mean()
            known[j, day] = np.count_nonzero(probs >= KNOWN)
            reviews[j, day] = spent[j]
    return PolicyRun(recall, known, reviews, np.array(predicted), np.array(correct, dtype=bool))


def _concat(parts: list[PolicyRun]) -> PolicyRun:
    return PolicyRun(*(np.concatenate([getattr(p, f) for p in parts]) for f in PolicyRun.__slots__))


def simulate(deck: StudyDeck, config: SimConfig, workers: int = 1) -> dict[str, PolicyRun]:
    """Every policy in `config` over the same learners; `workers` > 1 runs workspaces in parallel."""
    size = config.workspace_size
    spaces = [range(i, min(i + size, config.learners)) for i in range(0, config.learners, size)]
    jobs = [(policy, space) for policy in config.policies for space in spaces]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            futures = [pool.submit(run_workspace, p, deck, config, s) for p, s in jobs]
            results = [f.result() for f in futures]
    else:
        results = [run_workspace(p, deck, config, s) for p, s in jobs]
    return {
        policy: _concat([r for (p, _), r in zip(jobs, results, strict=True) if p == policy])
        for policy in config.policies
    }
