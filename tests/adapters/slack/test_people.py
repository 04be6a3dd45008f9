"""People through slack_bolt against the fake, in two workspaces: one memory per person with
each workspace's own boards, /quiz forget-me, /quiz my-data, and the purge after the app is
uninstalled."""

from __future__ import annotations

import json
import sqlite3
from typing import Any
from urllib.parse import urlencode, urlparse

from bot.app.people import PeopleService
from tests.adapters.slack.conftest import (
    FORM,
    TEAM,
    SlackHarness,
    block_action,
    command_form,
    event_callback,
)
from tests.adapters.slack.fake_slack import buttons, mrkdwn_texts, wait_until
from tests.adapters.slack.test_study import right_option
from tests.storage.people_data import cells_mentioning, snapshot

TEAM2 = "T2"
ANN = "UANN77"
BOB = "UBOB88"


async def reply_to(slack: SlackHarness, url: str) -> dict[str, Any]:
    """The post to this interaction's own response_url."""
    path = urlparse(url).path
    mine = lambda: [r for r in slack.fake.responses if r["_url"] == path]  # noqa: E731
    await wait_until(lambda: bool(mine()))
    return mine()[0]


async def send(slack: SlackHarness, text: str, user: str, team: str = TEAM) -> str:
    """Run `/quiz text` as `user` of `team`; returns the command's response_url."""
    form = command_form(slack.fake, text, user)
    form["team_id"] = team
    assert await slack.post(urlencode(form), FORM) == 200
    return form["response_url"]


async def ask(slack: SlackHarness, text: str, user: str, team: str = TEAM) -> dict[str, Any]:
    return await reply_to(slack, await send(slack, text, user, team))


async def press(
    slack: SlackHarness, button: dict[str, Any], user: str, team: str = TEAM
) -> dict[str, Any]:
    payload = block_action(slack.fake, button, user)
    payload["team"]["id"] = payload["user"]["team_id"] = team
    assert await slack.post(urlencode({"payload": json.dumps(payload)}), FORM) == 200
    return await reply_to(slack, payload["response_url"])


async def event(slack: SlackHarness, body: dict[str, Any], team: str) -> None:
    envelope = event_callback(body)
    envelope["team_id"] = team
    envelope["authorizations"][0]["team_id"] = team
    assert await slack.post(json.dumps(envelope), "application/json") == 200


def text(message: dict[str, Any]) -> str:
    return " ".join(mrkdwn_texts(message))


async def quiz_one(slack: SlackHarness, user: str, team: str = TEAM) -> None:
    card = await ask(slack, "go capitals 1", user, team)
    feedback = await press(slack, right_option(card), user, team)
    assert "Right!" in text(feedback)


def db(slack: SlackHarness) -> Any:
    return slack.service.repo.path  # type: ignore[attr-defined]


async def test_two_workspaces_one_memory_separate_boards(slack: SlackHarness) -> None:
    """Ann answers in both workspaces: her stats count both, each board holds one answer."""
    await quiz_one(slack, ANN, TEAM)
    await quiz_one(slack, ANN, TEAM2)
    await quiz_one(slack, BOB, TEAM2)
    await send(slack, "leaderboard all", ANN, TEAM)
    await slack.fake.call("chat.postMessage", 1)
    await send(slack, "leaderboard all", ANN, TEAM2)
    await slack.fake.call("chat.postMessage", 2)
    board1, board2 = (text(p) for p in slack.fake.called("chat.postMessage"))
    ann, bob = ANN.lower(), BOB.lower()  # the fake's users.info names
    assert f"*{ann}* — 15 pts (1/1 right)" in board1 and bob not in board1
    assert f"*{ann}* — 15 pts (1/1 right)" in board2 and f"*{bob}*" in board2
    stats = await ask(slack, "stats", ANN, TEAM2)
    assert "*Reviews:* 2" in text(stats)
    assert "*This workspace:* #" in text(stats) and "1 answers" in text(stats)


async def test_forget_me_confirms_then_leaves_no_trace(slack: SlackHarness) -> None:
    """The button is Ann's alone and expires; pressed in time, nothing about her is left,
    table by table, and Bob's rows are untouched."""
    for team in (TEAM, TEAM2):
        await quiz_one(slack, ANN, team)
        await quiz_one(slack, BOB, team)
    bob_before = snapshot(db(slack), BOB)

    stale = await ask(slack, "forget-me", ANN)
    slack.clock.advance(days=0.01)  # about 14 minutes: past the two-minute window
    expired = await press(slack, buttons(stale)["people.forget"], ANN)
    assert "expired" in text(expired)
    assert "people" in cells_mentioning(db(slack), ANN)

    prompt = await ask(slack, "forget-me", ANN)
    assert prompt["response_type"] == "ephemeral" and "cannot be undone" in text(prompt)
    refused = await press(slack, buttons(prompt)["people.forget"], BOB)
    assert "Only the person who asked" in text(refused)
    done = await press(slack, buttons(prompt)["people.forget"], ANN)
    assert "forgotten you" in text(done) and done["replace_original"] is True
    assert cells_mentioning(db(slack), ANN) == {}
    assert snapshot(db(slack), BOB) == bob_before


async def test_my_data_arrives_as_a_direct_message_file(slack: SlackHarness) -> None:
    """/quiz my-data uploads a JSON file of Ann's rows to her DM; nobody else's are in it."""
    await quiz_one(slack, ANN)
    await quiz_one(slack, BOB)
    sent = await ask(slack, "my-data", ANN)
    assert "direct messages" in text(sent)
    opened = await slack.fake.call("conversations.open")
    assert opened["users"] == ANN
    data = json.loads(slack.fake.uploads[-1])
    assert data["user"] == ANN and data["reviews"][0]["workspace"] == TEAM
    assert BOB not in slack.fake.uploads[-1].decode()


async def test_uninstall_purges_the_workspace_after_the_grace_period(
    slack: SlackHarness,
) -> None:
    """app_uninstalled in T2 starts 30 days of grace; a revoked user token does not count.
    Nothing goes before the end, T2's boards go after, Ann's memory and T1 stay."""
    await quiz_one(slack, ANN, TEAM)
    await quiz_one(slack, ANN, TEAM2)
    await event(slack, {"type": "tokens_revoked", "tokens": {"oauth": [ANN]}}, TEAM)
    await event(slack, {"type": "app_uninstalled"}, TEAM2)
    departed = lambda: rows(slack, "SELECT workspace FROM departures")  # noqa: E731
    await wait_until(lambda: departed() == [(TEAM2,)])

    people = PeopleService.over(slack.service)
    slack.clock.advance(days=29)
    assert await people.purge_due() == []
    assert rows(slack, f"SELECT count(*) FROM scores WHERE workspace = '{TEAM2}'") != [(0,)]
    slack.clock.advance(days=2)
    (purged,) = await people.purge_due()
    assert purged.workspace == TEAM2
    assert rows(slack, f"SELECT count(*) FROM scores WHERE workspace = '{TEAM2}'") == [(0,)]
    assert rows(slack, f"SELECT count(*) FROM scores WHERE workspace = '{TEAM}'") != [(0,)]
    assert (await slack.service.stats(slack.learner(ANN))).reviews == 2

    await event(slack, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, TEAM)
    await wait_until(lambda: departed() == [(TEAM,)])


def rows(slack: SlackHarness, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db(slack)) as conn:
        return conn.execute(sql).fetchall()
