"""Per-workspace FSRS parameters and the review log they are fitted from, on PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.memory_fit import GroupFit, Review
from bot.core.models import Rating
from bot.storage.postgres._db import Db, utc
from bot.storage.postgres._writes import Statement

_FIT = (
    "platform, workspace, parameters, accepted, reviews, log_loss, default_log_loss, rmse_bins,"
    " default_rmse_bins, learning, default_learning, note, fitted_at"
)


class FitStore:
    """The fits and the scheduled reviews of each workspace (`bot.app.ports.FitStorage`)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    async def groups(self, min_reviews: int) -> list[tuple[str, str, int]]:
        """(platform, workspace, scheduled reviews) of every group with at least that many."""
        rows = await self.db.fetch(
            "SELECT l.platform, l.workspace, count(*) FROM review_log r"
            " JOIN learners l ON l.id = r.learner_id WHERE r.scheduled IS NOT NULL"
            " GROUP BY l.platform, l.workspace HAVING count(*) >= $1",
            min_reviews,
        )
        return [(p, w, n) for p, w, n in rows]

    async def reviews(self, platform: str, workspace: str) -> list[Review]:
        """The group's reviews that moved a schedule, keyed by (learner, deck, card)."""
        rows = await self.db.fetch(
            "SELECT r.learner_id, r.deck_id, r.card_id, r.answered_at, r.scheduled"
            " FROM review_log r JOIN learners l ON l.id = r.learner_id"
            " WHERE l.platform = $1 AND l.workspace = $2 AND r.scheduled IS NOT NULL",
            platform,
            workspace,
        )
        return [Review((lid, d, c), at, Rating(s)) for lid, d, c, at, s in rows]

    async def claim(self, platform: str, workspace: str, week: str, now: datetime) -> bool:
        """True for the one process that fits this group this week."""
        claimed = await self.db.write(
            Statement(
                "INSERT INTO fsrs_fit_claims (platform, workspace, week, claimed_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                (platform, workspace, week, utc(now)),
            )
        )
        return claimed == 1

    async def save(self, fit: GroupFit) -> None:
        f = fit
        params = (f.platform, f.workspace, json.dumps(list(f.parameters)), int(f.accepted),
                  f.reviews, f.log_loss, f.default_log_loss, f.rmse_bins, f.default_rmse_bins,
                  f.learning, f.default_learning, f.note, utc(f.fitted_at))  # fmt: skip
        slots = ", ".join(f"${i}" for i in range(1, len(params) + 1))
        updates = ", ".join(f"{c} = excluded.{c}" for c in _FIT.replace(" ", "").split(",")[2:])
        sql = (
            f"INSERT INTO fsrs_params ({_FIT}) VALUES ({slots})"
            f" ON CONFLICT (platform, workspace) DO UPDATE SET {updates}"
        )
        await self.db.write(Statement(sql, params))

    async def latest(self, platform: str, workspace: str) -> GroupFit | None:
        row = await self.db.fetchrow(
            f"SELECT {_FIT} FROM fsrs_params WHERE platform = $1 AND workspace = $2",
            platform,
            workspace,
        )
        return None if row is None else _fit(row)

    async def parameters(self, platform: str, workspace: str) -> tuple[float, ...] | None:
        """The accepted parameters of the group, or None (the scheduler's defaults)."""
        fit = await self.latest(platform, workspace)
        return fit.parameters if fit is not None and fit.accepted else None


def _fit(row: Any) -> GroupFit:
    platform, workspace, params, accepted, reviews, ll, dll, rb, drb, le, dle, note, at = row
    return GroupFit(
        platform=platform,
        workspace=workspace,
        parameters=tuple(json.loads(params)),
        accepted=bool(accepted),
        reviews=reviews,
        log_loss=ll,
        default_log_loss=dll,
        rmse_bins=rb,
        default_rmse_bins=drb,
        learning=le,
        default_learning=dle,
        fitted_at=at,
        note=note,
    )
