"""The composition root: settings in, a ready QuizService out. Built in `main()`, never at import."""

from __future__ import annotations

import logging
import random
from functools import partial
from pathlib import Path

from bot.app.study import QuizService
from bot.core.decks import load_questions
from bot.core.library import Library
from bot.core.ports import Clock, SystemClock
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig
from bot.process.settings import Settings
from bot.storage.fitting import FitStore
from bot.storage.sqlite import SqliteRepository

log = logging.getLogger(__name__)


def load_library(questions: Path) -> Library:
    """Load every deck; a broken one is logged with its file and line and left out."""
    decks, errors = load_questions(questions)
    for error in errors:
        log.error("deck not loaded: %s", error)
    for deck in decks:
        for warning in deck.warnings:
            log.warning("%s:%d: %s", deck.path, warning.line, warning.message)
    log.info(
        "loaded %d decks (%d cards) from %s",
        len(decks),
        sum(len(d.cards) for d in decks),
        questions,
    )
    return Library.of(decks, errors)


async def build_service(
    settings: Settings, *, clock: Clock | None = None, rng: random.Random | None = None
) -> QuizService:
    library = load_library(settings.questions)
    repo = await SqliteRepository.open(settings.db)
    return QuizService(
        repo,
        library,
        clock=clock or SystemClock(),
        scheduler=Scheduler(desired_retention=settings.desired_retention),
        selection=SelectionConfig(new_per_day=settings.new_per_day),
        rng=rng,
        fast_seconds=settings.fast_seconds,
        loader=partial(load_library, settings.questions),
        parameters=FitStore(repo).parameters,
    )
