"""Start the bot the way `quizbot run discord` does, against the fake Discord, and stop it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from bot.adapters.discord.client import require_token, serve_discord
from bot.core.ports import Clock
from bot.process import platforms
from bot.process.settings import Settings
from tests.adapters.discord.deck_book_double import DeckBookDouble
from tests.adapters.discord.fake_discord import GUILD2_ID, GUILD_ID, FakeDiscord

READY = "quizbot ready: discord as"


class _ReadyWatch(logging.Handler):
    """Sets an event on the ready line, as the Docker health check waits for it."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.ready = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(READY):
            self.ready.set()


def settings_for(fake: FakeDiscord, db: Path, questions: Path, *, guilds: bool = True) -> Settings:
    return Settings(
        DISCORD_TOKEN="fake-token",
        DISCORD_GUILD_IDS=f"{GUILD_ID},{GUILD2_ID}" if guilds else "",
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        QUIZBOT_DB=db,
        QUIZBOT_QUESTIONS=questions,
    )


async def run_discord(
    settings: Settings,
    *,
    clock: Clock | None = None,
    guild_ready_timeout: float = 2.0,
    books: list[DeckBookDouble] | None = None,
) -> None:
    """`bot.process.platforms.run_discord`, with the DeckBook double as its deck book."""
    token = require_token(settings)
    service = await platforms.build_service(settings, clock=clock)
    book = DeckBookDouble(service)
    if books is not None:
        books.append(book)
    async with platforms.refitting(service):
        await serve_discord(
            settings, token, service, deck_book=book, guild_ready_timeout=guild_ready_timeout
        )


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings,
    ready_within: float = 10.0,
    *,
    clock: Clock | None = None,
    books: list[DeckBookDouble] | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    """Run `run_discord(settings)` as a task until ready; fail fast if it dies; cancel after."""
    watch = _ReadyWatch()
    logger = logging.getLogger("bot.adapters.discord.client")
    logger.addHandler(watch)
    logger.setLevel(logging.INFO)
    task = asyncio.create_task(
        run_discord(settings, clock=clock, guild_ready_timeout=0.05, books=books)
    )
    ready = asyncio.create_task(watch.ready.wait())
    try:
        done, _ = await asyncio.wait(
            {task, ready}, timeout=ready_within, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()  # raises the reason it stopped
            raise AssertionError("the bot stopped before it was ready")
        if ready not in done:
            raise AssertionError("the bot was not ready in time")
        yield task
    finally:
        ready.cancel()
        logger.removeHandler(watch)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
