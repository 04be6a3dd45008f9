"""The learning bench: deterministic, and the policies rank as the design expects."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.learning.__main__ import main
from bench.learning.decks import study_deck
from bench.learning.memory import LearnerMemory, MemoryParams
from bench.learning.metrics import known_per_review
from bench.learning.simulate import SimConfig, simulate
from bot.core.models import Format

SMALL = SimConfig(learners=24, days=30, seed=7)


@pytest.fixture(scope="module")
def small_runs():
    return simulate(study_deck("bundled"), SMALL)


def test_same_seed_same_results() -> None:
    """Two runs with the same seed give identical numbers."""
    again = simulate(study_deck("bundled"), SimConfig(learners=6, days=10, seed=7))
    once = simulate(study_deck("bundled"), SimConfig(learners=6, days=10, seed=7))
    for name in once:
        assert np.array_equal(once[name].known, again[name].known)
        assert np.array_equal(once[name].recall, again[name].recall)
        assert np.array_equal(once[name].predicted, again[name].predicted)


def test_day30_ordering_quizbot_fsrs_leitner_fixed(small_runs) -> None:
    """Known per review at day 30: quizbot > FSRS only > Leitner > fixed quiz."""
    kpr = {name: known_per_review(run, 30) for name, run in small_runs.items()}
    assert kpr["quizbot"] > kpr["fsrs"] > kpr["leitner"] > kpr["fixed"]


def test_spacing_effect_and_format_weights() -> None:
    """Recall at lower retrievability grows memory more, and typed recall more than choice."""
    memory = LearnerMemory(np.ones(3), MemoryParams())
    for card in range(3):
        memory.update(card, 0.0, False, Format.TYPED)
    memory.update(0, 0.01, True, Format.TYPED)
    memory.update(1, 2.0, True, Format.TYPED)
    memory.update(2, 2.0, True, Format.CHOICE)
    assert memory.stability[1] > memory.stability[2] > memory.stability[0] > 1.0


def test_cli_json_has_the_documented_shape(capsys) -> None:
    """`--json` prints one object with per-day figures for all four policies."""
    main(["--json", "--learners", "4", "--days", "8", "--larger", "0", "--workers", "1"])
    out = json.loads(capsys.readouterr().out)
    assert {"learners", "days", "budget", "known_per_review", "mean_recall"} <= out.keys()
    assert set(out["known_per_review"]["day7"]) == {"fixed", "leitner", "fsrs", "quizbot"}
    assert set(out["calibration"]) == {"fsrs", "quizbot"}
