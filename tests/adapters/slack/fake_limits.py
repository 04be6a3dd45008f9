"""Slack's Web API rate limits for the fake: a budget of calls per minute, per method and per
workspace (Slack counts "per API method per workspace per app"). Past the budget Slack answers
HTTP 429 with `Retry-After` (seconds until the minute is over) and `{"ok": false, "error":
"ratelimited"}`; a refused call does not spend the budget.

Only the methods quizbot could call in bursts are limited by default: users.info is Tier 4,
"100+ per minute", so the fake allows exactly 100 (`TIER_4`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TIER_4 = 100
"""Slack's documented floor for Tier 4 methods, calls per minute per workspace."""
WINDOW_SECONDS = 60.0


@dataclass
class Window:
    """One method's minute in one workspace: when it began and the calls it has let through."""

    began: float
    used: int = 0


@dataclass
class RateLimits:
    """method -> calls allowed per minute (None: unlimited), counted per workspace."""

    per_minute: dict[str, int | None] = field(default_factory=lambda: {"users.info": TIER_4})
    clock: Callable[[], float] = time.monotonic
    _windows: dict[tuple[str, str], Window] = field(default_factory=dict)

    def set(self, method: str, per_minute: int | None) -> None:
        """Give `method` this budget (None lifts the limit); its minute starts afresh."""
        self.per_minute[method] = per_minute
        for key in [k for k in self._windows if k[0] == method]:
            del self._windows[key]

    def spend(self, method: str, team: str) -> int | None:
        """Count one call of `method` in `team`: None when it is within the budget, else the
        Retry-After Slack would send (whole seconds until the minute is over, at least 1)."""
        budget = self.per_minute.get(method)
        if budget is None:
            return None
        now = self.clock()
        window = self._windows.get((method, team))
        if window is None or now - window.began >= WINDOW_SECONDS:
            window = self._windows[(method, team)] = Window(now)
        if window.used >= budget:
            return max(1, math.ceil(window.began + WINDOW_SECONDS - now))
        window.used += 1
        return None
