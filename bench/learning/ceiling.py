"""`python -m bench.learning.ceiling`: how far can choosing cards go? A greedy look at the truth.

Not a policy any bot could run: it READS the simulated learner's true memory. Each turn it asks,
as a self-checked flashcard, the card whose answer now would add the most to the learner's
expected recall at the next session, per expected second of the turn (the learner model's own
answer times plus the feedback time), the day's new cards capped as for every policy. Same
learners, answer streams (common random numbers), minutes and new-card cap as `simulate`. It
is myopic (one day ahead), so it is a reference point, not a proof of the best possible; it
shows how much of the gap to a target is the knowledge a schedule lacks (what the learner
really remembers), and where no choice of cards would close it.
"""

from __future__ import annotations

import argparse
import math
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from bench.learning.__main__ import _seeds
from bench.learning.decks import StudyDeck, study_deck
from bench.learning.learner import GUESS_SECONDS, LATENCY_SD, LATENCY_SLOPE, RECALL_SECONDS
from bench.learning.memory import (
    MODELS,
    ActrMemory,
    ExpMemory,
    HlrMemory,
    Memory,
    MemoryParams,
    make_memory,
)
from bench.learning.metrics import TARGET_DAY, interval
from bench.learning.simulate import (
    FEEDBACK_SECONDS,
    SESSION_START,
    SimConfig,
    _Learner,
    _traits,
    run_workspace,
)
from bot.core.models import Format

_MEAN_NOISE = math.exp(LATENCY_SD**2 / 2)


def _snapshot(memory: Memory, card: int) -> object:
    if isinstance(memory, ExpMemory):
        return memory.stability[card], memory.last[card]
    if isinstance(memory, HlrMemory):
        m = memory
        return m.right[card], m.wrong[card], m.half_life[card], m.last[card], m.counted_day[card]
    assert isinstance(memory, ActrMemory)
    return len(memory.traces[card])


def _restore(memory: Memory, card: int, saved: object) -> None:
    if isinstance(memory, ExpMemory):
        memory.stability[card], memory.last[card] = saved  # type: ignore[misc]
    elif isinstance(memory, HlrMemory):
        m = memory
        m.right[card], m.wrong[card], m.half_life[card], m.last[card], m.counted_day[card] = saved  # type: ignore[misc]
    else:
        assert isinstance(memory, ActrMemory) and isinstance(saved, int)
        del memory.traces[card][saved:]


def _value(memory: Memory, card: int, t: float, horizon: float) -> float:
    """Expected gain in recall at `horizon` from asking `card` now, per expected second."""
    p = memory.recall(card, t)
    after = 0.0
    for recalled, chance in ((True, p), (False, 1.0 - p)):
        if chance > 0.0:
            saved = _snapshot(memory, card)
            memory.update(card, t, recalled, Format.FLASHCARD)
            after += chance * memory.recall(card, horizon)
            _restore(memory, card, saved)
    right = RECALL_SECONDS[Format.FLASHCARD] * math.exp(LATENCY_SLOPE * (1.0 - p)) * _MEAN_NOISE
    seconds = p * right + (1.0 - p) * GUESS_SECONDS * _MEAN_NOISE + FEEDBACK_SECONDS
    return (after - memory.recall(card, horizon)) / seconds


def greedy_truth(deck: StudyDeck, config: SimConfig, learners: range) -> np.ndarray:
    """Share of the deck recalled per learner and day under the greedy truth-reading choice."""
    ability, difficulty = _traits(deck, config)
    n = len(deck.cards)
    recall = np.zeros((len(learners), config.days))
    for j, learner in enumerate(learners):
        memory = make_memory(float(ability[learner]), difficulty, config.memory)
        who = _Learner(config.seed, learner, memory)
        for day in range(config.days):
            t, used, new_today = day + SESSION_START, 0.0, 0
            horizon = day + 1 + SESSION_START
            while used < config.session_seconds:
                room = new_today < config.new_per_day
                best = max(
                    (c for c in range(n) if room or c in who.asked),
                    key=lambda c: _value(memory, c, t, horizon),
                    default=None,
                )
                if best is None:
                    break
                new_today += best not in who.asked
                outcome = who.answer(deck, best, Format.FLASHCARD, t)
                turn = outcome.seconds + FEEDBACK_SECONDS
                used += turn
                t += turn / 86400.0
            recall[j, day] = memory.recall_all(day + 1 + SESSION_START).mean()
    return recall


def _one(deck: StudyDeck, config: SimConfig) -> tuple[str, int, float, float]:
    learners = range(config.learners)
    day = min(TARGET_DAY, config.days) - 1
    ceiling = float(greedy_truth(deck, config, learners)[:, day].mean())
    leitner = float(run_workspace("leitner", deck, config, learners).recall[:, day].mean())
    return config.memory.model, config.seed, ceiling, leitner


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.learning.ceiling", description=__doc__)
    ap.add_argument("--seeds", default="6-10")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--learners", type=int, default=16)
    ap.add_argument("--days", type=int, default=TARGET_DAY)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args(argv)
    deck = study_deck("bundled")
    configs = [
        SimConfig(
            learners=args.learners,
            days=args.days,
            seed=seed,
            policies=("leitner",),
            memory=MemoryParams(model=model),
        )
        for model in args.models.split(",")
        for seed in _seeds(args.seeds)
    ]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(_one, [deck] * len(configs), configs))
    print(f"share recallable at day {min(TARGET_DAY, args.days)}, seeds {args.seeds}")
    for model in args.models.split(","):
        mine = [(c, lt) for m, _, c, lt in rows if m == model]
        ceiling = interval([c for c, _ in mine])
        ratio = interval([c / lt for c, lt in mine])
        print(f"{model:<5} greedy truth-reader {ceiling['mean']:.3f} {ceiling['ci95']}, "
              f"/ Leitner {ratio['mean']:.3f} {ratio['ci95']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
