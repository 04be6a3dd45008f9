"""Loading decks off the event loop, in a child process with a time budget (deck_loading.py)."""

from __future__ import annotations

import asyncio
import os
import random
from functools import partial
from pathlib import Path

from bot.app.study import QuizService
from bot.core.library import Library
from bot.core.models import Deck
from bot.core.scheduler import Scheduler
from bot.process.deck_loading import load_library, load_or_report
from tests.fakes import FixedClock, MemoryRepository

GOOD = "deck: {id: capitals, name: Capitals}\ncards:\n  - question: Capital of France?\n    answer: Paris\n"


def _big_deck(folder: Path, cards: int = 10_000) -> None:
    rows = "".join(
        f"  - id: c{i}\n    question: Question number {i}?\n    answer: Answer {i}\n"
        f"    accept: [a{i}, b{i}]\n    tags: [t{i % 20}]\n"
        for i in range(cards)
    )
    (folder / "big.yaml").write_text("deck: {id: big, name: Big}\ncards:\n" + rows, "utf-8")


async def test_the_folder_loads_in_a_worker_with_its_errors(tmp_path: Path) -> None:
    """Decks come back from the child process; a FIFO and a loop are errors, not hangs."""
    (tmp_path / "capitals.yaml").write_text(GOOD, "utf-8")
    os.mkfifo(tmp_path / "pipe.yaml")
    os.symlink(tmp_path / "loop.yaml", tmp_path / "loop.yaml")
    library = await load_library(tmp_path, budget=120)
    assert [d.id for d in library.decks] == ["capitals"]
    assert sorted(Path(e.path).name for e in library.errors) == ["loop.yaml", "pipe.yaml"]


async def test_over_the_budget_the_load_is_stopped_with_a_clear_error(tmp_path: Path) -> None:
    """A load that cannot finish in its budget is killed; start-up goes on with no decks."""
    _big_deck(tmp_path)
    library = await load_or_report(tmp_path, budget=0.001)
    assert library.decks == ()
    [error] = library.errors
    assert error.path == str(tmp_path) and "took over 0.001 s" in error.message


def _service(tmp_path: Path, loader) -> QuizService:
    kept = Deck("kept", "Kept", ())
    return QuizService(
        MemoryRepository(),
        Library.of([kept]),
        clock=FixedClock(),
        scheduler=Scheduler(enable_fuzzing=False),
        rng=random.Random(1),
        loader=loader,
    )


async def test_a_reload_of_a_huge_deck_leaves_the_loop_free(tmp_path: Path) -> None:
    """While 10,000 cards load, another coroutine on the loop keeps being scheduled."""
    _big_deck(tmp_path)
    service = _service(tmp_path, partial(load_library, tmp_path, 120))
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    ticking = asyncio.create_task(ticker())
    report = await service.reload_decks()
    done.set()
    await ticking
    assert [(d.id, d.cards) for d in report.decks] == [("big", 10_000)]
    assert ticks >= 50, f"the loop ran only {ticks} times during the reload"


async def test_a_reload_over_budget_keeps_the_decks_loaded_before(tmp_path: Path) -> None:
    """`/deck reload` past the budget reports why and the bot goes on with the old decks."""
    _big_deck(tmp_path)
    service = _service(tmp_path, partial(load_library, tmp_path, 0.001))
    report = await service.reload_decks()
    assert [d.id for d in report.decks] == ["kept"]
    assert "took over" in report.errors[0].message
    assert [d.id for d in service.library.decks] == ["kept"]
