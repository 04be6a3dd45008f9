"""FittingService: FSRS-6 parameters fitted to each workspace's own review log.

A group's reviews (only those that moved a schedule) are split by time: the first 80 % train
fsrs-rs's optimizer (the one Anki uses), the latest 20 % are held out. A fit is accepted only
when it beats FSRS-6's default parameters on held-out log loss **and** schedules at least as
well in a small simulation on the group's deck size (`bot.core.memory_fit.simulate_learning`,
memory following the fitted model, the best estimate of this group's memory): a fit can predict
better and still schedule worse. Accepted parameters are stored per workspace and used for the
group's answers; otherwise the defaults stay. Groups refit weekly, claimed in the database so
one process does it, on a worker thread so the event loop keeps answering.
"""

from __future__ import annotations

import asyncio
import logging
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import fsrs_rs_python as fsrs_rs

from bot.app._periodic import repeat
from bot.app.ports import FitStorage, stores_of
from bot.app.study import QuizService
from bot.core.memory_fit import (
    GroupFit,
    Prediction,
    Review,
    SimulationConfig,
    Step,
    forgetting_curve,
    log_loss,
    rmse_bins,
    simulate_learning,
    timed_histories,
    within_bounds,
)
from bot.core.ports import Clock

log = logging.getLogger(__name__)

MIN_REVIEWS = 5_000
"""Below this many scheduled reviews a group keeps the defaults: held-out log loss improves
from about 5-10k reviews on."""
HELD_OUT = 0.2
CHECK_EVERY_SECONDS = 3600.0
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs_rs.DEFAULT_PARAMETERS)


@dataclass(frozen=True, slots=True)
class TooFewReviews:
    """`fit` refused: the group has `reviews`, fewer than `needed`."""

    platform: str
    workspace: str
    reviews: int
    needed: int


class FittingService:
    """Fit, judge and store one group's parameters; refit every group weekly."""

    def __init__(
        self,
        store: FitStorage,
        clock: Clock,
        *,
        min_reviews: int = MIN_REVIEWS,
        simulation: SimulationConfig | None = None,
        on_saved: Callable[[str, str], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.min_reviews = min_reviews
        self.simulation = simulation  # None: at the group's own scale (`group_simulation`)
        self._on_saved = on_saved

    @classmethod
    def over(cls, service: QuizService, *, min_reviews: int = MIN_REVIEWS) -> FittingService:
        """Fits kept in the study service's own database; its scheduler cache is told."""
        return cls(
            stores_of(service.repo).fit_store(),
            service.clock,
            min_reviews=min_reviews,
            on_saved=service.schedulers.forget,
        )

    async def fit(self, platform: str, workspace: str) -> GroupFit | TooFewReviews:
        """Fit now (the weekly claim is not needed); stored whether accepted or not."""
        reviews = await self.store.reviews(platform, workspace)
        if len(reviews) < self.min_reviews:
            return TooFewReviews(platform, workspace, len(reviews), self.min_reviews)
        now = self.clock.now()
        fit = await asyncio.to_thread(judge_fit, reviews, self.simulation)
        fit = replace(fit, platform=platform, workspace=workspace, fitted_at=now)
        await self.store.save(fit)
        if self._on_saved is not None:
            self._on_saved(platform, workspace)
        log.info(
            "fsrs fit %s/%s on %d reviews: log loss %.4f (default %.4f), %s",
            platform, workspace, fit.reviews, fit.log_loss, fit.default_log_loss,
            "accepted" if fit.accepted else f"kept the defaults ({fit.note})",
        )  # fmt: skip
        return fit

    async def refit_due(self) -> list[GroupFit]:
        """Every group with enough reviews not yet fitted this ISO week, one at a time."""
        now = self.clock.now()
        year, week, _ = now.isocalendar()
        done: list[GroupFit] = []
        for platform, workspace, _n in await self.store.groups(self.min_reviews):
            if not await self.store.claim(platform, workspace, f"{year}-W{week:02d}", now):
                continue
            try:
                fit = await self.fit(platform, workspace)
            except Exception:
                log.exception("fsrs fit of %s/%s failed", platform, workspace)
                continue
            if isinstance(fit, GroupFit):
                done.append(fit)
        return done

    async def run_forever(self, every: float = CHECK_EVERY_SECONDS) -> None:
        """Check hourly; a group is fitted at most once a week by any process."""
        await repeat(self.refit_due, every, log, "fsrs refit check failed")


def judge_fit(
    reviews: Sequence[Review],
    simulation: SimulationConfig | None = None,
    *,
    defaults: Sequence[float] = DEFAULT_PARAMETERS,
) -> GroupFit:
    """Fit on the earliest reviews, measure on the latest, simulate; CPU-bound, no I/O.

    The returned fit has empty platform/workspace and the epoch as `fitted_at`: the caller
    fills them in.
    """
    times = sorted(r.at for r in reviews)
    cutoff = times[min(len(times) - 1, int(len(times) * (1 - HELD_OUT)))]
    history = timed_histories(reviews)
    train = [
        _item(steps[:k]) for steps in history.values() for k in range(2, _before(steps, cutoff) + 1)
    ]
    train = [item for item in train if item.long_term_review_cnt() > 0]
    if not train:
        raise ValueError("no review a day or more after another before the held-out part")
    fitted = within_bounds(fsrs_rs.FSRS(list(defaults)).compute_parameters(train))
    held_fitted = _predictions(history.values(), cutoff, fitted)
    held_default = _predictions(history.values(), cutoff, defaults)
    if not held_fitted:
        raise ValueError("no held-out review a day or more after another")
    simulation = simulation or group_simulation(history)
    learning = simulate_learning(fitted, fitted, simulation)
    default_learning = simulate_learning(fitted, defaults, simulation)
    ll, dll = log_loss(held_fitted), log_loss(held_default)
    better = ll < dll
    keeps = learning >= default_learning
    note = "" if better and keeps else (
        "held-out log loss not better" if not better else "simulated learning lower"
    )  # fmt: skip
    return GroupFit(
        platform="",
        workspace="",
        parameters=fitted,
        accepted=better and keeps,
        reviews=len(reviews),
        log_loss=ll,
        default_log_loss=dll,
        rmse_bins=rmse_bins(held_fitted),
        default_rmse_bins=rmse_bins(held_default),
        learning=learning,
        default_learning=default_learning,
        fitted_at=datetime.fromtimestamp(0).astimezone(),
        note=note,
    )


def group_simulation(history: Mapping[Hashable, Sequence[Step]]) -> SimulationConfig:
    """The simulation at this group's scale: its cards per learner, reviews and new cards per
    active learner-day (keys are (learner, deck, card)), over 60 days."""
    learners = {_learner(key) for key in history}
    days: Counter[tuple[object, object]] = Counter()
    new: Counter[tuple[object, object]] = Counter()
    for key, steps in history.items():
        for n, (_rating, _days, at) in enumerate(steps):
            days[(_learner(key), at.date())] += 1
            new[(_learner(key), at.date())] += n == 0
    cards = len(history) / max(1, len(learners))
    per_day = sum(days.values()) / max(1, len(days))
    new_per_day = sum(new.values()) / max(1, len(days))
    return SimulationConfig(
        cards=int(min(max(cards, 50), 600)),
        reviews_per_day=int(min(max(per_day, 10), 100)),
        new_per_day=int(min(max(new_per_day, 1), 50)),
        days=60,
    )


def _learner(key: Hashable) -> object:
    return key[0] if isinstance(key, tuple) else key


def _before(steps: Sequence[Step], cutoff: datetime) -> int:
    """How many of the (time-ordered) steps came before `cutoff`."""
    return bisect_left([at for _, _, at in steps], cutoff)


def _item(steps: Sequence[Step]) -> fsrs_rs.FSRSItem:
    return fsrs_rs.FSRSItem([fsrs_rs.FSRSReview(r, d) for r, d, _ in steps])


def _predictions(
    history: Iterable[Sequence[Step]],
    cutoff: datetime,
    parameters: Sequence[float],
) -> list[Prediction]:
    """Recall predictions for every held-out review a day or more after the previous one."""
    targets: list[tuple[Sequence[Step], int]] = [
        (steps, k)
        for steps in history
        for k in range(max(1, _before(steps, cutoff)), len(steps))
        if steps[k][1] > 0
    ]
    if not targets:
        return []
    model = fsrs_rs.FSRS(list(parameters))
    states = model.memory_state_batch([_item(steps[:k]) for steps, k in targets])
    decay = parameters[20]
    out = []
    for (steps, k), state in zip(targets, states, strict=True):
        rating, elapsed, _ = steps[k]
        lapses = sum(1 for r, d, _ in steps[1:k] if r == 1 and d > 0)
        p = forgetting_curve(elapsed, state.stability, decay)
        out.append(Prediction(p, rating > 1, elapsed, k + 1, lapses))
    return out
