"""Slack's rate limit on users.info (Tier 4): the fake enforces it, and a burst of members the
bot has never seen still gets every daily-quiz click acknowledged and recorded."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.daily import _daily
from tests.adapters.slack.conftest import TEAM, SlackHarness
from tests.adapters.slack.fake_limits import TIER_4, RateLimits
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack
from tests.adapters.slack.test_daily import SET, START, _option, _poster, _text
from tests.adapters.slack.workspaces import User, Workspace

MEMBERS = [f"UN{i:02d}" for i in range(12)]


async def test_users_info_past_the_budget_is_refused_with_429_and_retry_after(
    fake: FakeSlack,
) -> None:
    """Three calls a minute in T1: the fourth gets 429, Retry-After and `ratelimited`; T2
    counts its own minute; lifting the limit lets calls through again."""
    assert RateLimits().per_minute["users.info"] == TIER_4 == 100
    fake.rate_limit("users.info", 3)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    for _ in range(3):
        assert (await client.users_info(user="U1"))["ok"]
    try:
        await client.users_info(user="U2")
        raise AssertionError("the fourth call in a minute was let through")
    except SlackApiError as error:
        assert error.response.status_code == 429
        assert error.response["error"] == "ratelimited"
        assert 1 <= int(error.response.headers["Retry-After"]) <= 60
    assert (await client.users_info(user="U5"))["user"]["profile"]["display_name"] == "Lin"
    fake.rate_limit("users.info", None)
    assert (await client.users_info(user="U2"))["ok"]


def _with_members(fake: FakeSlack) -> None:
    home = fake.workspaces[TEAM]
    members = {m: User(f"Member {m[2:]}") for m in MEMBERS}
    fake.workspaces[TEAM] = Workspace(TEAM, {**home.users, **members}, home.channels)


async def test_a_burst_of_new_members_past_the_budget_is_all_recorded(slack: SlackHarness) -> None:
    """Twelve members the bot never saw click the daily quiz at once with a budget of 3
    users.info a minute: each gets its own "Recorded" reply, all twelve count in the results,
    and the top scorers show a name (looked up, or the one Slack sent with the click), never a
    user id or a mention."""
    _with_members(slack.fake)
    slack.fake.rate_limit("users.info", 3)
    slack.clock.at = START
    await slack.ask(SET, user="U1")
    daily, poster = _daily(slack.service), _poster(slack.fake)
    slack.clock.at = START + timedelta(hours=1)
    await daily.tick(poster)
    post = slack.fake.called("chat.postMessage")[0]
    replies = await asyncio.gather(*(slack.press(_option(post, 0, True), user=m) for m in MEMBERS))
    assert all("Recorded for Q1: Right!" in r["text"] for r in replies)
    slack.clock.at = START + timedelta(days=1, hours=1)
    await daily.tick(poster)
    results = _text(slack.fake.called("chat.postMessage")[1])
    assert "12/12 right" in results and "12 took part" in results
    top = results.split("*Top scorers*\n")[1].split("\n")[:5]
    assert len(top) == 5
    assert all(re.match(r"\d\. (Member \d\d|un\d\d): 1 right", line) for line in top), top
    assert "UN0" not in results and "<@" not in json.dumps(results)
    assert "ratelimited" in slack.fake.failed("users.info")  # the budget was really spent
