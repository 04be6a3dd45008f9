"""Daily quizzes end to end through slack_bolt and the fake Slack."""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.daily import SlackPoster, _daily, start
from bot.process.bootstrap import build_service
from tests.adapters.slack.conftest import CHANNEL, SlackHarness, make_settings
from tests.adapters.slack.fake_slack import FakeSlack, buttons, mrkdwn_texts, wait_until

START = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
SET = "daily set 09:00 Europe/Berlin capitals 2"


def _poster(fake: FakeSlack) -> SlackPoster:
    return SlackPoster(AsyncWebClient(token="xoxb-test", base_url=fake.api_url))


def _text(message: dict) -> str:
    return " ".join(mrkdwn_texts(message))


def _option(message: dict, question: int, right: bool) -> dict:
    """The button of the right (or a wrong) option, read from the question's bold letters."""
    section = [b for b in message["blocks"] if b["type"] == "section"][question + 1]
    answer = section["text"]["text"]
    own = {k: v for k, v in buttons(message).items() if k.startswith(f"daily.answer.{question}.")}
    capitals = ("Paris", "Tokyo", "Lima", "Nairobi")
    country_line = answer.split("\n")[0]
    city = next(c for c in capitals if _country(c) in country_line)
    lines = answer.split("\n")[1:]
    index = next(i for i, line in enumerate(lines) if line.endswith(city))
    pick = index if right else (index + 1) % len(lines)
    return own[f"daily.answer.{question}.{pick}"]


def _country(city: str) -> str:
    return {"Paris": "France", "Tokyo": "Japan", "Lima": "Peru", "Nairobi": "Kenya"}[city]


async def test_daily_post_answers_and_results(slack: SlackHarness) -> None:
    """An admin sets it; at 09:00 local it posts; three members answer (one twice); results."""
    slack.clock.at = START
    assert "Europe/Berlin" in _text(await slack.ask(SET, user="U1"))
    daily, poster = _daily(slack.service), _poster(slack.fake)
    assert await daily.tick(poster) == []
    slack.clock.at = START + timedelta(hours=1)
    assert [e.kind for e in await daily.tick(poster)] == ["posted"]
    post = slack.fake.called("chat.postMessage")[0]
    assert post["channel"] == CHANNEL
    clicks = [("U1", True), ("U2", False), ("U3", True), ("U1", False)]
    answers = [await slack.press(_option(post, 0, right), user=u) for u, right in clicks]
    assert all(a["response_type"] == "ephemeral" for a in answers)
    assert ["Right!" in a["text"] for a in answers[:3]] == [True, False, True]
    assert "Not quite" in answers[1]["text"]
    assert "already answered" in answers[3]["text"]
    slack.clock.at = START + timedelta(days=1, hours=1)
    assert [e.kind for e in await daily.tick(poster)] == ["closed", "posted"]
    results = slack.fake.called("chat.postMessage")[1]
    text = _text(results)
    assert "2/3 right" in text and "3 took part" in text
    assert "1. Ada: 1 right" in text
    assert "<!here>" not in json.dumps(results) and "<@" not in json.dumps(results)


async def test_a_close_time_posts_the_results_that_day(slack: SlackHarness) -> None:
    """With close=18:00 the results come at 18:00 local, not with the next day's post."""
    slack.clock.at = START
    assert "closes at 18:00" in _text(await slack.ask(SET + " close=18:00", user="U1"))
    daily, poster = _daily(slack.service), _poster(slack.fake)
    slack.clock.at = START + timedelta(hours=1)
    assert [e.kind for e in await daily.tick(poster)] == ["posted"]
    slack.clock.at = START + timedelta(hours=5)
    assert await daily.tick(poster) == []
    slack.clock.at = START + timedelta(hours=10)  # 18:00 in Berlin
    assert [e.kind for e in await daily.tick(poster)] == ["closed"]


async def test_daily_set_refused_for_plain_member(slack: SlackHarness) -> None:
    """U2 is neither admin nor the channel's creator: refused; the creator U4 may."""
    assert "Only workspace admins" in (await slack.ask(SET, user="U2"))["text"]
    assert "No daily quiz" in (await slack.ask("daily show", user="U2"))["text"]
    assert "Europe/Berlin" in (await slack.ask(SET, user="U4"))["text"]


async def test_invalid_time_zone_gets_a_clear_message(slack: SlackHarness) -> None:
    """A made-up zone is named back with the expected form."""
    reply = await slack.ask("daily set 09:00 Mars/Base", user="U1")
    assert "Unknown time zone 'Mars/Base'" in reply["text"]


async def test_restart_inside_then_outside_grace(
    slack: SlackHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Started 1.5 h late: posted by the start-up tick; a day later 3 h late: skipped, logged."""
    caplog.set_level(logging.INFO, logger="bot.app.daily")
    slack.clock.at = START
    await slack.ask(SET, user="U1")
    settings = make_settings(tmp_path, slack.fake)
    for late, posts in ((timedelta(hours=2, minutes=30), 1), (timedelta(days=1, hours=4), 2)):
        slack.clock.at = START + late
        service = await build_service(settings, clock=slack.clock, rng=random.Random(1))
        loop = start(
            AsyncWebClient(token="xoxb-test", base_url=slack.fake.api_url), service, settings
        )
        try:
            await wait_until(lambda n=posts: len(slack.fake.called("chat.postMessage")) >= n)
            if posts == 1:  # stop only once the post is recorded, or the restart posts it again
                await wait_until(lambda: " posted (" in caplog.text)
            if posts == 2:
                await wait_until(lambda: "skipped" in caplog.text)
        finally:
            loop.cancel()
            await service.close()
    sent = slack.fake.called("chat.postMessage")
    assert len(sent) == 2 and "results" in _text(sent[1])  # day two was never posted
