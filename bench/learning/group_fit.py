"""The weekly per-workspace FSRS refit, run inside the simulation as a deployed bot runs it.

A workspace's quizbot learners append every answer that moved a schedule to one review log
(what `FitStorage.reviews` reads from the database). Before each simulated day, `refresh` runs
the product's `FittingService.refit_due` over an in-memory `FitStorage`: a group is fitted at
most once per ISO week, only with `MIN_REVIEWS` scheduled reviews or more, and a fit is used
only when it improves held-out log loss and does not simulate less learning
(`bot.app.fitting.judge_fit`). It returns the scheduler `GroupSchedulers` gives the group's
answers: the accepted fit, else FSRS-6's defaults. Nothing here reads the simulated memory.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.app.fitting import MIN_REVIEWS, FittingService
from bot.app.study._schedulers import GroupSchedulers
from bot.core.memory_fit import GroupFit, Review
from bot.core.scheduler import Scheduler

PLATFORM, WORKSPACE = "bench", "workspace"


class _Clock:
    def __init__(self) -> None:
        self.at = datetime.fromtimestamp(0).astimezone()

    def now(self) -> datetime:
        return self.at


class _Store:
    """`bot.app.ports.FitStorage` for one workspace over its review log."""

    def __init__(self, reviews: list[Review]) -> None:
        self.log = reviews
        self.fit: GroupFit | None = None
        self.claims: set[str] = set()

    async def groups(self, min_reviews: int) -> list[tuple[str, str, int]]:
        n = len(self.log)
        return [(PLATFORM, WORKSPACE, n)] if n >= min_reviews else []

    async def reviews(self, platform: str, workspace: str) -> list[Review]:
        return list(self.log)

    async def claim(self, platform: str, workspace: str, week: str, now: datetime) -> bool:
        if week in self.claims:
            return False
        self.claims.add(week)
        return True

    async def save(self, fit: GroupFit) -> None:
        self.fit = fit  # the latest fit replaces the one before, as in the database

    async def parameters(self, platform: str, workspace: str) -> tuple[float, ...] | None:
        return self.fit.parameters if self.fit is not None and self.fit.accepted else None


class GroupRefit:
    """One workspace's review log, its weekly refit and the scheduler it leads to."""

    def __init__(self, base: Scheduler, *, min_reviews: int = MIN_REVIEWS) -> None:
        self.reviews: list[Review] = []
        self._store = _Store(self.reviews)
        self._clock = _Clock()
        self._schedulers = GroupSchedulers(base, self._store.parameters)
        self._service = FittingService(
            self._store, self._clock, min_reviews=min_reviews, on_saved=self._schedulers.forget
        )
        self.fits: list[GroupFit] = []

    def refresh(self, now: datetime) -> Scheduler:
        """The background check at `now`: refit if due this week, then the group's scheduler."""
        self._clock.at = now
        self.fits.extend(asyncio.run(self._service.refit_due()))
        return asyncio.run(self._schedulers.get(PLATFORM, WORKSPACE))
