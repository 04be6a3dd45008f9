"""When Discord refuses the bot's reply: expired interactions, 429s and 5xx on replies.

The fake's knobs make Discord fail on demand (`fail`, `response_window`); each test checks what
the log says (a warning with the route, never an error with a traceback, never a token), that
the bot keeps serving, and that an answer recorded before its reply failed stays recorded.
discord.py retries a webhook 5xx (callbacks, followups) after 1, 3, 5... s and a 429 after its
Retry-After, five tries in all: the tests refuse five times with a short Retry-After, so the
library gives up quickly and the bot's own handling is what runs. A channel post's 503 is
raised at once (tests/adapters/discord/test_competition.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path

import pytest

from tests.adapters.discord.conftest import Env
from tests.adapters.discord.fake_discord import APP_ID, MANAGE_GUILD, Call
from tests.adapters.discord.test_discord import _capital, _right

REFUSED = "Discord did not take my reply just now"


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.startswith("bot.")
    ]


@contextlib.contextmanager
def listening(text: str) -> Iterator[asyncio.Event]:
    """An event set when the bot logs a warning containing `text` (it works in its own tasks)."""
    heard = asyncio.Event()

    class Ear(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if text in record.getMessage():
                heard.set()

    ear, logger = Ear(logging.WARNING), logging.getLogger("bot")
    logger.addHandler(ear)
    try:
        yield heard
    finally:
        logger.removeHandler(ear)


@contextlib.asynccontextmanager
async def unanswered(call: Awaitable[Call]) -> AsyncIterator[None]:
    """Run an interaction whose callback Discord will refuse, so the test cannot await it."""
    task = asyncio.ensure_future(call)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await task


def answers(db: Path) -> list[tuple[str, int]]:
    """(card id, correct) of every review recorded, read apart from the bot."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT card_id, correct FROM review_log ORDER BY id").fetchall()


def no_tokens(caplog: pytest.LogCaptureFixture) -> None:
    """Interaction tokens are secrets: the bot's log lines show `{token}` instead."""
    assert not any("token-" in m for m in warnings(caplog))


async def test_an_answer_replied_to_too_late_is_kept_and_logged_as_expired(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """Past Discord's 3 s the reply gets 10062: 'interaction expired' at warning, no traceback,
    and the answer stays recorded (a second click shows it, counted once)."""
    fake = env.fake
    question = await fake.command("quiz", {"deck": "geo", "questions": 2})
    city = _capital(question)
    fake.response_window = 0.0  # every reply from now on comes too late
    with listening("interaction expired") as heard:
        async with unanswered(fake.click(question, _right(question, city))):
            await asyncio.wait_for(heard.wait(), 10)
    assert [code for _, _, code in fake.refused] == [10062]  # no second try at a dead token
    assert answers(env.db) == [(city.lower(), 1)]
    fake.response_window = 3.0
    again = await fake.click(question, _right(question, city))
    assert "Already recorded; counted once." in again.text and len(answers(env.db)) == 1
    no_tokens(caplog)


async def test_a_failed_error_reply_is_logged_not_raised(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """The error reply itself is refused (429, five times): a warning naming the route, nothing
    raised (the no-errors fixture fails on a traceback), and the next command is served."""
    fake = env.fake
    fake.fail("callback", 429, times=5, retry_after=0.01)
    with listening("could not tell the user") as heard:
        async with unanswered(fake.command("study", {"deck": "nope"})):
            await asyncio.wait_for(heard.wait(), 10)
    told = next(m for m in warnings(caplog) if "could not tell the user" in m)
    assert "/study" in told and "/callback: 429" in told and "/{token}/" in told
    decks = await fake.command("decks")
    assert "Geography" in decks.text
    no_tokens(caplog)


async def test_a_refused_feedback_keeps_the_answer(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord refuses the feedback (429, five times): the warning names the route, the learner
    is told to try again, and the answer was committed first (a second click shows it, counted
    once)."""
    fake = env.fake
    question = await fake.command("quiz", {"deck": "geo", "questions": 2})
    city = _capital(question)
    fake.fail("callback", 429, times=5, retry_after=0.01)
    told = await fake.click(question, _right(question, city))
    assert told.ephemeral and REFUSED in told.text
    refused = next(m for m in warnings(caplog) if "Discord refused the reply" in m)
    assert "qb:choice:" in refused and "/callback: 429" in refused
    assert [correct for _, correct in answers(env.db)] == [1]
    again = await fake.click(question, _right(question, city))
    assert "Already recorded; counted once." in again.text and len(answers(env.db)) == 1
    no_tokens(caplog)


async def test_a_refused_followup_is_logged_with_its_route(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    """/deck reload's report followup is refused (a 502, then 429s: discord.py gives up): a
    warning with the webhook route, and a followup that says to try again; the cog works on."""
    fake = env.fake
    fake.fail("followup", 502)
    fake.fail("followup", 429, times=4, retry_after=0.01)
    done = await fake.command("deck", sub="reload", permissions=MANAGE_GUILD)
    assert done.type == 5
    told = await fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == done.interaction_id
    )
    assert told.ephemeral and REFUSED in told.text
    refused = next(m for m in warnings(caplog) if "Discord refused the reply" in m)
    assert f"/deck reload: POST /api/v10/webhooks/{APP_ID}/{{token}}: 429" in refused
    again = await fake.command("deck", sub="reload", permissions=MANAGE_GUILD)
    report = await fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == again.interaction_id
    )
    assert "Decks reloaded" in report.text
    no_tokens(caplog)
