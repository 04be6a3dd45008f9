"""Which process runs each competition's timer: the service's lease keeping.

Several processes: each game's timer runs in one process, which holds a lease on it in the
database (renewed every `lease_seconds / 3`) and writes only while it holds it. When a process
dies, a survivor's lease round takes over its games once their leases lapse (the deadlines are
in the stored state) and plays them on; the process serving the game's workspace takes it back
when it starts (`resume`), and a process that lost a game drops its timer at its next write.

Restart: `resume(platform)` reloads running games. A lobby or a round still open is posted again
with the time it has left (same deadline); a round whose deadline passed while the bot was down is
closed at once (its result posted) and the game continues. Nothing scored is lost: points are
written with each answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.app._channel import ChannelSession, Where
from bot.app._game_posts import Poster
from bot.app.ports import CompetitionStorage
from bot.app.study import QuizService
from bot.core.competition import Competition, CompetitionError, Phase

# Logged under the service's name, as before these methods moved here.
log = logging.getLogger("bot.app.competitions")


class TimerMoved(CompetitionError):
    """This process lost the game's lease to another; its timer here stops."""


def process_name() -> str:
    """Who holds a lease: host, process id and a random tail (a reused pid is someone else)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LeaseKeeping:
    """CompetitionService's lease side, apart so taking games over reads alone from playing them."""

    service: QuizService
    store: CompetitionStorage
    poster: Poster
    owner: str
    lease: timedelta
    _sessions: dict[Where, ChannelSession]
    _leases: asyncio.Task[None] | None
    _track: Callable[[Competition], ChannelSession]
    _post: Callable[[Callable[[Competition], Awaitable[None]], Competition], Awaitable[bool]]

    async def resume(self, platform: str, owns: Callable[[str], bool] | None = None) -> int:
        """Pick up the games of the workspaces this process serves (`owns`; all when None),
        whoever held them, and any whose holder stopped renewing; returns how many. Then keep
        the leases: renew ours, take over games whose holder died."""
        now = self.service.clock.now()
        active = await self.store.active(platform)
        mine = {c.workspace for c in active if owns is None or owns(c.workspace)}
        taken = await self._take(platform, active, steal=mine)
        resumed = 0
        for c in taken:
            where = (c.platform, c.workspace, c.channel)
            if where in self._sessions:
                continue
            repost = {Phase.LOBBY: self.poster.post_lobby, Phase.ROUND: self.poster.post_round}
            late = c.deadline is None or c.deadline <= now
            if c.workspace in mine and not late and c.phase in repost:
                # A restart of the process serving the channel: the first post is still there
                # with working buttons, so a failed repost is logged, never a reason to stop. A
                # game taken over from a silent process is not posted again.
                await self._post(repost[c.phase], c)
            self._track(c)
            resumed += 1
            log.info("competition %s resumed in %s (%s)", c.id, where, c.phase)
        if self._leases is None:
            self._leases = asyncio.create_task(self._keep_leases(platform), name="leases")
        return resumed

    async def _keep_leases(self, platform: str) -> None:
        """Every third of a lease: renew ours (dropping what another took), take over lapsed."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await self.keep_leases(platform)
            except Exception:
                log.exception("competition leases: renewal failed; retrying")

    async def keep_leases(self, platform: str) -> int:
        """One lease round (tests call it); returns how many games were taken over."""
        now = self.service.clock.now()
        ours = [s for s in self._sessions.values() if s.state.platform == platform]
        if ours:
            kept = await self.store.renew([s.state.id for s in ours], self.owner, now + self.lease)
            for session in ours:
                if session.state.id not in kept:
                    self._drop(session)
        taken = await self._take(platform, await self.store.active(platform), steal=set())
        for c in taken:
            if (c.platform, c.workspace, c.channel) not in self._sessions:
                log.warning("competition %s in %s taken over from a silent process", c.id,
                            c.channel)  # fmt: skip
                self._track(c)
        return len(taken)

    async def _take(
        self, platform: str, active: list[Competition], *, steal: set[str]
    ) -> list[Competition]:
        """`store.take`, skipped (no write) when every running game is already ours."""
        ours = {s.state.id for s in self._sessions.values()}
        if all(c.id in ours for c in active):
            return []
        now = self.service.clock.now()
        return await self.store.take(platform, self.owner, now, now + self.lease, steal=steal)

    def _drop(self, session: ChannelSession) -> None:
        """Another process runs this game now: stop its timer here (from inside it, too)."""
        session.closed = True
        session.wake.set()
        if self._sessions.get(session.where) is session:
            del self._sessions[session.where]
        log.info("competition %s: lease lost, its timer runs elsewhere", session.state.id)

    async def _stop_keeping(self) -> None:
        """End the lease rounds (on close); the leases lapse and another process takes over."""
        if self._leases is not None:
            self._leases.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._leases
            self._leases = None
