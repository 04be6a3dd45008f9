"""The figure: retention and cards known per review over time, one column per deck."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

from bench.learning.simulate import PolicyRun

LABELS = {
    "fixed": "fixed quiz (multiple choice)",
    "leitner": "Leitner boxes",
    "fsrs": "FSRS only (flashcards)",
    "quizbot": "quizbot (FSRS + adaptive)",
}
COLOURS = {"fixed": "#999999", "leitner": "#e69f00", "fsrs": "#56b4e9", "quizbot": "#d55e00"}


def draw(decks: dict[str, dict[str, PolicyRun]], path: Path, subtitle: str) -> None:
    """Write a PNG: top row mean true recall by day, bottom row cards known per review."""
    fig = Figure(figsize=(5.5 * len(decks), 7.5), layout="constrained")
    axes = fig.subplots(2, len(decks), squeeze=False)
    for col, (deck, runs) in enumerate(decks.items()):
        top, bottom = axes[0][col], axes[1][col]
        for name, run in runs.items():
            days = range(1, run.recall.shape[1] + 1)
            style = {"color": COLOURS.get(name), "label": LABELS.get(name, name)}
            top.plot(days, run.recall.mean(axis=0), lw=2, **style)
            reviews = run.reviews.sum(axis=0)
            kpr = run.known.sum(axis=0) / reviews.clip(min=1)
            bottom.plot(days, kpr, lw=2, **style)
        top.set_title(deck)
        top.set_ylabel("mean true recall, all cards")
        top.set_ylim(0, 1)
        bottom.set_ylabel("cards known (p ≥ 0.9) per review spent")
        bottom.set_xlabel("day")
        for ax in (top, bottom):
            ax.grid(alpha=0.3)
        top.legend(loc="lower right", fontsize=8)
    fig.suptitle(f"Simulated learners, same daily budget: {subtitle}")
    fig.savefig(path, dpi=110)
