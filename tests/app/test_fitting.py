"""Per-workspace FSRS fits on a synthetic review log made from known parameters."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fsrs
import pytest

from bot.app.fitting import DEFAULT_PARAMETERS, FittingService, TooFewReviews, judge_fit
from bot.app.ports import stores_of
from bot.core.memory_fit import Review, within_bounds
from bot.core.models import AnswerRecord, Format, Learner, Rating
from bot.core.scheduler import Scheduler
from tests.backends import SQL_BACKENDS, open_repository
from tests.fakes import FixedClock, MemoryFitStore

TRUTH = list(DEFAULT_PARAMETERS)
TRUTH[0], TRUTH[2], TRUTH[8] = TRUTH[0] * 4, TRUTH[2] * 3, TRUTH[8] * 0.7
"""A group that remembers new cards far better than FSRS-6's defaults assume."""


def synthetic(truth: list[float], learners: int = 40, seed: int = 1) -> list[Review]:
    """Learners whose memory is FSRS-6 with `truth`, reviewing on the default schedule."""
    rng = random.Random(seed)
    memory = fsrs.Scheduler(parameters=tuple(truth), learning_steps=(), relearning_steps=(),
                            enable_fuzzing=False)  # fmt: skip
    plan = fsrs.Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    out = []
    for who in range(learners):
        known: dict[int, fsrs.Card] = {}
        planned: dict[int, fsrs.Card] = {}
        for day in range(90):
            now = start + timedelta(days=day, minutes=who)
            due = [i for i, c in planned.items() if c.due <= now]
            new = [i for i in range(60) if i not in planned][:5]
            for i in due + new:
                p = memory.get_card_retrievability(known[i], now) if i in known else 0.6
                rating = fsrs.Rating.Good if rng.random() < p else fsrs.Rating.Again
                known[i] = memory.review_card(known.get(i) or fsrs.Card(card_id=i), rating, now)[0]
                planned[i] = plan.review_card(planned.get(i) or fsrs.Card(card_id=i), rating,
                                              now)[0]  # fmt: skip
                out.append(Review((who, "d", str(i)), now, Rating(int(rating))))
    return out


@pytest.fixture(scope="module")
def log() -> list[Review]:
    return synthetic(TRUTH)


def test_a_fit_to_a_group_unlike_the_defaults_is_accepted(log: list[Review]) -> None:
    """Fitted on the earliest 80 %, the parameters predict the latest 20 % better than the
    defaults (log loss and RMSE(bins)), move towards the truth, and schedule no worse."""
    fit = judge_fit(log)
    assert fit.accepted and fit.note == ""
    assert fit.log_loss < fit.default_log_loss
    assert fit.rmse_bins < fit.default_rmse_bins
    assert fit.learning >= fit.default_learning
    assert abs(fit.parameters[0] - TRUTH[0]) < abs(DEFAULT_PARAMETERS[0] - TRUTH[0])


def test_a_group_like_the_defaults_keeps_them() -> None:
    """Reviews made by the default parameters: a fit cannot beat them by enough to matter;
    whatever it finds, it is accepted only if both checks pass."""
    fit = judge_fit(synthetic(list(DEFAULT_PARAMETERS), learners=20, seed=2))
    assert fit.accepted == (
        fit.log_loss < fit.default_log_loss and fit.learning >= fit.default_learning
    )
    assert abs(fit.log_loss - fit.default_log_loss) < 0.01


async def test_weekly_refit_is_claimed_once_and_used_for_answers(log: list[Review]) -> None:
    """The refit stores an accepted fit once a week; the group's scheduler then uses it,
    another group keeps the defaults, and a group with too few reviews is not fitted."""
    store = MemoryFitStore({("discord", "G"): log, ("discord", "small"): log[:100]})
    forgotten: list[tuple[str, str]] = []
    clock = FixedClock()
    service = FittingService(
        store, clock, min_reviews=1000, on_saved=lambda p, w: forgotten.append((p, w))
    )
    fits = await service.refit_due()
    assert [(f.platform, f.workspace, f.accepted) for f in fits] == [("discord", "G", True)]
    assert forgotten == [("discord", "G")]
    assert await service.refit_due() == []  # same week: claimed already
    clock.advance(seconds=7 * 86400)
    assert len(await service.refit_due()) == 1
    small = await service.fit("discord", "small")
    assert isinstance(small, TooFewReviews) and small.reviews == 100
    params = await store.parameters("discord", "G")
    assert params is not None and await store.parameters("discord", "other") is None
    fitted = Scheduler(enable_fuzzing=False).with_parameters(params)
    default = Scheduler(enable_fuzzing=False)
    now = datetime(2025, 5, 1, tzinfo=UTC)
    longer = fitted.review(None, "d", "c", Rating.GOOD, now).stability
    assert longer is not None and longer > (
        default.review(None, "d", "c", Rating.GOOD, now).stability or 0
    )


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_the_database_keeps_scheduled_reviews_fits_and_claims(
    kind: str, tmp_path: Path
) -> None:
    """Only rows that moved a schedule are fitted on; one claim per group and week."""
    repo = await open_repository(kind, tmp_path)
    try:
        store = stores_of(repo).fit_store()
        ann = Learner("discord", "G", "ann")
        at = datetime(2025, 1, 1, 9, tzinfo=UTC)
        scheduler = Scheduler(enable_fuzzing=False)
        for n, scheduled in enumerate((Rating.GOOD, None, Rating.AGAIN)):
            state = scheduler.review(None, "d", f"c{n}", Rating.GOOD, at) if scheduled else None
            record = AnswerRecord(f"a{n}", ann, "d", f"c{n}", Format.CHOICE, Rating.GOOD, True,
                                  0, at, scheduled=scheduled)  # fmt: skip
            await repo.record_answer(record, state, None)
        reviews = await store.reviews("discord", "G")
        assert sorted(r.rating for r in reviews) == [Rating.AGAIN, Rating.GOOD]
        assert await store.groups(2) == [("discord", "G", 2)]
        assert await store.claim("discord", "G", "2025-W01", at)
        assert not await store.claim("discord", "G", "2025-W01", at)
        fit = judge_fit(synthetic(TRUTH, learners=10))
        fit = type(fit)(**{**{s: getattr(fit, s) for s in fit.__slots__},
                           "platform": "discord", "workspace": "G", "fitted_at": at})  # fmt: skip
        await store.save(fit)
        assert await store.latest("discord", "G") == fit
        assert await store.parameters("discord", "G") == (fit.parameters if fit.accepted else None)
    finally:
        await repo.close()


def test_a_fit_a_hair_past_a_bound_still_schedules() -> None:
    """fsrs-rs works in float32: a decay it held at the 0.8 bound comes back as 0.80000001.
    Such a fit is clipped to the bounds `fsrs` accepts, so judging and using it cannot fail
    (a weekly refit of a bench workspace did, and kept the defaults)."""
    raw = (*DEFAULT_PARAMETERS[:20], 0.800000011920929)
    with pytest.raises(ValueError):
        Scheduler(parameters=raw)
    clipped = within_bounds(raw)
    assert clipped[20] == 0.8 and clipped[:20] == DEFAULT_PARAMETERS[:20]
    assert Scheduler(parameters=clipped).parameters == clipped
