"""Daily quizzes end to end through the real discord.py client and the fake Discord."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import client as client_module
from bot.adapters.discord.daily import DailyCog
from bot.process import platforms
from bot.process.bootstrap import build_service
from bot.process.settings import Settings
from tests.adapters.discord.conftest import Env
from tests.adapters.discord.fake_discord import ALICE, BOB, MANAGE_GUILD, Call, FakeDiscord
from tests.adapters.discord.harness import running_bot, settings_for

CAROL = {**BOB, "id": "600000000000000006", "username": "carol", "global_name": "Carol"}
START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
CAPITALS = {"France": "Paris", "Italy": "Rome", "Germany": "Berlin"}
SET = {"time": "09:00", "timezone": "Europe/Berlin", "deck": "geo", "questions": 3}


class Clock:
    def __init__(self) -> None:
        self.at = START

    def now(self) -> datetime:
        return self.at


class Rig:
    """The bot's clock and its daily cog, reachable from the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.clock = Clock()
        self.cogs: list[DailyCog] = []
        rig = self

        class Recording(DailyCog, name="Daily"):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                rig.cogs.append(self)

        monkeypatch.setattr(client_module, "DailyCog", Recording)

        def on_test_clock(settings: Settings, clock: object = None) -> Any:
            return build_service(settings, clock=self.clock)

        monkeypatch.setattr(platforms, "build_service", on_test_clock)

    @property
    def cog(self) -> DailyCog:
        return self.cogs[-1]


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch) -> Rig:
    return Rig(monkeypatch)


@pytest.fixture
async def env(fake: FakeDiscord, tmp_path: Path, questions: Path, rig: Rig) -> AsyncIterator[Env]:
    """The bot with a clock the test moves (the conftest `env`, plus the rig)."""
    db = tmp_path / "quiz.sqlite3"
    async with running_bot(settings_for(fake, db, questions)):
        yield Env(fake, db, questions)


def _channel_posts(fake: FakeDiscord) -> list[Call]:
    return [c for c in fake.calls if c.kind == "channel"]


def _text(call: Call) -> str:
    return json.dumps(call.payload)


def _answer_ids(post: Call, question: int) -> tuple[str, str]:
    """(right, wrong) custom ids for one question: the option that is the country's capital."""
    embed = post.payload["embeds"][question]
    assert embed["title"].startswith(f"Q{question + 1}.")
    city = next(c for k, c in CAPITALS.items() if f"capital of {k}" in embed["title"])
    options = [line.split("**", 2)[2].strip() for line in embed["description"].splitlines()]
    right = options.index(city)
    run = post.custom_ids[0].split(":")[2]
    ids = (f"qb:daily:{run}:{question}:{right}", f"qb:daily:{run}:{question}:{(right + 1) % 4}")
    assert set(ids) <= set(post.custom_ids)
    return ids


async def test_daily_post_answers_and_results(env: Env, rig: Rig) -> None:
    """Posted at 09:00 local; Alice gets two right, Carol one, Bob none: results and board agree."""
    call = await env.fake.command("daily", SET, sub="set", permissions=MANAGE_GUILD)
    assert "Europe/Berlin" in _text(call) and call.data["flags"] & 64
    assert await rig.cog.tick() == []
    rig.clock.at = START + timedelta(hours=1)
    await rig.cog.tick()
    posts = _channel_posts(env.fake)
    assert len(posts) == 1
    post = posts[0]
    assert len(post.payload["embeds"]) == 3
    assert post.payload["allowed_mentions"]["parse"] == []
    right, wrong = _answer_ids(post, 0)
    right2, _ = _answer_ids(post, 1)
    replies = [
        await env.fake.click(post, right, user=ALICE),
        await env.fake.click(post, wrong, user=BOB),
        await env.fake.click(post, right, user=CAROL),
        await env.fake.click(post, wrong, user=ALICE),
        await env.fake.click(post, right2, user=ALICE),
    ]
    assert all(r.data["flags"] & 64 for r in replies)
    assert [r.data["content"].split(": ", 1)[-1].split(" ", 1)[0] for r in replies[:3]] == [
        "Right!",
        "Not",
        "Right!",
    ]
    assert "already answered" in replies[3].data["content"]
    rig.clock.at = START + timedelta(days=1, hours=1)
    await rig.cog.tick()
    results = next(c for c in _channel_posts(env.fake) if "results" in _text(c))
    embed = results.payload["embeds"][0]
    tallies = [
        line.rsplit(" · ", 1)[1]
        for line in embed["description"].splitlines()
        if line.startswith("Answer:")
    ]
    assert tallies == ["2/3 right", "1/1 right", "0/0 right"]
    assert embed["fields"][0]["value"] == "1. Alice: 2 right\n2. Carol: 1 right"
    assert embed["footer"]["text"] == "3 took part"
    assert results.payload["allowed_mentions"]["parse"] == []
    assert len(_channel_posts(env.fake)) == 3  # day one, its results, day two
    board = await env.fake.command("leaderboard", {"period": "all"})
    ranks = [line for line in board.text.splitlines() if line.startswith("**")]
    assert [r.split("<@")[1].split(">")[0] for r in ranks] == [ALICE["id"], CAROL["id"], BOB["id"]]
    assert "2/2 right" in ranks[0] and "1/1 right" in ranks[1] and "0/1 right" in ranks[2]


async def test_a_member_who_opts_in_gets_one_reminder_a_day(env: Env, rig: Rig) -> None:
    """With reminders on and cards due, one direct message comes, and no second that day."""
    await env.fake.command("remind", {"state": "on"})
    question = await env.fake.command("study", {"deck": "geo"})
    shown = await env.fake.click(question, question.custom_ids[0])  # a new card: Show answer
    rate = next(i for i in shown.custom_ids if i.startswith("qb:rate:"))
    await env.fake.click(shown, rate)
    rig.clock.at = START + timedelta(days=60)  # due whatever the rating was
    await rig.cog.tick()  # the cog's own loop may tick too: still one message
    await rig.cog.tick()

    def dms() -> list[Call]:
        return [
            c for c in _channel_posts(env.fake) if c.path.split("/")[-2] in env.fake.dm_channels
        ]

    await _wait_for(lambda: len(dms()) >= 1)
    await rig.cog.tick()
    assert len(dms()) == 1
    assert env.fake.dm_channels[dms()[0].path.split("/")[-2]] == ALICE["id"]
    assert "due" in _text(dms()[0]) and dms()[0].payload["allowed_mentions"]["parse"] == []


async def test_daily_set_refused_for_plain_member(env: Env) -> None:
    """Without Manage Server, /daily set is refused and nothing is saved."""
    call = await env.fake.command("daily", SET, sub="set")
    assert "Manage Server" in call.data["content"]
    show = await env.fake.command("daily", sub="show")
    assert "No daily quiz" in show.data["content"]


async def test_invalid_time_zone_gets_a_clear_message(env: Env) -> None:
    """A made-up zone is named back with the expected form."""
    call = await env.fake.command(
        "daily", {**SET, "timezone": "Mars/Base"}, sub="set", permissions=MANAGE_GUILD
    )
    assert "Unknown time zone 'Mars/Base'" in call.data["content"]


async def _wait_for(check: Any, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_restart_inside_then_outside_grace(
    fake: FakeDiscord, tmp_path: Path, questions: Path, rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """Up 1.5 h late: posted on start-up; a day later up 3 h late: skipped, and logged why."""
    settings = settings_for(fake, tmp_path / "quiz.sqlite3", questions)
    async with running_bot(settings):
        await fake.command("daily", SET, sub="set", permissions=MANAGE_GUILD)
    rig.clock.at = START + timedelta(hours=2, minutes=30)
    async with running_bot(settings):
        await _wait_for(lambda: len(_channel_posts(fake)) == 1)
    rig.clock.at = START + timedelta(days=1, hours=4)
    async with running_bot(settings):
        await _wait_for(lambda: "skipped" in caplog.text)
        await rig.cog.tick()
    kinds = ["results" in _text(c) for c in _channel_posts(fake)]
    assert kinds == [False, True]  # day one, its results; day two never posted


async def test_a_failed_post_gives_the_day_back(env: Env, rig: Rig) -> None:
    """403 Missing Permissions on the post: nothing is lost; the next tick posts the day."""
    await env.fake.command("daily", SET, sub="set", permissions=MANAGE_GUILD)
    rig.clock.at = START + timedelta(hours=1)
    env.fake.fail("channel", 403)
    assert await rig.cog.tick() == []
    assert _channel_posts(env.fake) == [] and env.fake.refused[-1][1:] == (403, 50013)
    env.fake.fail("channel", 429, retry_after=0.01)  # retried by discord.py after Retry-After
    events = await rig.cog.tick()
    assert [e.kind for e in events] == ["posted"]  # type: ignore[attr-defined]
    assert len(_channel_posts(env.fake)) == 1
