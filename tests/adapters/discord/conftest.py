"""Fixtures: a fake Discord, small decks, and the bot running against both."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app.deck_book import DeckBook
from tests.adapters.discord._payloads import Call
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.discord.harness import running_bot, settings_for
from tests.fakes import FixedClock

DECK = """\
deck: {id: geo, name: Geography}
cards:
  - id: paris
    question: What is the capital of France?
    answer: Paris
    choices: [Paris, Rome, Berlin, Madrid]
  - id: rome
    question: What is the capital of Italy?
    answer: Rome
    choices: [Rome, Paris, Berlin, Madrid]
  - id: berlin
    question: What is the capital of Germany?
    answer: Berlin
    choices: [Berlin, Rome, Paris, Madrid]
"""

SOLO = """\
deck: {id: solo, name: Solo}
cards:
  - id: h2o
    question: What is the chemical formula of water?
    answer: H2O
    accept: [H2O]
"""

PING = """\
deck: {id: ping, name: Pings}
cards:
  - id: everyone
    question: "Who reads @everyone and <@&123456789012345678>?"
    answer: "@here"
"""


@dataclass
class Env:
    fake: FakeDiscord
    db: Path
    questions: Path
    book: DeckBook | None = None
    """The bot's DeckBook (`deck_env` only)."""
    clock: FixedClock | None = None
    """The bot's clock, which the test moves (`deck_env` only)."""


@pytest.fixture
def questions(tmp_path: Path) -> Path:
    folder = tmp_path / "questions"
    folder.mkdir()
    (folder / "geo.yaml").write_text(DECK)
    (folder / "solo.yaml").write_text(SOLO)
    (folder / "ping.yaml").write_text(PING)
    return folder


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A strict fake: a test fails if the bot sent anything Discord would refuse as invalid."""
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()
    assert not server.violations, "\n".join(
        f"{path}: {problem}" for path, problems in server.violations for problem in problems
    )


@pytest.fixture
async def env(fake: FakeDiscord, tmp_path: Path, questions: Path) -> AsyncIterator[Env]:
    """The bot running as `quizbot run discord` would, on a fresh database."""
    db = tmp_path / "quiz.sqlite3"
    async with running_bot(settings_for(fake, db, questions)):
        yield Env(fake, db, questions)


@pytest.fixture
async def deck_env(fake: FakeDiscord, tmp_path: Path, questions: Path) -> AsyncIterator[Env]:
    """The bot on a clock the test moves, with the DeckBook `bootstrap.build_deck_book` made."""
    books: list[DeckBook] = []
    clock = FixedClock()
    db = tmp_path / "quiz.sqlite3"
    async with running_bot(settings_for(fake, db, questions), clock=clock, books=books):
        yield Env(fake, db, questions, books[0], clock)


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """discord.py logs handler exceptions instead of raising them: fail the test on any."""
    yield
    errors = [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith(("discord", "bot.adapters"))
    ]
    assert not errors, [r.getMessage() for r in errors]


async def typed_question(env: Env) -> Call:
    """A typed-answer card: the solo card rated Easy and come back to two months later until
    it is known well enough to be typed (a card being learned is a flashcard)."""
    assert env.clock is not None
    for _ in range(6):
        question = await env.fake.command("study", {"deck": "solo"})
        if question.custom_ids[0].startswith("qb:type:"):
            return question
        shown = await env.fake.click(question, question.custom_ids[0])
        easy = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":4"))
        await env.fake.click(shown, easy)
        env.clock.advance(days=60)
    raise AssertionError("the solo card never came back as typed recall")
