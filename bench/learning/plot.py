"""The figure: share of the deck recallable by day, one panel per memory model."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

LABELS = {
    "fixed": "fixed quiz (multiple choice)",
    "leitner": "Leitner boxes",
    "fsrs": "plain FSRS (flashcards)",
    "fsrs_fit": "plain FSRS + weekly refit",
    "quizbot": "quizbot study",
    "quizbot_mixed": "quizbot study + /quiz + daily",
}
COLOURS = {
    "fixed": "#999999",
    "leitner": "#e69f00",
    "fsrs": "#56b4e9",
    "fsrs_fit": "#0072b2",
    "quizbot": "#d55e00",
    "quizbot_mixed": "#cc79a7",
}
TITLES = {
    "exp": "exponential memory",
    "actr": "ACT-R (power-law traces)",
    "hlr": "half-life regression",
}


def draw(summaries: dict[str, dict], path: Path, subtitle: str) -> None:
    """Write a PNG: mean share of the deck recallable the next day, by day, per memory model."""
    fig = Figure(figsize=(5 * len(summaries), 4.6), layout="constrained")
    axes = fig.subplots(1, len(summaries), squeeze=False)[0]
    for ax, (model, summary) in zip(axes, summaries.items(), strict=True):
        for name, curve in summary["curve"].items():
            days = range(1, len(curve) + 1)
            dashed = "--" if name in ("quizbot_mixed", "fsrs_fit") else "-"
            ax.plot(
                days, curve, dashed, lw=2, color=COLOURS.get(name), label=LABELS.get(name, name)
            )
        ax.set_title(TITLES.get(model, model))
        ax.set_xlabel("day")
        ax.set_ylim(0, 1)
        ax.axhline(0.9, color="#444444", lw=0.6, ls=":")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("share of the deck recallable next day")
    axes[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"Same review time per day: {subtitle}")
    fig.savefig(path, dpi=100)
