"""Run every policy over the same simulated population, day by day, within a daily time budget.

Learners are grouped into workspaces (Discord guilds) of `workspace_size`; each policy keeps
the group's `CardRecord`s per workspace, updated after every answer, as the service does.
A workspace is the unit of work, so the run is deterministic whatever the number of processes.

Each day a learner starts one session at 18:00 and answers until the policy has nothing left
or `session_seconds` of review time are spent (equal review time: a typed answer costs more
than a flashcard); each turn takes the answer time plus 5 s to read the feedback, so a card
failed in the session comes back after FSRS's 1-minute learning step.

Common random numbers: a learner's traits depend on the seed only, and the k-th answer of
learner l to card c draws from its own stream `(seed, l, c, k)`, whatever the policy, so two
policies that ask the same card the same way get the same answer.

Mixed usage (`quizbot_mixed`): the same study, plus every day the workspace's daily quiz at
09:00 (five questions, `choose_questions` on the group's record, the same for everyone) and a
10-question `/quiz` at 17:30, right before study, all multiple choice. These answers change
true memory (recognition practice) and go through the product's evidence rules.

Memory is measured 24 h after each day's session (just before the next one): the share of the
deck the learner would recall on an exam that day.
"""

from __future__ import annotations

import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from bench.learning.decks import StudyDeck
from bench.learning.group_fit import GroupRefit
from bench.learning.learner import Outcome, respond
from bench.learning.memory import Memory, MemoryParams, make_memory
from bench.learning.policies import POLICIES, REFIT, Ask, Quizbot, make_policy
from bot.core.daily import DailyQuestion, choose_questions
from bot.core.models import CardKey, CardRecord, Format
from bot.core.scheduler import Scheduler

EPOCH = datetime(2025, 1, 6, tzinfo=UTC)
SESSION_START = 0.75
"""18:00, as a fraction of a day."""
DAILY_AT = 0.375
QUIZ_AT = 17.5 / 24
DAILY_QUESTIONS = 5
QUIZ_QUESTIONS = 10
FEEDBACK_SECONDS = 5.0
KNOWN = 0.9
"""A card counts as known when the learner would recall it with at least this probability."""


@dataclass(frozen=True, slots=True)
class SimConfig:
    learners: int = 50
    days: int = 60
    session_seconds: float = 240.0
    seed: int = 6
    new_per_day: int = 20
    workspace_size: int = 50
    policies: tuple[str, ...] = POLICIES
    memory: MemoryParams = field(default_factory=MemoryParams)
    evidence: str = "product"
    """`bench.learning.policies.EVIDENCE`: the product's mapping, or an ablation."""
    group_fit: bool = True
    """quizbot (and fsrs_fit) refit the workspace's FSRS parameters weekly, as the product does."""


@dataclass(slots=True)
class PolicyRun:
    """Per learner and day: share of the deck recalled, share known (p >= 0.9), cumulative
    reviews and seconds; calibration samples (prediction, graded answer) for long-term reviews;
    per workspace and day, whether a fitted scheduler was in use."""

    recall: np.ndarray
    known: np.ndarray
    reviews: np.ndarray
    seconds: np.ndarray
    predicted: np.ndarray
    correct: np.ndarray
    fitted: np.ndarray
    """Per workspace and day, 1 where the workspace scheduled with an accepted fit."""


def _traits(deck: StudyDeck, config: SimConfig) -> tuple[np.ndarray, np.ndarray]:
    """Ability per learner and difficulty per card, fixed by the seed."""
    ability = np.random.default_rng([config.seed, 0]).normal(
        0.0, config.memory.ability_sd, config.learners
    )
    difficulty = np.random.default_rng([config.seed, 1]).normal(
        0.0, config.memory.difficulty_sd, len(deck.cards)
    )
    return ability, difficulty


def _clock(t: float) -> datetime:
    return EPOCH + timedelta(days=t)


class _Learner:
    """One learner's memory and answer streams (common random numbers across policies)."""

    def __init__(self, seed: int, learner: int, memory: Memory) -> None:
        self.seed, self.learner, self.memory = seed, learner, memory
        self.asked: dict[int, int] = {}

    def answer(self, deck: StudyDeck, card: int, fmt: Format, t: float) -> Outcome:
        k = self.asked.get(card, 0)
        self.asked[card] = k + 1
        rng = random.Random(hash((self.seed, self.learner, card, k)))
        outcome = respond(self.memory.recall(card, t), fmt, deck.options[card], rng)
        self.memory.update(card, t, outcome.recalled, fmt)
        return outcome


def _daily(
    pol: Quizbot, who: _Learner, deck: StudyDeck, questions: tuple[DailyQuestion, ...], t: float
) -> None:
    for question in questions:
        index = pol.index[question.key]
        outcome = who.answer(deck, index, Format.CHOICE, t)
        pol.daily(question, outcome, _clock(t))
        t += (outcome.seconds + FEEDBACK_SECONDS) / 86400.0


def _quiz(pol: Quizbot, who: _Learner, deck: StudyDeck, t: float) -> None:
    asked: tuple[CardKey, ...] = ()
    snapshot = dict(pol.states)
    for _ in range(QUIZ_QUESTIONS):
        now = _clock(t)
        ask = pol.quiz_next(now, asked, snapshot)
        if ask is None:
            return
        outcome = who.answer(deck, ask.card, ask.fmt, t)
        pol.record(ask, outcome, now, study=False)
        asked = (*asked, deck.cards[ask.card].key)
        t += (outcome.seconds + FEEDBACK_SECONDS) / 86400.0


def run_workspace(policy: str, deck: StudyDeck, config: SimConfig, learners: range) -> PolicyRun:
    """Simulate one workspace of learners under one policy for all days."""
    ability, difficulty = _traits(deck, config)
    scheduler = Scheduler()
    refit = None
    if policy in REFIT and config.group_fit:
        refit = GroupRefit(scheduler)
    records: dict[CardKey, CardRecord] = {}
    people, policies = [], []
    for learner in learners:
        memory = make_memory(float(ability[learner]), difficulty, config.memory)
        people.append(_Learner(config.seed, learner, memory))
        rng = random.Random(f"{config.seed}:{policy}:{learner}")
        policies.append(
            make_policy(
                policy,
                deck,
                rng,
                scheduler=scheduler,
                new_per_day=config.new_per_day,
                records=records,
                evidence=config.evidence,
                learner=learner,
                reviews=refit.reviews if refit else None,
            )
        )
    n, days = len(learners), config.days
    recall, known = np.zeros((n, days)), np.zeros((n, days))
    reviews, seconds = np.zeros((n, days)), np.zeros((n, days))
    fitted = np.zeros((1, days))
    predicted: list[float] = []
    correct: list[bool] = []
    spent, spent_s = [0] * n, [0.0] * n
    previous: tuple[CardKey, ...] = ()
    for day in range(days):
        if refit is not None:
            group_scheduler = refit.refresh(_clock(day))
            fitted[0, day] = group_scheduler.parameters is not None
            for pol in policies:
                pol.scheduler = group_scheduler  # type: ignore[attr-defined]
        questions: tuple[DailyQuestion, ...] = ()
        if policy == "quizbot_mixed":
            channel = f"ws{learners.start}"
            questions = choose_questions(
                deck.cards, records, DAILY_QUESTIONS, channel, _clock(day).date(), previous
            )
            previous = tuple(q.key for q in questions)
        for j in range(n):
            who, pol = people[j], policies[j]
            pol.start_day(day)
            if isinstance(pol, Quizbot) and policy == "quizbot_mixed":
                _daily(pol, who, deck, questions, day + DAILY_AT)
                _quiz(pol, who, deck, day + QUIZ_AT)
                pol.last_card = None
            t = day + SESSION_START
            used = 0.0
            while used < config.session_seconds:
                now = _clock(t)
                ask: Ask | None = pol.next(now)
                if ask is None:
                    break
                outcome = who.answer(deck, ask.card, ask.fmt, t)
                graded = pol.record(ask, outcome, now)
                if ask.predicted is not None:
                    predicted.append(ask.predicted)
                    correct.append(graded.correct)
                turn = outcome.seconds + FEEDBACK_SECONDS
                spent[j] += 1
                used += turn
                t += turn / 86400.0
            spent_s[j] += used
            probs = who.memory.recall_all(day + 1 + SESSION_START)
            recall[j, day] = probs.mean()
            known[j, day] = np.count_nonzero(probs >= KNOWN) / len(probs)
            reviews[j, day] = spent[j]
            seconds[j, day] = spent_s[j]
    return PolicyRun(
        recall, known, reviews, seconds, np.array(predicted), np.array(correct, dtype=bool), fitted
    )


def _concat(parts: list[PolicyRun]) -> PolicyRun:
    return PolicyRun(*(np.concatenate([getattr(p, f) for p in parts]) for f in PolicyRun.__slots__))


def _spaces(config: SimConfig) -> list[range]:
    size = config.workspace_size
    return [range(i, min(i + size, config.learners)) for i in range(0, config.learners, size)]


def simulate_many(
    deck: StudyDeck, configs: list[SimConfig], workers: int = 1
) -> list[dict[str, PolicyRun]]:
    """Every policy of every config over its learners; `workers` > 1 runs workspaces in parallel.

    Jobs go out longest first (mixed usage and quizbot cost most), so two cores stay busy."""
    cost = {"quizbot_mixed": 4, "quizbot": 3, "fsrs": 3, "fsrs_fit": 3, "leitner": 1, "fixed": 1}
    jobs = [
        (c, policy, space)
        for c, config in enumerate(configs)
        for policy in config.policies
        for space in _spaces(config)
    ]
    order = sorted(range(len(jobs)), key=lambda i: -cost.get(jobs[i][1], 2))
    results: list[PolicyRun | None] = [None] * len(jobs)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            futures = {
                i: pool.submit(run_workspace, jobs[i][1], deck, configs[jobs[i][0]], jobs[i][2])
                for i in order
            }
            for i, future in futures.items():
                results[i] = future.result()
    else:
        for i in order:
            c, policy, space = jobs[i]
            results[i] = run_workspace(policy, deck, configs[c], space)
    out: list[dict[str, PolicyRun]] = []
    for c, config in enumerate(configs):
        out.append(
            {
                policy: _concat(
                    [
                        r
                        for (cc, p, _), r in zip(jobs, results, strict=True)
                        if cc == c and p == policy
                    ]  # type: ignore[misc]
                )
                for policy in config.policies
            }
        )
    return out


def simulate(deck: StudyDeck, config: SimConfig, workers: int = 1) -> dict[str, PolicyRun]:
    """Every policy in `config` over the same learners."""
    return simulate_many(deck, [config], workers)[0]
