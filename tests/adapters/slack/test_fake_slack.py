"""The fake Slack refuses what real Slack refuses, and fails on demand the way Slack does.

Driven with slack_sdk's own clients, as the bot is; a test that provokes a violation takes it
back with `take_violations()` so the fixture's teardown check stays meaningful.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.adapters.slack import block_kit
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack, Token

OK_BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]


def _client(fake: FakeSlack, token: str = BOT_TOKEN) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=fake.api_url)


async def _error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


def _button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": text},
            "value": "v", **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([OK_BLOCKS[0]] * 51, "51 blocks, the limit is 50"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "limit is 3000"),
        ([{"type": "actions", "elements": [_button("x" * 76)]}], "limit is 75"),
        ([{"type": "actions", "elements": [_button(value="v" * 2001)]}], "limit is 2000"),
        ([{"type": "actions", "elements": [_button(action_id="a" * 256)]}], "limit is 255"),
        ([{"type": "actions", "elements": [{**_button(), "action_id": str(i)} for i in range(26)]}],
         "26, 1 to 25"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "11, 1 to 10"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "limit is 150"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "plain_text"),
        ([{"type": "actions", "elements": [_button(), _button()]}], "duplicate ids ['a']"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "cut &lt"}}], "cut entity"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "hey <!channel>"}}], "ping"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": ""}}], "non-empty"),
        ([{"type": "carousel"}], "unsupported block"),
    ],
)  # fmt: skip
async def test_post_message_refuses_what_block_kit_refuses(
    fake: FakeSlack, blocks: list[dict[str, Any]], problem: str
) -> None:
    error = await _error(_client(fake).chat_postMessage(channel="C1", text="t", blocks=blocks))
    assert error.response["error"] == "invalid_blocks"
    found = fake.take_violations()
    assert any(problem in v for v in found), found
    assert fake.called("chat.postMessage") == []


async def test_a_valid_message_is_accepted_and_recorded(fake: FakeSlack) -> None:
    reply = await _client(fake).chat_postMessage(channel="C1", text="t", blocks=OK_BLOCKS)
    assert reply["ok"] and fake.called("chat.postMessage")[0]["blocks"] == OK_BLOCKS


async def test_views_have_their_own_limits(fake: FakeSlack) -> None:
    """A modal title over 24 characters, a Home tab over 100 blocks: invalid_arguments."""
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []}
    error = await _error(_client(fake).views_open(trigger_id="x", view=modal))
    assert error.response["error"] == "invalid_arguments"
    home = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    error = await _error(_client(fake).views_publish(user_id="U1", view=home))
    assert error.response["error"] == "invalid_arguments"
    assert [v.split(":")[0] for v in fake.take_violations()] == ["views.open", "views.publish"]
    ok = await _client(fake).views_publish(
        user_id="U1", view={**home, "blocks": home["blocks"][:100]}
    )
    assert ok["ok"]


async def test_missing_scope_follows_the_granted_scopes(fake: FakeSlack) -> None:
    """By default the token has the manifest's scopes; without channels:read Slack says so."""
    info = await _client(fake).conversations_info(channel="C1")
    assert info["channel"]["creator"] == "U4"
    fake.grant({"chat:write", "users:read"})
    error = await _error(_client(fake).conversations_info(channel="C1"))
    assert error.response["error"] == "missing_scope"
    assert error.response["needed"] == "channels:read"
    assert fake.take_violations() == ["conversations.info: missing_scope ['channels:read']"]


async def test_unknown_methods_tokens_and_missing_arguments_are_refused(fake: FakeSlack) -> None:
    assert (await _error(_client(fake).api_call("chat.delete"))).response["error"] == (
        "unknown_method"
    )
    assert (await _error(_client(fake, "xoxb-nope").auth_test())).response["error"] == (
        "invalid_auth"
    )
    assert (await _error(_client(fake).users_info(user=""))).response["error"] == "user_not_found"
    error = await _error(_client(fake).api_call("users.info", params={}))
    assert error.response["error"] == "invalid_arguments"
    assert len(fake.take_violations()) == 3


async def test_channel_not_found_is_an_answer_not_a_violation(fake: FakeSlack) -> None:
    error = await _error(_client(fake).chat_postMessage(channel="C404", text="hi"))
    assert error.response["error"] == "channel_not_found"
    assert fake.failed("chat.postMessage") == ["channel_not_found"] and not fake.violations


async def test_failures_on_demand(fake: FakeSlack) -> None:
    """429 with Retry-After, a 5xx and any named error, each for the next call only."""
    client = _client(fake)
    fake.fail("chat.postMessage", "ratelimited")
    error = await _error(client.chat_postMessage(channel="C1", text="hi"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "1"
    fake.fail("chat.postMessage", "internal_error", status=503)
    error = await _error(client.chat_postMessage(channel="C1", text="hi"))
    assert error.response.status_code == 503
    fake.fail("users.info", "account_inactive")
    error = await _error(client.users_info(user="U1"))
    assert error.response["error"] == "account_inactive"
    assert (await client.chat_postMessage(channel="C1", text="hi"))["ok"]
    assert not fake.violations


async def test_two_workspaces(fake: FakeSlack) -> None:
    """Each workspace has its own members and channels; a token reaches only its own."""
    fake.tokens["xoxb-t1"] = Token(("T1",), fake.tokens[BOT_TOKEN].scopes)
    both, t1 = _client(fake), _client(fake, "xoxb-t1")
    assert (await both.users_info(user="U5"))["user"]["team_id"] == "T2"
    assert (await both.chat_postMessage(channel="C2", text="hi"))["ok"]
    assert (await _error(t1.users_info(user="U5"))).response["error"] == "user_not_found"
    assert (await _error(t1.chat_postMessage(channel="C2", text="hi"))).response["error"] == (
        "channel_not_found"
    )
    assert (await t1.auth_test())["team_id"] == "T1"


async def _post(url: str, body: dict[str, Any]) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as response:
        return response.status


async def test_a_response_url_takes_five_posts_within_thirty_minutes(fake: FakeSlack) -> None:
    url = fake.response_url()
    assert [await _post(url, {"text": f"n{i}"}) for i in range(6)] == [200] * 5 + [404]
    assert fake.take_violations() == [f"response_url {url}: used 6 times"]
    old = fake.response_url()
    fake.age(old, 30 * 60 + 1)
    assert await _post(old, {"text": "late"}) == 404
    assert "after 30 minutes" in fake.take_violations()[0]
    assert [r["text"] for r in fake.replies(url)] == ["n0", "n1", "n2", "n3", "n4"]


async def test_a_response_url_checks_its_message(fake: FakeSlack) -> None:
    url = fake.response_url()
    assert await _post(url, {"blocks": [OK_BLOCKS[0]] * 51}) == 400
    assert await _post(url, {"response_type": "in_channel"}) == 400
    assert await _post(f"{fake.base}/response/999", {"text": "x"}) == 404
    found = fake.take_violations()
    assert any("51 blocks" in v for v in found) and any("no_text" in v for v in found)
    assert any("never issued" in v for v in found) and fake.replies(url) == []


def test_block_kit_accepts_the_shapes_it_knows() -> None:
    """A well-formed modal with an input passes the checks (no false alarms)."""
    modal = {
        "type": "modal",
        "callback_id": "c",
        "title": {"type": "plain_text", "text": "Type your answer"},
        "submit": {"type": "plain_text", "text": "Check"},
        "blocks": [
            {"type": "input", "block_id": "answer",
             "label": {"type": "plain_text", "text": "Your answer"},
             "element": {"type": "plain_text_input", "action_id": "text", "max_length": 500}},
        ],
    }  # fmt: skip
    assert block_kit.view(modal) == []
    no_submit = {k: v for k, v in modal.items() if k != "submit"}
    assert block_kit.view(no_submit) == ["view.submit: required when the modal has input blocks"]
