"""The composition root: settings in, a ready QuizService (and the DeckBook the chat `/deck`
commands use) out. Built in `main()`, never at import.

`open_repository` is the one place that picks the back-end: PostgreSQL when
`QUIZBOT_DATABASE_URL` is set, else the SQLite file at `QUIZBOT_DB`. Either hands out the
feature stores (`bot.app.ports.Stores`), so nothing else changes with the choice.
"""

from __future__ import annotations

import logging
import random
from functools import partial

from bot.app.deck_book import DeckBook
from bot.app.study import QuizService
from bot.core.library import Library
from bot.core.ports import Clock, SystemClock
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig
from bot.process.deck_loading import load_library, load_or_report
from bot.process.deck_upload import UploadParser
from bot.process.settings import Settings
from bot.storage.postgres import PostgresRepository
from bot.storage.sqlite import SqliteRepository

log = logging.getLogger(__name__)

Backend = SqliteRepository | PostgresRepository


async def open_repository(settings: Settings) -> Backend:
    """The repository the settings name; StorageError when it cannot be opened."""
    if settings.database_url is not None:
        return await PostgresRepository.open(settings.database_url.get_secret_value())
    return await SqliteRepository.open(settings.db)


async def build_service(
    settings: Settings, *, clock: Clock | None = None, rng: random.Random | None = None
) -> QuizService:
    """The folder's decks and every workspace's chat decks in one Library; a reload re-reads
    both (`QuizService.reload_decks`)."""
    folder = await load_or_report(settings.questions)
    repo = await open_repository(settings)
    try:
        chat_decks = await repo.chat_deck_store().decks()
    except BaseException:
        await repo.close()
        raise
    log.info("loaded %d chat decks from the database", len(chat_decks))
    return QuizService(
        repo,
        Library.of((*folder.decks, *chat_decks), folder.errors),
        clock=clock or SystemClock(),
        scheduler=Scheduler(desired_retention=settings.desired_retention),
        selection=SelectionConfig(new_per_day=settings.new_per_day),
        rng=rng,
        fast_seconds=settings.fast_seconds,
        loader=partial(load_library, settings.questions),
        parameters=repo.fit_store().parameters,
    )


def build_deck_book(service: QuizService) -> DeckBook:
    """Chat decks in the service's database (its repository's store), uploads parsed in a
    child process with a time budget (`bot.process.deck_upload`)."""
    return DeckBook.over(service, UploadParser())
