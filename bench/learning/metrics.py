"""From runs to the reported figures: share of the deck recallable, days to 90 %, calibration.

Share recallable at day d: the learner's mean true recall probability over every card of the
deck, 24 h after day d's session (the expected share of the deck they would get right on an
exam that day; cards never seen count 0), averaged over learners. Days to 90 %: the first day
on which that population mean reaches 0.9. Each seed is one population; the 95 % intervals are
Student-t intervals over seeds, and quizbot's ratios and differences to each peer are paired
per seed (the same learners and answer streams, common random numbers).
Calibration compares a policy's predicted retrievability with the answer the bot graded, on
reviews of cards last seen on an earlier day: log loss and the root Brier score per review
(not srs-benchmark's RMSE(bins), which bins predictions first).
"""

from __future__ import annotations

import math

import numpy as np

from bench.learning.simulate import PolicyRun

REPORT_DAYS = (30, 60)
TARGET_DAY = 30
TARGET_VS_LEITNER = 1.1
PEERS = ("leitner", "fsrs", "fsrs_fit", "fixed")
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def report_days(days: int) -> list[int]:
    return [d for d in REPORT_DAYS if d <= days] or [days]


def interval(values: list[float]) -> dict[str, object]:
    """Mean and Student-t 95 % interval over seeds (a single seed has no interval)."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": round(mean, 4), "ci95": None}
    half = _T95.get(x.size - 1, 1.96) * float(x.std(ddof=1)) / math.sqrt(x.size)
    return {"mean": round(mean, 4), "ci95": [round(mean - half, 4), round(mean + half, 4)]}


def share(run: PolicyRun, day: int) -> float:
    return float(run.recall[:, day - 1].mean())


def days_to(run: PolicyRun, level: float = 0.9) -> int | None:
    reached = np.nonzero(run.recall.mean(axis=0) >= level)[0]
    return int(reached[0]) + 1 if reached.size else None


def calibration(runs: list[PolicyRun]) -> dict[str, float] | None:
    predicted = np.concatenate([r.predicted for r in runs])
    if predicted.size == 0:
        return None
    p = np.clip(predicted, 1e-6, 1 - 1e-6)
    y = np.concatenate([r.correct for r in runs]).astype(float)
    return {
        "log_loss": round(float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))), 4),
        "root_brier": round(float(np.sqrt(np.mean((p - y) ** 2))), 4),
        "mean_predicted": round(float(p.mean()), 4),
        "observed": round(float(y.mean()), 4),
        "n": int(p.size),
    }


def _policy(runs: list[PolicyRun], days: int) -> dict[str, object]:
    out: dict[str, object] = {}
    for d in report_days(days):
        out[f"share_day{d}"] = interval([share(r, d) for r in runs])
        out[f"known_share_day{d}"] = interval([float(r.known[:, d - 1].mean()) for r in runs])
        out[f"reviews_day{d}"] = round(float(np.mean([r.reviews[:, d - 1].mean() for r in runs])))
        out[f"minutes_day{d}"] = round(
            float(np.mean([r.seconds[:, d - 1].mean() for r in runs])) / 60, 1
        )
    reached = [days_to(r) for r in runs]
    hit = [d for d in reached if d is not None]
    out["days_to_90"] = {
        "mean": round(float(np.mean(hit)), 1) if hit else None,
        "reached": f"{len(hit)}/{len(reached)}",
    }
    cal = calibration(runs)
    if cal:
        out["calibration"] = cal
    fits = _fits(runs, days)
    if fits:
        out["group_fit"] = fits
    return out


def _fits(runs: list[PolicyRun], days: int) -> dict[str, object] | None:
    """When the workspace's weekly refit first gave it fitted parameters, and how often they
    were in use on the report days (the rest of the time it scheduled with the defaults)."""
    if not any(r.fitted.any() for r in runs):
        return None
    first = [int(np.nonzero(r.fitted.any(axis=0))[0][0]) + 1 for r in runs if r.fitted.any()]
    out: dict[str, object] = {
        "first_fit_day": round(float(np.mean(first)), 1),
        "seeds_fitted": f"{len(first)}/{len(runs)}",
    }
    for d in report_days(days):
        out[f"in_use_day{d}"] = round(float(np.mean([r.fitted[:, d - 1].mean() for r in runs])), 2)
    return out


def summarise_model(seeds: list[dict[str, PolicyRun]], days: int) -> dict[str, object]:
    """One memory model over its seeds: per-policy figures, paired ratios, the target check."""
    policies = list(seeds[0])
    out: dict[str, object] = {
        "policies": {p: _policy([s[p] for s in seeds], days) for p in policies},
        "curve": {
            p: np.mean([s[p].recall.mean(axis=0) for s in seeds], axis=0).round(4).tolist()
            for p in policies
        },
    }
    day = min(TARGET_DAY, days)
    if "quizbot" not in policies:
        return out
    q = [share(s["quizbot"], day) for s in seeds]
    paired: dict[str, object] = {}
    for peer in [*PEERS, "quizbot_mixed"]:
        if peer not in policies:
            continue
        other = [share(s[peer], day) for s in seeds]
        key = "mixed_vs_study" if peer == "quizbot_mixed" else f"quizbot_vs_{peer}"
        mine, theirs = (other, q) if peer == "quizbot_mixed" else (q, other)
        paired[key] = {
            "ratio": interval(
                [a / b if b else math.inf for a, b in zip(mine, theirs, strict=True)]
            ),
            "difference": interval([a - b for a, b in zip(mine, theirs, strict=True)]),
        }
    out["paired_day30"] = paired
    out["target"] = _target(paired)
    return out


def _at_least(paired: dict, key: str) -> bool | None:
    if key not in paired:
        return None
    ci = paired[key]["difference"]["ci95"]
    low = ci[0] if ci else paired[key]["difference"]["mean"]
    return bool(low >= 0)


def _target(paired: dict) -> dict[str, object]:
    """quizbot >= Leitner and >= FSRS (lower 95 % bound of the paired difference), on average
    >= 1.1x Leitner, and mixed usage no worse than study alone (mean difference >= 0)."""
    checks: dict[str, bool | None] = {
        "at_least_leitner": _at_least(paired, "quizbot_vs_leitner"),
        "at_least_fsrs": _at_least(paired, "quizbot_vs_fsrs"),
        "ratio_vs_leitner_1.1": (
            paired["quizbot_vs_leitner"]["ratio"]["mean"] >= TARGET_VS_LEITNER
            if "quizbot_vs_leitner" in paired
            else None
        ),
        "mixed_no_worse": (
            paired["mixed_vs_study"]["difference"]["mean"] >= 0
            if "mixed_vs_study" in paired
            else None
        ),
    }
    return {**checks, "met": all(v for v in checks.values() if v is not None)}
