"""Competitions end to end: the real discord.py client against the fake Discord, fixed clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.discord.client import QuizBot, point_at
from bot.adapters.discord.competition import CompeteCog
from bot.app.posting import RETRY_DELAY, Retrying
from bot.process.bootstrap import build_deck_book, build_service
from tests.adapters.discord.fake_discord import ALICE, BOB, GUILD_ID, Call, FakeDiscord
from tests.adapters.discord.harness import settings_for
from tests.fakes import FixedClock

CAROL = {**BOB, "id": "700000000000000007", "username": "carol", "global_name": "Carol"}
CHANNEL = "300000000000000003"
WHERE = ("discord", GUILD_ID, CHANNEL)
CAPITALS = {"France": "Paris", "Italy": "Rome", "Germany": "Berlin"}


@contextlib.asynccontextmanager
async def bot_with_clock(
    fake: FakeDiscord, db: Path, questions: Path, clock: FixedClock
) -> AsyncIterator[QuizBot]:
    """The bot as run_discord builds it, but on a clock the test moves."""
    settings = settings_for(fake, db, questions)
    point_at(settings)
    service = await build_service(settings, clock=clock, rng=random.Random(5))
    bot = QuizBot(service, build_deck_book(service), settings.guild_ids, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start("fake-token"))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await service.close()


def cog(bot: QuizBot) -> CompeteCog:
    found = bot.get_cog("Compete")
    assert isinstance(found, CompeteCog)
    return found


def option(call: Call, right: bool) -> str:
    """The custom id of the right (or a wrong) answer button on a round message."""
    city = next(c for k, c in CAPITALS.items() if f"capital of {k}" in call.text)
    buttons = [b for row in call.data["components"] for b in row["components"]]
    return next(b["custom_id"] for b in buttons if b["label"].endswith(f". {city}") == right)


async def channel_post(fake: FakeDiscord, text: str) -> Call:
    return await fake.wait_for(lambda c: c.kind == "channel" and text in c.text)


@pytest.fixture
async def game(fake: FakeDiscord, tmp_path: Path, questions: Path) -> AsyncIterator[QuizBot]:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    async with bot_with_clock(fake, tmp_path / "quiz.sqlite3", questions, clock) as bot:
        bot.test_clock = clock  # type: ignore[attr-defined]
        yield bot


async def test_three_player_team_competition(fake: FakeDiscord, game: QuizBot) -> None:
    """Lobby with teams, three rounds, hidden answers, podium, and the competitions board."""
    clock: FixedClock = game.test_clock  # type: ignore[attr-defined]
    lobby = await fake.command(
        "compete", {"deck": "geo", "rounds": 3, "seconds": 5, "teams": "on"}, sub="start"
    )
    assert lobby.type == 4 and not lobby.ephemeral and "Competition lobby" in lobby.text
    cid = next(i for i in lobby.custom_ids if i.startswith("qb:cj:")).split(":")[2]
    assert {f"qb:ct:{cid}:0", f"qb:ct:{cid}:1", f"qb:cs:{cid}"} <= set(lobby.custom_ids)
    joined = await fake.click(lobby, f"qb:ct:{cid}:0", user=BOB)
    assert joined.type == 7 and "Bob (Red)" in joined.text
    joined = await fake.click(joined, f"qb:cj:{cid}", user=CAROL)
    assert "Carol" in joined.text

    again = await fake.command("compete", {"deck": "geo"}, sub="start", user=BOB)
    assert again.ephemeral and "already running" in again.text
    refused = await fake.command("compete", sub="stop", user=BOB)
    assert refused.ephemeral and "Only the one who started" in refused.text

    started = await fake.click(joined, f"qb:cs:{cid}")
    assert started.type == 7 and not started.custom_ids
    for n in (1, 2, 3):
        question = await channel_post(fake, f"Round {n}/3")
        assert "<t:" in question.text and ":R>" in question.text
        locked = await fake.click(question, option(question, True), user=ALICE)
        assert locked.ephemeral and "locked in" in locked.text
        clock.advance(seconds=2)  # Bob is right two seconds later: less speed bonus
        await fake.click(question, option(question, True), user=BOB)
        twice = await fake.click(question, option(question, False), user=BOB)
        assert twice.ephemeral and "already answered" in twice.text
        await fake.click(question, option(question, False), user=CAROL)
        closed = await channel_post(fake, f"Round {n} closed")
        # an unseen card pays 100 x (1.5 - 0.5) plus 50 x the share of the 5 s left
        assert "Right: Alice (+150), Bob (+130)" in closed.text
        standings = closed.text.split("Standings: ", 1)[1].split("\nTeams: ")[0]
        assert standings == (
            f"**1.** Alice (Blue) · {150 * n} pts\n**2.** Bob (Red) · {130 * n} pts\n"
            "**3.** Carol (Red) · 0 pts"
        )
        clock.advance(seconds=5)
        await cog(game).comps.tick(WHERE)

    podium = await channel_post(fake, "Podium")
    assert podium.data["embeds"][0]["description"] == (
        "🥇 Alice (Blue) · 450 pts\n🥈 Bob (Red) · 390 pts\n🥉 Carol (Red) · 0 pts"
    )
    assert "Winning team: Blue · 450 pts" in podium.text  # Red's mean is (390 + 0) / 2
    board = await fake.command("leaderboard", {"period": "competitions"})
    assert board.data["embeds"][0]["description"].splitlines() == [
        f"**1.** <@{ALICE['id']}> · 450 pts",
        f"**2.** <@{BOB['id']}> · 390 pts",
        f"**3.** <@{CAROL['id']}> · 0 pts",
    ]
    assert "You: #1 · 450 pts" in board.text
    bob = await fake.command("leaderboard", {"period": "competitions"}, user=BOB)
    assert "You: #2 · 390 pts" in bob.text


async def test_stop_by_starter_posts_the_standings(fake: FakeDiscord, game: QuizBot) -> None:
    """The starter stops a running game; the channel gets the standings so far."""
    lobby = await fake.command("compete", {"deck": "geo", "seconds": 5}, sub="start")
    cid = next(i for i in lobby.custom_ids if i.startswith("qb:cs:")).split(":")[2]
    await fake.click(lobby, f"qb:cs:{cid}")
    await channel_post(fake, "Round 1/3")
    stopped = await fake.command("compete", sub="stop")
    assert stopped.ephemeral and "stopped" in stopped.text
    await channel_post(fake, "Competition stopped")
    assert cog(game).comps.current(WHERE) is None


async def begun(fake: FakeDiscord, game: QuizBot, waits: list[float]) -> Call:
    """A one-player lobby on geo, started: the Start click's callback. Retries wait no time;
    `waits` gets each wait the service asked for."""

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    cog(game).comps.retrying = Retrying(sleep=wait)
    lobby = await fake.command("compete", {"deck": "geo", "rounds": 2, "seconds": 5}, sub="start")
    cid = next(i for i in lobby.custom_ids if i.startswith("qb:cs:")).split(":")[2]
    return await fake.click(lobby, f"qb:cs:{cid}")


async def test_a_round_refused_once_is_posted_again_and_scored(
    fake: FakeDiscord, game: QuizBot
) -> None:
    """Discord rate-limits round 1 (429 five times: discord.py gives up): the service waits the
    Retry-After it passed on, posts the round again, and the answer to it is scored."""
    fake.fail("channel", 429, times=5, retry_after=0.01)
    waits: list[float] = []
    await begun(fake, game, waits)
    question = await channel_post(fake, "Round 1/2")
    assert waits == [0.01] and [r[1] for r in fake.refused] == [429] * 5
    await fake.click(question, option(question, True))
    closed = await channel_post(fake, "Round 1 closed")
    assert "Right: Alice (+150)" in closed.text


async def test_a_channel_that_refuses_rounds_ends_the_game(
    fake: FakeDiscord, game: QuizBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Round 1 refused twice (503): the game stops, says why in the channel, logs the channel;
    no round is played unseen and nobody is scored."""
    fake.fail("channel", 503, times=2)
    waits: list[float] = []
    started = await begun(fake, game, waits)
    assert "The lobby is closed" in started.text and waits == [RETRY_DELAY]
    notice = await channel_post(fake, "could not be posted")
    assert notice.payload["allowed_mentions"] == {"parse": []}
    assert cog(game).comps.current(WHERE) is None
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"channel {CHANNEL}" in m and "stopped" in m for m in warned)
    assert any(f"POST /api/v10/channels/{CHANNEL}/messages: 503" in m for m in warned)
    clock: FixedClock = game.test_clock  # type: ignore[attr-defined]
    clock.advance(minutes=1)
    assert await cog(game).comps.tick(WHERE) is None
    assert [c.text for c in fake.calls if c.kind == "channel"] == [notice.text]
    board = await fake.command("leaderboard", {"period": "competitions"})
    assert "No competition points yet" in board.text


async def test_a_refused_round_result_loses_no_answer(
    fake: FakeDiscord, game: QuizBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The last answer closes the round and Discord refuses the result post (503, twice): the
    player still gets 'locked in', the warning names the route, and the points are kept."""
    await begun(fake, game, [])
    question = await channel_post(fake, "Round 1/2")
    fake.fail("channel", 503, times=2)
    locked = await fake.click(question, option(question, True))
    assert locked.ephemeral and "locked in" in locked.text
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "post_round_result" in m and f"POST /api/v10/channels/{CHANNEL}/messages: 503" in m
        for m in warned
    )
    board = await fake.command("leaderboard", {"period": "competitions"})
    assert "You: #1 · 150 pts" in board.text
