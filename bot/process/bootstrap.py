"""The composition root: settings in, a ready QuizService (and the DeckBook the chat `/deck`
commands use) out. Built in `main()`, never at import."""

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
from bot.storage.chat_decks import ChatDeckStore
from bot.storage.fitting import FitStore
from bot.storage.sqlite import SqliteRepository

log = logging.getLogger(__name__)


async def build_service(
    settings: Settings, *, clock: Clock | None = None, rng: random.Random | None = None
) -> QuizService:
    """The folder's decks and every workspace's chat decks in one Library; a reload re-reads
    both (`QuizService.reload_decks`)."""
    folder = await load_or_report(settings.questions)
    repo = await SqliteRepository.open(settings.db)
    chat = ChatDeckStore(repo)
    try:
        chat_decks = await chat.decks()
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
        chat_decks=chat.decks,
        parameters=FitStore(repo).parameters,
    )


def build_deck_book(service: QuizService) -> DeckBook:
    """Chat decks in the service's database, uploads parsed in a child process with a time
    budget (`bot.process.deck_upload`)."""
    return DeckBook(service, ChatDeckStore(service.repo), UploadParser())  # type: ignore[arg-type]
