"""The stats chart every platform attaches: reviews per day and retention, as a PNG.

matplotlib's Agg backend draws without a display; the figure is built per call with the
object API (no pyplot global state), so two chats drawing at once cannot mix their charts.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

from matplotlib.figure import Figure

from bot.core.reports import Stats

DAYS = 30


def stats_chart(stats: Stats, now: datetime, title: str = "Your last 30 days") -> bytes:
    """Bars of reviews per day (right and wrong) over the last 30 days, retention as a line."""
    today = now.date()
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    by_day = {date.fromisoformat(d.day): d for d in stats.days}
    right = [by_day[d].correct if d in by_day else 0 for d in days]
    wrong = [(by_day[d].reviews - by_day[d].correct) if d in by_day else 0 for d in days]
    retention = [
        by_day[d].correct / by_day[d].reviews * 100 if d in by_day and by_day[d].reviews else None
        for d in days
    ]

    figure = Figure(figsize=(8, 3.6), dpi=100)
    axes = figure.add_subplot()
    xs = list(range(DAYS))
    axes.bar(xs, right, color="#3ba55d", label="right")
    axes.bar(xs, wrong, bottom=right, color="#ed4245", label="wrong")
    axes.set_ylabel("reviews")
    axes.set_xticks(xs[::5], [d.strftime("%b %d") for d in days[::5]])
    axes.set_title(f"{title} · {stats.reviews} reviews, {stats.accuracy:.0%} right")
    rate = axes.twinx()
    points = [(x, r) for x, r in zip(xs, retention, strict=True) if r is not None]
    if points:
        rate.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            "o-",
            color="#5865f2",
            label="retention %",
        )
    rate.set_ylim(0, 105)
    rate.set_ylabel("retention %")
    handles = axes.get_legend_handles_labels()
    more = rate.get_legend_handles_labels()
    axes.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
