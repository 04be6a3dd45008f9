"""Competitions end to end over signed HTTP against the fake Slack, with a clock the test moves."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack import competition
from tests.adapters.slack.conftest import (
    CAPITALS,
    CHANNEL,
    TEAM,
    FakeClock,
    SlackHarness,
    make_settings,
    served,
)
from tests.adapters.slack.fake_slack import FakeSlack, buttons, mrkdwn_texts, wait_until

WHERE = ("slack", TEAM, CHANNEL)


class Game(SlackHarness):
    comps: competition.SlackCompetitions


@pytest.fixture
async def game(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Game]:
    async with served(make_settings(tmp_path, fake), fake, FakeClock(), Game) as (harness, comps):
        harness.comps = comps
        yield harness


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


def text(message: dict[str, Any]) -> str:
    return " ".join(mrkdwn_texts(message))


def option(message: dict[str, Any], right: bool) -> dict[str, Any]:
    text = " ".join(mrkdwn_texts(message))
    city = next(c for k, c in CAPITALS.items() if f"capital of {k}" in text)
    answers = [b for a, b in buttons(message).items() if a.startswith("compete.answer.")]
    return next(b for b in answers if b["text"]["text"].endswith(f". {city}") == right)


async def test_three_player_team_competition(game: Game) -> None:
    """Teams lobby, three rounds, hidden answers, podium, then the competitions board."""
    fake = game.fake
    assert (await game.command("compete start capitals 3 5 teams", user="U1")).status == 200
    lobby = await posted(fake, "Competition lobby")
    assert {"compete.join", "compete.team.0", "compete.team.1", "compete.start"} <= set(
        buttons(lobby)
    )
    assert "(Red)" in text(await game.press(buttons(lobby)["compete.team.0"], user="U2"))
    assert "• u3" in text(await game.press(buttons(lobby)["compete.join"], user="U3"))

    assert "already running" in text(await game.ask("compete start capitals", user="U2"))
    assert "Only the one who started" in text(await game.ask("compete stop", user="U2"))

    await game.click(buttons(lobby)["compete.start"], user="U1")
    for r in (1, 2, 3):
        question = await posted(fake, f"Round {r}/3")
        assert any("<!date^" in t for t in mrkdwn_texts(question))
        assert "locked in" in text(await game.press(option(question, True), user="U1"))
        assert "locked in" in text(await game.press(option(question, True), user="U2"))
        again = await game.press(option(question, False), user="U2")
        assert "already answered" in text(again)
        assert "locked in" in text(await game.press(option(question, False), user="U3"))
        await posted(fake, f"Round {r} closed")
        game.clock.at += timedelta(seconds=5)
        await game.comps.comps.tick(WHERE)

    podium = " ".join(mrkdwn_texts(await posted(fake, "Podium")))
    assert "first_place_medal" in podium and "Winning team" in podium
    await game.command("leaderboard competitions", user="U3")
    board = " ".join(mrkdwn_texts(await posted(fake, "Leaderboard · competitions")))
    assert "Ada" in board and "You: #3" in board


async def test_clicks_reaching_the_instance_not_running_the_game(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """Two instances behind one address over one database: a join and an answer that reach
    the instance not running the game are taken there, and the round closed by the other
    counts them; an answer there after the deadline is refused."""
    settings, clock = make_settings(tmp_path, fake), FakeClock()
    async with (
        served(settings, fake, clock, Game) as (runs, comps),
        served(settings, fake, clock, Game) as (other, _),
    ):
        await runs.command("compete start capitals 1 5", user="U1")
        lobby = await posted(fake, "Competition lobby")
        assert "• Grace" in text(await other.press(buttons(lobby)["compete.join"], user="U2"))
        await runs.click(buttons(lobby)["compete.start"], user="U1")
        question = await posted(fake, "Round 1/1")
        assert "locked in" in text(await other.press(option(question, True), user="U2"))
        again = await runs.press(option(question, False), user="U2")
        assert "already answered" in text(again)
        clock.at += timedelta(seconds=6)
        late = await other.press(option(question, True), user="U1")
        assert "Too late" in text(late)
        await comps.comps.tick(WHERE)
        closed = text(await posted(fake, "Round 1 closed"))
        right = closed.split("*Standings*")[0]
        assert "Right: Grace" in right and "(+" in right and "Ada" not in right
