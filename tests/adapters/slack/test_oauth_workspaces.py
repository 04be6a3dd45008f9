"""Two installed workspaces stay apart: decks imported in chat, boards, daily quizzes and
competitions of one are never seen in the other, and every background post goes out with the
token of the workspace it belongs to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.slack import competition
from bot.adapters.slack.app import team_clients
from bot.adapters.slack.daily import SlackPoster, _daily
from tests.adapters.slack.deck_steps import BIOLOGY, deck_yaml, import_file, text
from tests.adapters.slack.fake_slack import FakeSlack, buttons
from tests.adapters.slack.oauth_harness import Installer, oauth_settings, serve_multi
from tests.adapters.slack.test_competition import option, posted

T1, T2, ADA, LIN = "T1", "T2", "U1", "U5"
IN_T2 = {"team": T2, "channel": "C2"}
START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


@pytest.fixture
async def two(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Installer]:
    """The bot with T1 and T2 installed."""
    async with serve_multi(oauth_settings(tmp_path, fake), fake) as installer:
        await installer.install(T1)
        await installer.install(T2)
        yield installer


def token_of(fake: FakeSlack, team: str) -> str:
    (token,) = fake.tokens_of(team)
    return token


def posts_to(fake: FakeSlack, channel: str) -> list[str | None]:
    """The token of every message posted in `channel`."""
    return [
        c.token for c in fake.calls
        if c.method == "chat.postMessage" and c.error is None and c.args["channel"] == channel
    ]  # fmt: skip


async def test_a_deck_imported_in_one_workspace_is_not_seen_in_the_other(two: Installer) -> None:
    report = await import_file(two, "bio.yaml", deck_yaml("biology", "Biology", BIOLOGY))
    assert "Biology" in text(report)
    ((download,),) = [two.fake.downloads]
    assert download.authorized  # fetched with T1's own token, which reaches T1's files
    assert "Biology" in text(await two.ask("deck list", ADA))
    assert "Biology" not in text(await two.ask("deck list", LIN, **IN_T2))
    assert "Biology" not in text(await two.ask("decks", LIN, **IN_T2))


async def test_daily_quizzes_post_in_their_own_workspace_with_its_token(two: Installer) -> None:
    two.clock.at = START
    assert "Europe/Berlin" in text(await two.ask("daily set 09:00 Europe/Berlin capitals 1", ADA))
    assert "No daily quiz" in text(await two.ask("daily show", LIN, **IN_T2))
    assert "Europe/Berlin" in text(
        await two.ask("daily set 09:00 Europe/Berlin capitals 1", LIN, **IN_T2)
    )
    assert two.app is not None
    daily = _daily(two.service)
    poster = SlackPoster(team_clients(two.app), daily)
    two.clock.at = START + timedelta(hours=1)
    assert [e.kind for e in await daily.tick(poster)] == ["posted", "posted"]
    assert posts_to(two.fake, "C1") == [token_of(two.fake, T1)]
    assert posts_to(two.fake, "C2") == [token_of(two.fake, T2)]

    await two.fake.uninstall(T2)  # T2's quiz is not retried every tick until the purge
    two.clock.at += timedelta(days=1)
    assert [e.kind for e in await daily.tick(poster)] == ["closed", "closed", "posted", "posted"]
    assert len(posts_to(two.fake, "C1")) == 3 and len(posts_to(two.fake, "C2")) == 1
    assert two.fake.failed("chat.postMessage") == []


async def test_competitions_and_their_board_stay_in_their_workspace(two: Installer) -> None:
    assert two.app is not None
    comps = competition.of(two.app)
    assert comps is not None
    assert (await two.command("compete start capitals 1 5", ADA)).status == 200
    lobby = await posted(two.fake, "Competition lobby")
    await two.click(buttons(lobby)["compete.start"], ADA)
    question = await posted(two.fake, "Round 1/1")
    assert "locked in" in text(await two.press(option(question, True), ADA))
    two.clock.at += timedelta(seconds=5)
    await comps.comps.tick(("slack", T1, "C1"))
    await posted(two.fake, "Podium")
    assert set(posts_to(two.fake, "C1")) == {token_of(two.fake, T1)}  # lobby, round, podium

    await two.command("leaderboard competitions", LIN, **IN_T2)
    board = await posted(two.fake, "Leaderboard · competitions")
    assert "Ada" not in text(board) and posts_to(two.fake, "C2") == [token_of(two.fake, T2)]


async def test_results_after_a_restart_reach_the_workspace_of_a_stopped_quiz(
    two: Installer,
) -> None:
    """T1's quiz is posted, then stopped; a restarted bot (a new poster, no channel map)
    still closes the day in T1 with T1's token, the app telling it the run's workspace."""
    two.clock.at = START
    await two.ask("daily set 09:00 Europe/Berlin capitals 1", ADA)
    assert two.app is not None
    daily = _daily(two.service)
    two.clock.at = START + timedelta(hours=1)
    assert [e.kind for e in await daily.tick(SlackPoster(team_clients(two.app), daily))] == [
        "posted"
    ]
    assert "stopped" in text(await two.ask("daily off", ADA))
    restarted = SlackPoster(team_clients(two.app), daily)
    two.clock.at += timedelta(days=1)
    assert [e.kind for e in await daily.tick(restarted)] == ["closed"]
    assert posts_to(two.fake, "C1") == [token_of(two.fake, T1)] * 2
    assert two.fake.failed("chat.postMessage") == []
