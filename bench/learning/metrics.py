"""From per-learner runs to the reported figures: retention, cards known per review, calibration.

Known per review at day d = cards known (true recall >= 0.9, 24 h after that day's session),
summed over learners, over reviews spent up to day d, summed over learners.
Calibration compares a policy's predicted retrievability with the answer the bot graded, on
reviews of cards last seen on an earlier day: log loss and RMSE per review (root Brier score).
"""

from __future__ import annotations

import numpy as np

from bench.learning.simulate import PolicyRun

REPORT_DAYS = (7, 30, 60)
TARGET_DAY = 30
TARGETS = {"fixed": 1.3, "leitner": 1.1}
"""quizbot's day-30 known-per-review must be at least this multiple of each peer's."""


def report_days(days: int) -> list[int]:
    return [d for d in REPORT_DAYS if d <= days] or [days]


def known_per_review(run: PolicyRun, day: int) -> float:
    reviews = run.reviews[:, day - 1].sum()
    return float(run.known[:, day - 1].sum() / reviews) if reviews else 0.0


def calibration(run: PolicyRun) -> dict[str, float] | None:
    if run.predicted.size == 0:
        return None
    p = np.clip(run.predicted, 1e-6, 1 - 1e-6)
    y = run.correct.astype(float)
    return {
        "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "rmse": float(np.sqrt(np.mean((p - y) ** 2))),
        "mean_predicted": float(p.mean()),
        "observed": float(y.mean()),
        "n": int(p.size),
    }


def summarise(runs: dict[str, PolicyRun], days: int) -> dict[str, object]:
    """The JSON-ready figures for one deck."""
    shown = report_days(days)
    kpr = {f"day{d}": {name: known_per_review(r, d) for name, r in runs.items()} for d in shown}
    recall = {
        f"day{d}": {name: float(r.recall[:, d - 1].mean()) for name, r in runs.items()}
        for d in shown
    }
    known = {
        f"day{d}": {name: float(r.known[:, d - 1].mean()) for name, r in runs.items()}
        for d in shown
    }
    reviews = {
        f"day{d}": {name: float(r.reviews[:, d - 1].mean()) for name, r in runs.items()}
        for d in shown
    }
    out: dict[str, object] = {
        "known_per_review": kpr,
        "mean_recall": recall,
        "known_cards": known,
        "reviews_per_learner": reviews,
        "calibration": {name: calibration(r) for name, r in runs.items() if r.predicted.size},
        "retention_curve": {
            name: r.recall.mean(axis=0).round(4).tolist() for name, r in runs.items()
        },
    }
    target_day = f"day{TARGET_DAY}"
    if target_day in kpr and "quizbot" in runs:
        row = kpr[target_day]
        ratios = {
            f"quizbot_vs_{peer}": row["quizbot"] / row[peer] if row[peer] else float("inf")
            for peer in TARGETS
            if peer in row
        }
        met = all(ratios[f"quizbot_vs_{p}"] >= t for p, t in TARGETS.items() if p in row)
        out["target"] = {"day": TARGET_DAY, **ratios, "required": TARGETS, "met": met}
    return out
