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


# --- files: what members upload, what the bot uploads --------------------------------------


async def _get(url: str, token: str | None = BOT_TOKEN) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        return response.status, await response.read()


async def test_files_info_describes_a_members_upload(fake: FakeSlack) -> None:
    """Slack's file object; a size that lies; another workspace's file is not found."""
    shared = fake.add_file("deck.apkg", b"x" * 5000, declared=10)
    info = (await _client(fake).files_info(file=shared["id"]))["file"]
    assert info["name"] == "deck.apkg" and info["filetype"] == "apkg" and info["size"] == 10
    assert info["url_private_download"].startswith(fake.base + "/files-pri/T1-")
    fake.tokens["xoxb-t2"] = Token(("T2",), fake.tokens[BOT_TOKEN].scopes)
    error = await _error(_client(fake, "xoxb-t2").files_info(file=shared["id"]))
    assert error.response["error"] == "file_not_found"
    assert not fake.violations


async def test_files_info_needs_files_read(fake: FakeSlack) -> None:
    shared = fake.add_file("deck.csv", b"q,a\n")
    fake.grant(fake.tokens[BOT_TOKEN].scopes - {"files:read"})
    error = await _error(_client(fake).files_info(file=shared["id"]))
    assert error.response["error"] == "missing_scope" and error.response["needed"] == "files:read"
    assert fake.take_violations() == ["files.info: missing_scope ['files:read']"]


async def test_url_private_wants_the_bot_token(fake: FakeSlack) -> None:
    """The bytes for the bot token (chunked, whatever files.info declared); 403 without it or
    for a token that may not read files; every request is recorded."""
    shared = fake.add_file("deck.txt", b"a" * 200_000, declared=3)
    assert await _get(shared["url_private"]) == (200, b"a" * 200_000)
    assert (await _get(shared["url_private_download"], None))[0] == 403
    assert (await _get(shared["url_private"], "xoxb-nope"))[0] == 403
    fake.grant(fake.tokens[BOT_TOKEN].scopes - {"files:read"})
    assert (await _get(shared["url_private"]))[0] == 403
    assert [(d.authorized, d.status) for d in fake.downloads] == [
        (True, 200), (False, 403), (False, 403), (False, 403)
    ]  # fmt: skip


async def test_a_download_can_fail_on_demand(fake: FakeSlack) -> None:
    shared = fake.add_file("deck.txt", b"a", status=503)
    assert (await _get(shared["url_private"]))[0] == 503


async def test_the_upload_flow_has_slacks_shapes(fake: FakeSlack) -> None:
    """files_upload_v2 without a channel: the file exists, private to the bot, and an image
    block may name it by id; one never completed may not."""
    reply = await _client(fake).files_upload_v2(file=b"\x89PNG....", filename="pic.png")
    file_id = reply["file"]["id"]
    assert fake.bot_file(file_id) is not None and reply["file"]["ims"] == []
    image = {"type": "image", "slack_file": {"id": file_id}, "alt_text": "a picture"}
    assert (await _client(fake).chat_postMessage(channel="C1", text="t", blocks=[image]))["ok"]
    started = await _client(fake).files_getUploadURLExternal(filename="x.png", length=4)
    error = await _error(
        _client(fake).files_completeUploadExternal(files=[{"id": started["file_id"]}])
    )
    assert error.response["error"] == "file_not_found"
    unknown = {**image, "slack_file": {"id": started["file_id"]}}
    error = await _error(_client(fake).chat_postMessage(channel="C1", text="t", blocks=[unknown]))
    assert error.response["error"] == "invalid_blocks"
    found = fake.take_violations()
    assert "was not uploaded in full" in found[0] and "no file the bot uploaded" in found[1]


async def test_an_upload_must_send_the_length_it_announced(fake: FakeSlack) -> None:
    started = await _client(fake).files_getUploadURLExternal(filename="x.png", length=10)
    async with aiohttp.ClientSession() as http, http.post(started["upload_url"], data=b"123") as r:
        assert r.status == 400
    error = await _error(_client(fake).files_getUploadURLExternal(filename="x.png", length=0))
    assert error.response["error"] == "invalid_arguments"
    found = fake.take_violations()
    assert "3 bytes, announced 10" in found[0] and "length 0" in found[1]


def _file_modal(**element: Any) -> dict[str, Any]:
    file_input = {"type": "file_input", "action_id": "file", "max_files": 1, **element}
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Import"},
        "submit": {"type": "plain_text", "text": "Go"},
        "blocks": [{"type": "input", "block_id": "file", "optional": True,
                    "label": {"type": "plain_text", "text": "File"}, "element": file_input}],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("element", "problem"),
    [
        ({"filetypes": [".apkg"]}, "not a lower-case extension"),
        ({"filetypes": ["APKG"]}, "not a lower-case extension"),
        ({"filetypes": []}, "non-empty list"),
        ({"max_files": 0}, "1 to 10"),
        ({"max_files": 11}, "1 to 10"),
        ({"multiple": True}, "unknown fields ['multiple']"),
    ],
)
async def test_a_file_input_is_checked(
    fake: FakeSlack, element: dict[str, Any], problem: str
) -> None:
    error = await _error(_client(fake).views_open(trigger_id="t", view=_file_modal(**element)))
    assert error.response["error"] == "invalid_arguments"
    assert any(problem in v for v in fake.take_violations())


async def test_a_file_input_needs_files_read_and_a_modal(fake: FakeSlack) -> None:
    modal = _file_modal(filetypes=["apkg", "csv"])
    assert block_kit.view(modal) == []
    assert (await _client(fake).views_open(trigger_id="t", view=modal))["ok"]
    error = await _error(
        _client(fake).chat_postMessage(channel="C1", text="t", blocks=modal["blocks"])
    )
    assert error.response["error"] == "invalid_blocks"
    assert "file_input works only in a modal" in fake.take_violations()[0]
    fake.grant(fake.tokens[BOT_TOKEN].scopes - {"files:read"})
    error = await _error(_client(fake).views_open(trigger_id="t", view=modal))
    assert error.response["error"] == "missing_scope" and error.response["needed"] == "files:read"
    assert fake.take_violations() == ["views.open: missing_scope ['files:read']"]


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ({"image_url": "pic.png"}, "is not a URL"),
        ({"slack_file": {"id": "F1", "url": "https://files.slack.com/x"}}, "exactly one of id"),
        ({"image_url": "https://e.x/p.png", "slack_file": {"id": "F1"}}, "exactly one of"),
        ({}, "exactly one of image_url and slack_file"),
    ],
)
async def test_an_image_names_a_url_or_an_uploaded_file(
    fake: FakeSlack, image: dict[str, Any], problem: str
) -> None:
    block = {"type": "image", "alt_text": "a picture", **image}
    error = await _error(_client(fake).chat_postMessage(channel="C1", text="t", blocks=[block]))
    assert error.response["error"] == "invalid_blocks"
    assert any(problem in v for v in fake.take_violations())


async def test_views_update_names_its_view(fake: FakeSlack) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    error = await _error(_client(fake).api_call("views.update", json={"view": modal}))
    assert error.response["error"] == "invalid_arguments"
    assert fake.take_violations() == ["views.update: view_id or external_id"]
    assert (await _client(fake).views_update(view=modal, view_id="V1"))["ok"]


async def test_installed_tokens_reach_only_their_workspace(fake: FakeSlack) -> None:
    """oauth.v2.access turns a code into a token for the installing workspace: auth.test
    names that workspace and its bot user; T2's channels and members are out of its reach;
    a code works once; the client secret must match; an expired rotating token is refused
    until the refresh token gets a new one."""
    from tests.adapters.slack import fake_oauth

    fake.app.redirect_url, fake.app.rotation = "https://bot.example/slack/oauth_redirect", True
    async with aiohttp.ClientSession() as http:
        url = f"{fake.base}/oauth/v2/authorize?client_id={fake_oauth.CLIENT_ID}&scope=chat:write&team=T1"
        async with http.get(url, allow_redirects=False) as consent:
            code = consent.headers["Location"].split("code=")[1].split("&")[0]
    oauth = AsyncWebClient(base_url=fake.api_url)
    creds = {"client_id": fake_oauth.CLIENT_ID, "client_secret": fake_oauth.CLIENT_SECRET}
    wrong = {**creds, "client_secret": "guess"}
    assert (await _error(oauth.oauth_v2_access(code=code, **wrong))).response["error"] == (
        "bad_client_secret"
    )
    granted = await oauth.oauth_v2_access(code=code, **creds)
    assert (granted["team"]["id"], granted["scope"], granted["authed_user"]) == (
        "T1", "chat:write", {"id": "U1"},
    )  # fmt: skip
    assert (await _error(oauth.oauth_v2_access(code=code, **creds))).response["error"] == (
        "invalid_code"
    )
    t1 = _client(fake, granted["access_token"])
    me = await t1.auth_test()
    assert (me["team_id"], me["user_id"]) == ("T1", fake_oauth.bot_user("T1"))
    assert (await _error(t1.chat_postMessage(channel="C2", text="x"))).response["error"] == (
        "channel_not_found"
    )
    fake.expire(granted["access_token"])
    assert (await _error(t1.auth_test())).response["error"] == "token_expired"
    fresh = await oauth.oauth_v2_access(
        grant_type="refresh_token", refresh_token=granted["refresh_token"], **creds
    )
    assert (await _client(fake, fresh["access_token"]).auth_test())["team_id"] == "T1"
