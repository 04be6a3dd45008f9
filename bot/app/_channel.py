"""One channel's running competition: its state, the lock its events take, and the timer task
that wakes at the next deadline (or when woken) and calls back into `CompetitionService.tick`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.competition import Answer, Competition
from bot.core.models import ReviewEntry

log = logging.getLogger(__name__)

Where = tuple[str, str, str]
"""(platform, workspace, channel): one competition at a time per channel."""


@dataclass
class PendingAnswer:
    """An answer waiting for the channel's next commit, and who waits for its outcome."""

    round_no: int
    user: str
    option: int
    at: datetime
    review: ReviewEntry
    outcome: asyncio.Future[tuple[Competition, Answer]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class ChannelSession:
    """One channel's running game: its state, a lock for its events, its timer task, and the
    answers waiting to be committed together."""

    def __init__(self, state: Competition, tick: Callable[[Where], Awaitable[object]]) -> None:
        self.state = state
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self._tick = tick
        self.task: asyncio.Task[None] | None = None
        self.closed = False
        self.pending: list[PendingAnswer] = []

    @property
    def where(self) -> Where:
        return (self.state.platform, self.state.workspace, self.state.channel)

    def run(self, seconds_left: Callable[[Competition], float]) -> None:
        self.task = asyncio.create_task(self._loop(seconds_left), name=f"compete-{self.state.id}")

    async def _loop(self, seconds_left: Callable[[Competition], float]) -> None:
        while self.state.phase.active and not self.closed:
            delay = seconds_left(self.state)
            if delay > 0:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self.wake.wait()
            self.wake.clear()
            try:
                await self._tick(self.where)
            except Exception:
                log.exception("competition %s: tick failed; retrying", self.state.id)
                await asyncio.sleep(1.0)
            await asyncio.sleep(0)

    async def cancel(self) -> None:
        self.closed = True
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
