"""Running a chat platform: check its settings, build the services, hand them to the adapter.

The adapters never build their own services (they would have to know the storage): this module
is where the process layer wires them, so the same adapter runs over SQLite today and any other
repository tomorrow.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.adapters.discord.client import require_token, serve_discord
from bot.adapters.slack.app import serve_slack, transport
from bot.app.fitting import FittingService
from bot.app.study import QuizService
from bot.core.ports import Clock
from bot.process.bootstrap import build_deck_book, build_service
from bot.process.settings import Settings


async def run_discord(
    settings: Settings, *, clock: Clock | None = None, guild_ready_timeout: float = 2.0
) -> None:
    """The Discord bot until cancelled; MissingSetting before anything opens without a token."""
    token = require_token(settings)
    service = await build_service(settings, clock=clock)
    deck_book = build_deck_book(service)
    async with refitting(service):
        await serve_discord(
            settings,
            token,
            service,
            deck_book=deck_book,
            guild_ready_timeout=guild_ready_timeout,
        )


async def run_slack(settings: Settings, *, clock: Clock | None = None) -> None:
    """The Slack app until cancelled; MissingSetting before anything opens without its tokens."""
    mode = transport(settings)
    service = await build_service(settings, clock=clock)
    deck_book = build_deck_book(service)
    async with refitting(service):
        await serve_slack(settings, mode, service, deck_book=deck_book)


@contextlib.asynccontextmanager
async def refitting(service: QuizService) -> AsyncIterator[None]:
    """The weekly per-workspace FSRS refit runs beside the bot (`bot.app.fitting`)."""
    task = asyncio.create_task(FittingService.over(service).run_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
