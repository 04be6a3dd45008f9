"""Competitions end to end over signed HTTP against the fake Slack, with a clock the test moves."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import competition
from bot.adapters.slack.app import build_app
from bot.adapters.slack.server import start_http
from bot.process.bootstrap import build_service
from tests.adapters.slack.conftest import (
    CAPITALS,
    CHANNEL,
    TEAM,
    FakeClock,
    SlackHarness,
    make_settings,
)
from tests.adapters.slack.fake_slack import FakeSlack, buttons, mrkdwn_texts, wait_until

WHERE = ("slack", TEAM, CHANNEL)


class Game(SlackHarness):
    comps: competition.SlackCompetitions


@pytest.fixture
async def game(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Game]:
    settings = make_settings(tmp_path, fake)
    clock = FakeClock()
    service = await build_service(settings, clock=clock, rng=random.Random(7))
    app = build_app(settings, service)
    server = await start_http(app, "127.0.0.1", 0)
    harness = Game(fake, service, clock, f"http://127.0.0.1:{server.port}/slack/events")
    comps = competition.of(app)
    assert comps is not None
    harness.comps = comps
    yield harness
    await comps.close()
    await harness.close()
    await server.close()
    await service.close()


def posts(fake: FakeSlack) -> list[dict[str, Any]]:
    found = []
    for args in fake.called("chat.postMessage"):
        blocks = args.get("blocks")
        found.append({**args, "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks})
    return found


async def posted(fake: FakeSlack, text: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        return next((m for m in posts(fake) if text in " ".join(mrkdwn_texts(m))), None)

    await wait_until(lambda: find() is not None)
    found = find()
    assert found is not None
    return found


async def reply(fake: FakeSlack, before: int) -> str:
    await wait_until(lambda: len(fake.responses) > before)
    return " ".join(mrkdwn_texts(fake.responses[before]))


def option(message: dict[str, Any], right: bool) -> dict[str, Any]:
    text = " ".join(mrkdwn_texts(message))
    city = next(c for k, c in CAPITALS.items() if f"capital of {k}" in text)
    answers = [b for a, b in buttons(message).items() if a.startswith("compete.answer.")]
    return next(b for b in answers if b["text"]["text"].endswith(f". {city}") == right)


async def test_three_player_team_competition(game: Game) -> None:
    """Teams lobby, three rounds, hidden answers, podium, then the competitions board."""
    fake = game.fake
    assert await game.command("compete start capitals 3 5 teams", user="U1") == 200
    lobby = await posted(fake, "Competition lobby")
    assert {"compete.join", "compete.team.0", "compete.team.1", "compete.start"} <= set(
        buttons(lobby)
    )
    n = len(fake.responses)
    await game.click(buttons(lobby)["compete.team.0"], user="U2")
    assert "(Red)" in await reply(fake, n)
    await game.click(buttons(lobby)["compete.join"], user="U3")
    assert "• u3" in await reply(fake, n + 1)

    await game.command("compete start capitals", user="U2")
    assert "already running" in await reply(fake, n + 2)
    await game.command("compete stop", user="U2")
    assert "Only the one who started" in await reply(fake, n + 3)

    await game.click(buttons(lobby)["compete.start"], user="U1")
    for r in (1, 2, 3):
        question = await posted(fake, f"Round {r}/3")
        assert any("<!date^" in t for t in mrkdwn_texts(question))
        n = len(fake.responses)
        await game.click(option(question, True), user="U1")
        assert "locked in" in await reply(fake, n)
        await game.click(option(question, True), user="U2")
        await game.click(option(question, False), user="U2")
        assert "already answered" in await reply(fake, n + 2)
        await game.click(option(question, False), user="U3")
        await posted(fake, f"Round {r} closed")
        game.clock.at += timedelta(seconds=5)
        await game.comps.comps.tick(WHERE)

    podium = " ".join(mrkdwn_texts(await posted(fake, "Podium")))
    assert "first_place_medal" in podium and "Winning team" in podium
    await game.command("leaderboard competitions", user="U3")
    board = " ".join(mrkdwn_texts(await posted(fake, "Leaderboard · competitions")))
    assert "Ada" in board and "You: #3" in board
