"""Start the bot the way `quizbot run discord` does, against the fake Discord, and stop it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from bot.app.deck_book import DeckBook
from bot.app.study import QuizService
from bot.core.ports import Clock
from bot.process import platforms
from bot.process.platforms import run_discord
from bot.process.settings import Settings
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


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings,
    ready_within: float = 10.0,
    *,
    clock: Clock | None = None,
    books: list[DeckBook] | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    """Run `run_discord(settings)` as a task until ready; fail fast if it dies; cancel after.

    `books` receives the DeckBook `bootstrap.build_deck_book` made for the bot, for tests that
    look at what it stored or give it another parser."""
    watch = _ReadyWatch()
    logger = logging.getLogger("bot.adapters.discord.client")
    logger.addHandler(watch)
    logger.setLevel(logging.INFO)
    built = platforms.build_deck_book

    def recording(service: QuizService) -> DeckBook:
        book = built(service)
        assert books is not None
        books.append(book)
        return book

    if books is not None:
        platforms.build_deck_book = recording  # type: ignore[assignment]
    task = asyncio.create_task(run_discord(settings, clock=clock, guild_ready_timeout=0.05))
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
        platforms.build_deck_book = built  # type: ignore[assignment]
        ready.cancel()
        logger.removeHandler(watch)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
