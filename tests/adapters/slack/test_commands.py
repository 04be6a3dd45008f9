"""`/quiz` subcommands over HTTP: help, bad input, quick quiz and leaderboards, stats, retries."""

from __future__ import annotations

import json

from tests.adapters.slack.conftest import CHANNEL, SlackHarness
from tests.adapters.slack.fake_slack import buttons, mrkdwn_texts
from tests.adapters.slack.test_study import right_option


def _text(message: dict) -> str:
    return " ".join(mrkdwn_texts(message))


async def test_unknown_subcommand_gets_help(slack: SlackHarness) -> None:
    """`/quiz nonsense` answers with the help text, only to the caller."""
    reply = await slack.ask("nonsense")
    assert reply["response_type"] == "ephemeral"
    assert "/quiz study [deck]" in _text(reply)


async def test_unknown_and_hostile_deck_names_get_a_clear_message(slack: SlackHarness) -> None:
    """An unknown deck, even a very long one full of pings, gets a short, escaped answer."""
    assert "no deck called 'nosuchdeck'" in (await slack.ask("study nosuchdeck"))["text"]
    reply = await slack.ask("go " + "<!channel>" * 2000)
    assert "<!channel>" not in json.dumps(reply)
    assert "no deck called" in reply["text"]
    assert len(reply["text"]) < 400
    assert "1 to 25 questions" in (await slack.ask("go capitals 99"))["text"]


async def test_quick_quiz_to_the_end_posts_the_leaderboard(slack: SlackHarness) -> None:
    """`/quiz go capitals 3`: three choice questions, a summary, and a board in the channel."""
    message = await slack.ask("go capitals 3")
    for position in (1, 2, 3):
        assert f"{position} of 3" in _text(message)
        feedback = await slack.press(right_option(message))
        message = await slack.press(buttons(feedback)["quiz.next"])
    assert "Quiz complete" in _text(message)
    assert "3 of 3 right" in _text(message)
    post = await slack.fake.call("chat.postMessage")
    assert post["channel"] == CHANNEL
    board = _text(post)
    assert "Ada finished a quick quiz: 3/3 right" in board
    assert "1. *Ada*" in board
    assert "<@" not in json.dumps(post) and "link_names" not in post


async def test_leaderboard_command_posts_names_in_channel(slack: SlackHarness) -> None:
    """`/quiz leaderboard week` posts display names (escaped) in the channel, pinging nobody."""
    for user in ("U1", "U2"):
        await slack.press(right_option(await slack.ask("go capitals 1", user=user)), user=user)
    await slack.command("leaderboard week capitals")
    post = await slack.fake.call("chat.postMessage")
    board = _text(post)
    assert post["channel"] == CHANNEL
    assert "this week" in board and "`capitals`" in board
    assert "*Ada*" in board and "Grace &lt;!here&gt;" in board
    assert "<!here>" not in json.dumps(post) and "<@" not in json.dumps(post)


async def test_stats_reply_and_chart_upload(slack: SlackHarness) -> None:
    """`/quiz stats` answers ephemerally and uploads the PNG chart to the learner's DM."""
    reply = await slack.ask("stats")
    assert "Your progress" in _text(reply)
    complete = await slack.fake.call("files.completeUploadExternal")
    assert complete["channel_id"] == "DU1"
    assert slack.fake.called("conversations.open")[0]["users"] == "U1"
    assert slack.fake.called("files.getUploadURLExternal")[0]["filename"] == "quizbot-stats.png"
    assert slack.fake.uploads[0].startswith(b"\x89PNG")


async def test_decks_lists_the_ids(slack: SlackHarness) -> None:
    """`/quiz decks` lists every deck id, names escaped."""
    text = _text(await slack.ask("decks"))
    assert "`capitals`" in text and "`solo`" in text
    assert "Hostile &lt;!everyone&gt;" in text


async def test_retried_slash_command_is_ignored(slack: SlackHarness) -> None:
    """A redelivered `/quiz study` is acked and dropped: one session, one message."""
    retried = await slack.command("study capitals", retry=1)
    assert retried.status == 200
    reply = await slack.ask("help")
    assert "/quiz study [deck]" in _text(reply)
    assert slack.fake.replies(retried.url) == [] and len(slack.fake.responses) == 1


async def test_bad_signature_is_rejected_and_changes_nothing(slack: SlackHarness) -> None:
    """A request signed with the wrong secret gets 401; no API call, no reply, no session."""
    assert (await slack.command("study capitals", secret="wrong")).status == 401
    option = {"action_id": "quiz.choice.0", "value": "abc:1:0"}
    assert (await slack.click(option, secret="wrong")).status == 401
    await slack.ask("help")
    assert len(slack.fake.responses) == 1
    assert [c.method for c in slack.fake.calls] in ([], ["auth.test"])


async def test_app_home_is_published(slack: SlackHarness) -> None:
    """Opening the Home tab publishes the learner's stats and due counts."""
    event = {
        "type": "app_home_opened",
        "user": "U1",
        "channel": "D1",
        "tab": "home",
        "event_ts": "1.1",
    }
    assert await slack.event(event) == 200
    published = await slack.fake.call("views.publish")
    assert published["user_id"] == "U1"
    view = published["view"]
    assert view["type"] == "home"
    assert "Due now" in json.dumps(view)
    assert "Capitals" in json.dumps(view)


async def test_messages_tab_does_not_publish(slack: SlackHarness) -> None:
    """app_home_opened on the Messages tab leaves the Home view alone."""
    event = {
        "type": "app_home_opened",
        "user": "U1",
        "channel": "D1",
        "tab": "messages",
        "event_ts": "1.1",
    }
    assert await slack.event(event) == 200
    await slack.ask("help")
    assert slack.fake.called("views.publish") == []
