"""Error paths against the strict fake's failure knobs: each one reaches the learner as a clear
message or a retry, never as silence, and two workspaces never share a board."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.daily import SlackPoster, _daily
from bot.adapters.slack.replies import SORRY
from tests.adapters.slack.conftest import CHANNEL, SlackHarness
from tests.adapters.slack.fake_slack import buttons, mrkdwn_texts
from tests.adapters.slack.test_study import right_option


def _text(message: dict) -> str:
    return " ".join(mrkdwn_texts(message))


async def test_a_rate_limited_daily_post_is_retried_not_lost(slack: SlackHarness) -> None:
    """Slack answers 429 to the day's post: the claim is released and the next tick posts."""
    slack.clock.at = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    await slack.ask("daily set 09:00 Europe/Berlin capitals 2", user="U1")
    daily = _daily(slack.service)
    poster = SlackPoster(AsyncWebClient(token="xoxb-test", base_url=slack.fake.api_url))
    slack.fake.fail("chat.postMessage", "ratelimited")
    assert await daily.tick(poster) == []
    assert slack.fake.failed("chat.postMessage") == ["ratelimited"]
    slack.clock.at += timedelta(minutes=1)
    assert [e.kind for e in await daily.tick(poster)] == ["posted"]
    assert [m["channel"] for m in slack.fake.called("chat.postMessage")] == [CHANNEL]


async def test_a_channel_the_bot_is_not_in_gets_the_board_through_response_url(
    slack: SlackHarness,
) -> None:
    """chat.postMessage says channel_not_found: the board goes in channel by response_url."""
    slack.fake.fail("chat.postMessage", "channel_not_found")
    board = await slack.ask("leaderboard week")
    assert board["response_type"] == "in_channel" and "Leaderboard" in _text(board)


async def test_a_failing_slack_call_inside_a_handler_gets_an_apology(slack: SlackHarness) -> None:
    """views.open fails with a 5xx: the learner is told, ephemerally, to try again."""
    card = await slack.known_card("solo")
    slack.fake.fail("views.open", "internal_error", status=503)
    sorry = await slack.press(buttons(card)["quiz.type"])
    assert sorry["text"] == SORRY and sorry["response_type"] == "ephemeral"


async def test_stats_chart_that_cannot_be_sent_says_so(slack: SlackHarness) -> None:
    slack.fake.fail("conversations.open", "user_not_found")
    reply = await slack.ask("stats")
    assert "Your progress" in _text(reply)
    note = await slack.fake.reply(slack.fake.base + reply["_url"], 2)
    assert "could not be sent" in note["text"]
    assert slack.fake.uploads == []


async def test_names_fall_back_and_wait_out_retry_after_when_ratelimited(
    slack: SlackHarness,
) -> None:
    """users.info says ratelimited (Retry-After 30): the board shows "a member", never the raw
    id nor a mention, and the next board within those 30 s does not ask again."""
    await slack.press(right_option(await slack.ask("go capitals 1")))
    slack.fake.fail("users.info", "ratelimited", retry_after=30)
    posts = len(slack.fake.called("chat.postMessage"))
    for n in (1, 2):
        await slack.command("leaderboard day")
        board = _text(await slack.fake.call("chat.postMessage", posts + n))
        assert "1. *a member*" in board and "U1" not in board and "<@" not in board
    assert slack.fake.failed("users.info") == ["ratelimited"]


async def test_two_workspaces_keep_their_own_boards(slack: SlackHarness) -> None:
    """Lin plays in T2's channel; T1's board does not show her, T2's shows only her."""
    await slack.press(right_option(await slack.ask("go capitals 1")))
    card = await slack.ask("go capitals 1", user="U5", team="T2", channel="C2")
    await slack.press(right_option(card), user="U5", team="T2", channel="C2")
    before = len(slack.fake.called("chat.postMessage"))
    await slack.command("leaderboard day")
    await slack.command("leaderboard day", user="U6", team="T2", channel="C2")
    await slack.fake.call("chat.postMessage", before + 2)
    boards = {m["channel"]: _text(m) for m in slack.fake.called("chat.postMessage")[before:]}
    assert "*Ada*" in boards["C1"] and "Lin" not in boards["C1"]
    assert "*Lin*" in boards["C2"] and "Ada" not in boards["C2"]
    assert "<@" not in json.dumps(boards)
