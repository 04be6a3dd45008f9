"""Human wording for review intervals, shared by every adapter's rendering."""

from __future__ import annotations

from datetime import datetime


def until(due: datetime, now: datetime) -> str:
    """'in 10 minutes', 'in 3 days': how long until a card comes back."""
    seconds = (due - now).total_seconds()
    if seconds < 30:
        return "now"
    if seconds < 90:
        return "in a minute"
    for size, unit in (
        (86400 * 365, "year"),
        (86400 * 30, "month"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size:
            count = round(seconds / size)
            return f"in {count} {unit}{'' if count == 1 else 's'}"
    return "now"


NOT_SCHEDULED = "when you study it (a right pick does not schedule a new card)"
"""What feedback says of a card a multiple-choice answer left new (`bot.core.evidence`)."""
