"""The learning bench: deterministic, common random numbers, memory models that behave, and a
`--quick --json` run with the documented shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bench.learning.__main__ import main
from bench.learning.ceiling import greedy_truth
from bench.learning.decks import study_deck
from bench.learning.group_fit import GroupRefit
from bench.learning.memory import MODELS, MemoryParams, make_memory
from bench.learning.simulate import SimConfig, _Learner, run_workspace
from bot.core.models import Format
from bot.core.scheduler import Scheduler
from tests.app.test_fitting import TRUTH, synthetic

DECK = study_deck("bundled")


@pytest.fixture(scope="module")
def quick() -> dict:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--quick", "--json", "--workers", "1"])
    return json.loads(out.getvalue())


def test_quick_json_has_every_model_policy_and_target(quick) -> None:
    """`--json` reports each memory model's share recallable, days to 90 % and target checks."""
    assert set(quick["models"]) == set(MODELS)
    for summary in quick["models"].values():
        policies = summary["policies"]
        assert set(policies) == {
            "fixed", "leitner", "fsrs", "fsrs_fit", "quizbot", "quizbot_mixed"
        }  # fmt: skip
        assert 0.0 <= policies["quizbot"]["share_day30"]["mean"] <= 1.0
        assert "days_to_90" in policies["fsrs"]
        assert {"at_least_leitner", "at_least_fsrs", "mixed_no_worse", "met"} <= set(
            summary["target"]
        )
        assert set(summary["paired_day30"]) >= {"quizbot_vs_leitner", "quizbot_vs_fsrs"}


def test_scheduled_study_beats_a_trivia_bot(quick) -> None:
    """Under the exponential model, spaced study leaves far more of the deck recallable."""
    exp = quick["models"]["exp"]["policies"]
    assert exp["leitner"]["share_day30"]["mean"] > exp["fixed"]["share_day30"]["mean"] + 0.1


def test_same_seed_same_results() -> None:
    """Two runs with the same seed give identical numbers."""
    config = SimConfig(learners=2, days=5, seed=3)
    once = run_workspace("quizbot_mixed", DECK, config, range(2))
    again = run_workspace("quizbot_mixed", DECK, config, range(2))
    assert np.array_equal(once.recall, again.recall)
    assert np.array_equal(once.predicted, again.predicted)


def test_common_random_numbers_across_policies() -> None:
    """The k-th answer of a learner to a card is the same draw whatever the policy asks first."""
    params = MemoryParams()
    a = _Learner(7, 0, make_memory(0.0, np.zeros(len(DECK.cards)), params))
    b = _Learner(7, 0, make_memory(0.0, np.zeros(len(DECK.cards)), params))
    a.answer(DECK, 3, Format.FLASHCARD, 0.0)
    b.answer(DECK, 5, Format.FLASHCARD, 0.0)
    b.answer(DECK, 3, Format.FLASHCARD, 0.0)
    first_a = a.answer(DECK, 3, Format.TYPED, 1.0)
    first_b = b.answer(DECK, 3, Format.TYPED, 1.0)
    assert first_a == first_b


@pytest.mark.parametrize("model", MODELS)
def test_memory_models_forget_and_learn(model: str) -> None:
    """Every model: recall falls with time, a recall makes memory last longer than a miss."""
    memory = make_memory(0.0, np.zeros(2), MemoryParams(model=model))
    for card in (0, 1):
        memory.update(card, 0.0, False, Format.FLASHCARD)
    assert memory.recall(0, 0.1) > memory.recall(0, 1.0) > memory.recall(0, 7.0)
    memory.update(0, 2.0, True, Format.TYPED)
    memory.update(1, 2.0, False, Format.TYPED)
    assert memory.recall(0, 6.0) > memory.recall(1, 6.0)
    assert np.allclose(memory.recall_all(6.0), [memory.recall(0, 6.0), memory.recall(1, 6.0)])


@pytest.mark.parametrize("model", ["exp", "actr"])
def test_spacing_beats_massing(model: str) -> None:
    """A recall after a day builds a longer-lasting memory than one a minute after learning."""
    spaced = make_memory(0.0, np.zeros(1), MemoryParams(model=model))
    massed = make_memory(0.0, np.zeros(1), MemoryParams(model=model))
    for memory, when in ((spaced, 1.0), (massed, 1 / 1440)):
        memory.update(0, 0.0, False, Format.FLASHCARD)
        memory.update(0, when, True, Format.TYPED)
    assert spaced.recall(0, 8.0) > massed.recall(0, 8.0)


@pytest.mark.parametrize("model", MODELS)
def test_recall_teaches_more_than_recognition(model: str) -> None:
    """Typed recall strengthens memory more than a right multiple-choice pick."""
    memory = make_memory(0.0, np.zeros(2), MemoryParams(model=model))
    for card in (0, 1):
        memory.update(card, 0.0, False, Format.FLASHCARD)
    memory.update(0, 2.0, True, Format.TYPED)
    memory.update(1, 2.0, True, Format.CHOICE)
    assert memory.recall(0, 9.0) > memory.recall(1, 9.0)


@pytest.mark.parametrize("model", MODELS)
def test_quizbot_study_beats_plain_fsrs_and_leitner(model: str) -> None:
    """On a tuning seed, quizbot's study order and formats leave more of the deck recallable at
    day 30 than plain FSRS and Leitner given the same minutes and new-card order."""
    config = SimConfig(
        learners=6, days=30, seed=2, policies=("leitner", "fsrs", "quizbot"),
        memory=MemoryParams(model=model),
    )  # fmt: skip
    runs = {p: run_workspace(p, DECK, config, range(6)) for p in config.policies}
    day30 = {p: float(run.recall[:, 29].mean()) for p, run in runs.items()}
    assert day30["quizbot"] > day30["fsrs"]
    assert day30["quizbot"] > day30["leitner"]


def test_the_workspace_refits_weekly_through_the_product_rule() -> None:
    """The bench's workspace is fitted as a deployed bot's is: not before it has the product's
    minimum of reviews, at most once per ISO week, and its scheduler then carries the accepted
    parameters (the product's acceptance rule decides)."""
    log = synthetic(TRUTH, learners=20)
    monday = datetime(2025, 6, 2, tzinfo=UTC)
    refit = GroupRefit(Scheduler(), min_reviews=len(log))
    refit.reviews.extend(log[:-1])
    assert refit.refresh(monday).parameters is None and not refit.fits
    refit.reviews.append(log[-1])
    fitted = refit.refresh(monday + timedelta(hours=1))
    assert len(refit.fits) == 1 and refit.fits[0].accepted
    assert fitted.parameters == refit.fits[0].parameters
    refit.refresh(monday + timedelta(days=6))
    assert len(refit.fits) == 1
    refit.refresh(monday + timedelta(days=7))
    assert len(refit.fits) == 2


def test_the_truth_reading_ceiling_learns_at_least_as_much_as_leitner() -> None:
    """The greedy reference that reads the true memory (`bench.learning.ceiling`) is a ceiling
    in practice: with the same minutes and new-card cap it leaves more recallable than Leitner."""
    config = SimConfig(learners=2, days=8, seed=2, policies=("leitner",))
    ceiling = greedy_truth(DECK, config, range(2))
    leitner = run_workspace("leitner", DECK, config, range(2)).recall
    assert ceiling[:, -1].mean() > leitner[:, -1].mean()
