"""`quizbot fit`: fit FSRS parameters per workspace now and print how they compare."""

from __future__ import annotations

from typing import TextIO

from bot.app.fitting import MIN_REVIEWS, FittingService, TooFewReviews
from bot.core.memory_fit import GroupFit
from bot.core.ports import SystemClock
from bot.process.bootstrap import open_repository
from bot.process.settings import Settings


async def run_fit(
    settings: Settings, workspace: str | None, out: TextIO, *, min_reviews: int = MIN_REVIEWS
) -> int:
    """Fit `platform:workspace` (or every group with enough reviews); 1 if none was fitted.

    Only the database is opened: fitting reads the review log, not the decks.
    """
    repo = await open_repository(settings)
    try:
        store = repo.fit_store()
        fitting = FittingService(store, SystemClock(), min_reviews=min_reviews)
        if workspace is not None:
            platform, _, name = workspace.partition(":")
            groups = [(platform, name)]
        else:
            groups = [(p, w) for p, w, _ in await store.groups(min_reviews)]
        if not groups:
            print(f"no workspace has {min_reviews} scheduled reviews yet", file=out)
            return 1
        fitted = 0
        for platform, name in groups:
            result = await fitting.fit(platform, name)
            print(describe(result), file=out)
            fitted += isinstance(result, GroupFit)
        return 0 if fitted else 1
    finally:
        await repo.close()


def describe(result: GroupFit | TooFewReviews) -> str:
    if isinstance(result, TooFewReviews):
        return (
            f"{result.platform}:{result.workspace}: {result.reviews} scheduled reviews, "
            f"fewer than {result.needed}: keeps the default parameters"
        )
    f = result
    verdict = "accepted" if f.accepted else f"not accepted ({f.note}): keeps the defaults"
    return (
        f"{f.platform}:{f.workspace}: {f.reviews} reviews, held-out log loss {f.log_loss:.4f}"
        f" (default {f.default_log_loss:.4f}), RMSE(bins) {f.rmse_bins:.4f}"
        f" (default {f.default_rmse_bins:.4f}), simulated recall {f.learning:.3f}"
        f" (default {f.default_learning:.3f}): {verdict}"
    )
