"""Each workspace's scheduler: FSRS with its accepted fitted parameters, else the defaults."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

from bot.core.scheduler import Scheduler

PARAMETERS_TTL_SECONDS = 600.0
"""Another process's weekly refit reaches this one within ten minutes; this one's at once."""

Load = Callable[[str, str], Awaitable[Sequence[float] | None]]


class GroupSchedulers:
    def __init__(self, base: Scheduler, load: Load | None) -> None:
        self.base = base
        self._load = load
        self._cache: dict[tuple[str, str], tuple[float, Scheduler]] = {}

    async def get(self, platform: str, workspace: str) -> Scheduler:
        if self._load is None:
            return self.base
        key = (platform, workspace)
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() < hit[0]:
            return hit[1]
        parameters = await self._load(platform, workspace)
        scheduler = self.base if parameters is None else self.base.with_parameters(parameters)
        self._cache[key] = (time.monotonic() + PARAMETERS_TTL_SECONDS, scheduler)
        return scheduler

    def forget(self, platform: str, workspace: str) -> None:
        """A new fit was stored: read it on the next answer."""
        self._cache.pop((platform, workspace), None)
