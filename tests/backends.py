"""Both repositories a contract test runs on: the in-memory fake and a real SQLite file."""

from __future__ import annotations

import random
from pathlib import Path

from bot.app.study import QuizService
from bot.core.library import Library
from bot.core.models import Deck
from bot.core.ports import Repository
from bot.core.scheduler import Scheduler
from bot.storage.sqlite import SqliteRepository
from tests.fakes import FixedClock, MemoryRepository

REPOSITORIES = ["memory", "sqlite"]
"""Parametrize a fixture with these and open the repository with `open_repository`."""


async def open_repository(kind: str, folder: Path) -> Repository:
    if kind == "memory":
        return MemoryRepository()
    return await SqliteRepository.open(folder / "quiz.sqlite3")


async def study_service(kind: str, folder: Path, deck: Deck, seed: int) -> QuizService:
    """A QuizService on one deck, a fixed clock and fuzz-free FSRS, over the `kind` repository."""
    return QuizService(
        await open_repository(kind, folder),
        Library.of([deck]),
        clock=FixedClock(),
        scheduler=Scheduler(enable_fuzzing=False),
        rng=random.Random(seed),
    )
