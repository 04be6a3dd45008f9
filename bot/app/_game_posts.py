"""How a competition is shown: what an adapter implements, and the service's posting side.

A channel that refuses posts: a post that fails is tried once more after a short pause (the
platform's Retry-After when the adapter passes it on, see `bot.app.posting`), and a round that
still cannot be shown stops the game (saved as stopped, a short notice attempted, a warning
logged with the channel) rather than playing rounds nobody sees to a podium nobody scored on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from bot.app._channel import ChannelSession
from bot.app.ports import CompetitionStorage
from bot.app.posting import Retrying
from bot.app.study import QuizService
from bot.core import competition as game
from bot.core.competition import Competition, Phase

# Logged under the service's name, as before these methods moved here.
log = logging.getLogger("bot.app.competitions")

UNSEEN = (
    "This competition stopped: its questions could not be posted in this channel. "
    "Check that the bot may send messages here, then start again."
)


class Poster(Protocol):
    """What an adapter implements to show a competition; each call posts in `c.channel`."""

    async def post_lobby(self, c: Competition) -> None: ...
    async def post_round(self, c: Competition) -> None: ...
    async def post_round_result(self, c: Competition) -> None: ...
    async def post_podium(self, c: Competition) -> None: ...


@runtime_checkable
class Notices(Protocol):
    """A poster that can also post one line of text (a game the bot had to stop says why);
    without it, that game's podium, titled as stopped, is the notice."""

    async def post_notice(self, c: Competition, text: str) -> None: ...


class GamePosting:
    """CompetitionService's posting side, apart so the game's rules and its posts read alone."""

    service: QuizService
    store: CompetitionStorage
    poster: Poster
    retrying: Retrying
    owner: str
    _set: Callable[[ChannelSession, Competition], None]

    async def _announce(self, session: ChannelSession, old: Competition, new: Competition) -> None:
        if old.phase is Phase.ROUND and new.phase in (Phase.BETWEEN_ROUNDS, Phase.FINISHED):
            await self._post(self.poster.post_round_result, new)
        was = (old.phase, old.round_no)
        opened = new.phase is Phase.ROUND and was != (Phase.ROUND, new.round_no)
        if opened and not await self._post_round(session):
            await self._halt(session)
            return
        if old.phase.active and not new.phase.active:
            await self._post(self.poster.post_podium, new)
            log.info("competition %s ended: %s", new.id, new.phase)

    async def _post(self, post: Callable[[Competition], Awaitable[None]], c: Competition) -> bool:
        """Post, and once more after a pause if that fails; a failure is logged, never raised."""
        what = f"competition {c.id} {post.__name__} in channel {c.channel}"
        return await self.retrying.post(lambda: post(c), what)

    async def _post_round(self, session: ChannelSession) -> bool:
        """Show the round just opened; a retried post restarts its clock (nobody saw it)."""

        async def restart() -> None:
            late = game.restart_round(session.state, self.service.clock.now())
            if late != session.state:
                await self.store.save(late, owner=self.owner)
                self._set(session, late)

        c = session.state
        return await self.retrying.post(
            lambda: self.poster.post_round(session.state),
            f"competition {c.id} round {c.round_no} in channel {c.channel}",
            before_retry=restart,
        )

    async def _halt(self, session: ChannelSession) -> None:
        """A round nobody can see: stop the game, saved as stopped, and try to say why."""
        c = game.halt(session.state)
        await self.store.save(c, owner=self.owner)
        self._set(session, c)
        log.warning(
            "competition %s stopped: round %d could not be posted in channel %s (%s, %s)",
            c.id, c.round_no, c.channel, c.platform, c.workspace,
        )  # fmt: skip
        try:
            if isinstance(self.poster, Notices):
                await self.poster.post_notice(c, UNSEEN)
            else:
                await self.poster.post_podium(c)
        except Exception as error:
            log.warning("competition %s: could not post why it stopped: %s", c.id, error)
