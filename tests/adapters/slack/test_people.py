"""People through slack_bolt against the fake's two workspaces: each workspace's own boards
and rank, /quiz forget-me, /quiz my-data, and the purge after the app is uninstalled."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bot.app.people import PeopleService
from bot.core.models import Learner
from tests.adapters.slack.conftest import TEAM, SlackHarness, event_callback
from tests.adapters.slack.fake_slack import buttons, mrkdwn_texts, wait_until
from tests.adapters.slack.test_study import right_option
from tests.storage.people_data import cells_mentioning, snapshot

ADA, GRACE = "U1", "U2"  # members of T1 (tests/adapters/slack/workspaces.py)
TEAM2, CHANNEL2, LIN = "T2", "C2", "U5"
IN_T2 = {"team": TEAM2, "channel": CHANNEL2}


def text(message: dict[str, Any]) -> str:
    return " ".join(mrkdwn_texts(message))


async def quiz_one(slack: SlackHarness, user: str, **where: str) -> None:
    card = await slack.ask("go capitals 1", user, **where)
    feedback = await slack.press(right_option(card), user, **where)
    assert "Right!" in text(feedback)


async def event(slack: SlackHarness, body: dict[str, Any], team: str) -> None:
    envelope = event_callback(body)
    envelope["team_id"] = envelope["authorizations"][0]["team_id"] = team
    assert await slack.post(json.dumps(envelope), "application/json") == 200


def db(slack: SlackHarness) -> Any:
    return slack.service.repo.path  # type: ignore[attr-defined]


def rows(slack: SlackHarness, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db(slack)) as conn:
        return conn.execute(sql).fetchall()


async def test_each_workspace_has_its_own_board_and_rank(slack: SlackHarness) -> None:
    """Ada in T1 and Lin in T2 each see only their workspace's answers on its board, and
    their own rank there under /quiz stats."""
    await quiz_one(slack, ADA)
    await quiz_one(slack, GRACE)
    await quiz_one(slack, LIN, **IN_T2)
    boards = []
    for user, where in ((ADA, {}), (LIN, IN_T2)):
        posted = len(slack.fake.called("chat.postMessage"))
        assert (await slack.command("leaderboard all", user, **where)).status == 200
        boards.append(text(await slack.fake.call("chat.postMessage", posted + 1)))
    assert "Ada" in boards[0] and "Grace" in boards[0] and "Lin" not in boards[0]
    assert "Lin" in boards[1] and "Ada" not in boards[1]
    stats = await slack.ask("stats", LIN, **IN_T2)
    assert "*Reviews:* 1" in text(stats) and "*This workspace:* #1 · 15 points" in text(stats)


async def test_forget_me_confirms_then_leaves_no_trace(slack: SlackHarness) -> None:
    """The button is Ada's alone and expires; pressed in time, nothing about her is left,
    table by table, and Grace's and Lin's rows are untouched."""
    await quiz_one(slack, ADA)
    await quiz_one(slack, GRACE)
    await quiz_one(slack, LIN, **IN_T2)
    others = {who: snapshot(db(slack), who) for who in (GRACE, LIN)}

    stale = await slack.ask("forget-me", ADA)
    slack.clock.advance(days=0.01)  # about 14 minutes: past the two-minute window
    expired = await slack.press(buttons(stale)["people.forget"], ADA)
    assert "expired" in text(expired) and "people" in cells_mentioning(db(slack), ADA)

    prompt = await slack.ask("forget-me", ADA)
    assert prompt["response_type"] == "ephemeral" and "cannot be undone" in text(prompt)
    refused = await slack.press(buttons(prompt)["people.forget"], GRACE)
    assert "Only the person who asked" in text(refused)
    done = await slack.press(buttons(prompt)["people.forget"], ADA)
    assert "forgotten you" in text(done) and done["replace_original"] is True
    assert cells_mentioning(db(slack), ADA) == {}
    assert {who: snapshot(db(slack), who) for who in (GRACE, LIN)} == others


async def test_my_data_arrives_as_a_direct_message_file(slack: SlackHarness) -> None:
    """/quiz my-data uploads a JSON file of Ada's rows to her DM; nobody else's are in it."""
    await quiz_one(slack, ADA)
    await quiz_one(slack, GRACE)
    sent = await slack.ask("my-data", ADA)
    assert "direct messages" in text(sent)
    opened = await slack.fake.call("conversations.open")
    assert opened["users"] == ADA
    data = json.loads(slack.fake.uploads[-1])
    assert data["user"] == ADA and [r["workspace"] for r in data["reviews"]] == [TEAM]
    assert GRACE not in slack.fake.uploads[-1].decode()


async def test_uninstall_purges_the_workspace_after_the_grace_period(
    slack: SlackHarness,
) -> None:
    """app_uninstalled in T2 starts 30 days of grace; a revoked user token does not count.
    Nothing goes before the end, T2's boards go after, Lin's memory and T1 stay."""
    await quiz_one(slack, ADA)
    await quiz_one(slack, LIN, **IN_T2)
    await event(slack, {"type": "tokens_revoked", "tokens": {"oauth": [ADA]}}, TEAM)
    await event(slack, {"type": "app_uninstalled"}, TEAM2)
    departed = lambda: rows(slack, "SELECT workspace FROM departures")  # noqa: E731
    await wait_until(lambda: departed() == [(TEAM2,)])

    people = PeopleService.over(slack.service)
    board = f"SELECT count(*) FROM scores WHERE workspace = '{TEAM2}'"
    slack.clock.advance(days=29)
    assert await people.purge_due() == []
    assert rows(slack, board) != [(0,)]
    slack.clock.advance(days=2)
    (purged,) = await people.purge_due()
    assert purged.workspace == TEAM2 and rows(slack, board) == [(0,)]
    assert rows(slack, f"SELECT count(*) FROM scores WHERE workspace = '{TEAM}'") != [(0,)]
    assert (await slack.service.stats(Learner("slack", TEAM2, LIN))).reviews == 1

    await event(slack, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, TEAM)
    await wait_until(lambda: departed() == [(TEAM,)])


async def test_a_reinstall_within_the_grace_period_keeps_everything(slack: SlackHarness) -> None:
    """Uninstalled, then used again (installed again) before the grace period ends: the
    purge is cancelled and nothing goes, even 31 days later."""
    await quiz_one(slack, LIN, **IN_T2)
    await event(slack, {"type": "app_uninstalled"}, TEAM2)
    departed = lambda: rows(slack, "SELECT workspace FROM departures")  # noqa: E731
    await wait_until(lambda: departed() == [(TEAM2,)])
    await event(slack, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, TEAM2)
    await quiz_one(slack, LIN, **IN_T2)
    assert departed() == []
    slack.clock.advance(days=31)
    assert await PeopleService.over(slack.service).purge_due() == []
    assert rows(slack, f"SELECT sum(answers) FROM scores WHERE workspace = '{TEAM2}'"
                " AND period_key = 'all' AND deck_id = ''") == [(2,)]  # fmt: skip
