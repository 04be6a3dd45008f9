"""The fake Discord refuses what Discord refuses, with Discord's error bodies, and fails on demand."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.adapters.discord import _attachments, _contract
from tests.adapters.discord.conftest import Env
from tests.adapters.discord.fake_discord import (
    ALICE,
    APP_ID,
    CHANNEL2_ID,
    CHANNEL_ID,
    GUILD2_ID,
    GUILD_ID,
    FakeDiscord,
)


def button(custom_id: str, label: str = "A") -> dict[str, Any]:
    return {"type": 2, "style": 2, "custom_id": custom_id, "label": label}


def row(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(items)}


VALID = {
    "content": "x" * 2000,
    "embeds": [
        {
            "title": "t" * 256,
            "description": "d" * 3000,
            "fields": [{"name": "n", "value": "v" * 1024}],
        }
    ],
    "components": [row(*(button(f"b{r}{i}", "L" * 80) for i in range(5))) for r in range(5)],
    "allowed_mentions": {"parse": []},
}


@pytest.fixture
async def http(fake: FakeDiscord) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{fake.port}") as session:
        yield session


async def post(http: aiohttp.ClientSession, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    async with http.post(f"/api/v10{path}", json=body) as response:
        return response.status, await response.json()


def test_a_message_at_every_limit_is_valid() -> None:
    assert _contract.check_message(VALID) == []


@pytest.mark.parametrize(
    ("change", "where", "code"),
    [
        ({"content": "x" * 2001}, ("content",), "BASE_TYPE_MAX_LENGTH"),
        (
            {"components": [row(*(button(f"b{i}") for i in range(6)))]},
            ("components", "0", "components"),
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {"components": [row(button(f"b{i}")) for i in range(6)]},
            ("components",),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"components": [row(button("b", "L" * 81))]},
            ("components", "0", "components", "0", "label"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"components": [row(button("c" * 101))]},
            ("components", "0", "components", "0", "custom_id"),
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {"components": [row(button("same"), button("same"))]},
            ("components", "0", "components", "1", "custom_id"),
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
        ({"embeds": [{"title": "t" * 257}]}, ("embeds", "0", "title"), "BASE_TYPE_MAX_LENGTH"),
        (
            {"embeds": [{"description": "d" * 4097}]},
            ("embeds", "0", "description"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            ("embeds", "0", "fields", "0", "value"),
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"embeds": [{"fields": [{"name": "n", "value": ""}]}]},
            ("embeds", "0", "fields", "0", "value"),
            "BASE_TYPE_REQUIRED",
        ),
        (
            {"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]},
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
        (
            {"allowed_mentions": {"parse": ["users"], "users": ["1"]}},
            ("allowed_mentions", "parse"),
            "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
        ),
        (
            {"allowed_mentions": {"parse": ["channels"]}},
            ("allowed_mentions", "parse", "0"),
            "BASE_TYPE_CHOICES",
        ),
    ],
)
async def test_an_invalid_channel_message_gets_invalid_form_body(
    fake: FakeDiscord, http: aiohttp.ClientSession, change: dict, where: tuple, code: str
) -> None:
    """400 with code 50035 and the bad field's path in `errors`; the violation is recorded."""
    status, body = await post(http, f"/channels/{CHANNEL_ID}/messages", {**VALID, **change})
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    node = body["errors"]
    for part in where:
        node = node[part]
    assert code in [e["code"] for e in node["_errors"]]
    assert len(fake.violations) == 1 and not [c for c in fake.calls if c.kind == "channel"]
    fake.violations.clear()


async def test_a_valid_message_is_posted_in_either_guild(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    for channel in (CHANNEL_ID, CHANNEL2_ID):
        status, message = await post(http, f"/channels/{channel}/messages", VALID)
        assert status == 200 and message["channel_id"] == channel
    status, body = await post(http, "/channels/999/messages", VALID)
    assert (status, body["code"]) == (404, 10003)


async def test_callbacks_need_a_live_token_and_answer_once(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """Unknown token: 10062. Past the window: 10062. Twice: 40060. Followups need the token."""
    reply = {"type": 4, "data": {"content": "hi"}}
    iid, token = fake.open_interaction()
    status, body = await post(http, f"/interactions/{iid}/not-{token}/callback", reply)
    assert (status, body["code"], body["message"]) == (404, 10062, "Unknown interaction")
    status, body = await post(
        http, f"/interactions/{iid}/{token}/callback", {"type": 4, "data": {"content": "x" * 2001}}
    )
    assert (status, body["code"]) == (400, 50035)
    fake.violations.clear()
    assert (await post(http, f"/interactions/{iid}/{token}/callback", reply))[0] == 200
    status, body = await post(http, f"/interactions/{iid}/{token}/callback", reply)
    assert (status, body["code"]) == (400, 40060)
    assert (await post(http, f"/webhooks/{APP_ID}/{token}", {"content": "more"}))[0] == 200
    status, body = await post(http, f"/webhooks/{APP_ID}/token-0", {"content": "more"})
    assert (status, body["code"]) == (404, 10015)

    late_iid, late_token = fake.open_interaction()
    fake.response_window = 0.0
    status, body = await post(http, f"/interactions/{late_iid}/{late_token}/callback", reply)
    assert (status, body["code"]) == (404, 10062)
    fake.token_lifetime = 0.0
    status, body = await post(http, f"/webhooks/{APP_ID}/{token}", {"content": "late"})
    assert (status, body["code"]) == (401, 50027)


async def test_failures_on_demand(fake: FakeDiscord, http: aiohttp.ClientSession) -> None:
    """403 Missing Permissions, 429 with Retry-After (and Via), 5xx; each once, then served."""
    path = f"/channels/{CHANNEL_ID}/messages"
    fake.fail("channel", 403)
    fake.fail("channel", 429, retry_after=0.25)
    fake.fail("channel", 503)
    status, body = await post(http, path, VALID)
    assert (status, body["code"], body["message"]) == (403, 50013, "Missing Permissions")
    async with http.post(f"/api/v10{path}", json=VALID) as response:
        body = await response.json()
        assert response.status == 429 and response.headers["Retry-After"] == "0.25"
        assert body["retry_after"] == 0.25 and response.headers["Via"]
    assert (await post(http, path, VALID))[0] == 503
    assert (await post(http, path, VALID))[0] == 200
    assert [r[1] for r in fake.refused] == [403, 429, 503]


async def test_command_registration_is_checked() -> None:
    long_name = {"name": "x" * 33, "description": "d"}
    upper = {"name": "Quiz", "description": "d"}
    many = {
        "name": "many",
        "description": "d",
        "options": [
            {
                "type": 3,
                "name": "o",
                "description": "d",
                "choices": [{"name": str(i), "value": str(i)} for i in range(26)],
            }
        ],
    }
    order = {
        "name": "order",
        "description": "d",
        "options": [
            {"type": 3, "name": "a", "description": "d"},
            {"type": 3, "name": "b", "description": "d", "required": True},
        ],
    }
    codes = {p.code for p in _contract.check_commands([long_name, upper, many, order, upper])}
    assert codes == {
        "BASE_TYPE_BAD_LENGTH",
        "APPLICATION_COMMAND_INVALID_NAME",
        "BASE_TYPE_MAX_LENGTH",
        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
        "APPLICATION_COMMANDS_DUPLICATE_NAME",
    }


async def test_autocomplete_choices_are_checked() -> None:
    choices = [{"name": f"deck {i}", "value": str(i)} for i in range(26)]
    problems = _contract.check_callback({"type": 8, "data": {"choices": choices}})
    assert [p.path for p in problems] == [("data", "choices")]
    choices = [{"name": "n" * 101, "value": "v"}]
    problems = _contract.check_callback({"type": 8, "data": {"choices": choices}})
    assert [p.code for p in problems] == ["BASE_TYPE_BAD_LENGTH"]


async def test_the_bot_serves_both_guilds_apart(env: Env) -> None:
    """Commands are synced to both guilds; a score in one never shows on the other's board."""
    assert {GUILD_ID, GUILD2_ID} <= set(env.fake.synced)
    question = await env.fake.command("quiz", {"deck": "geo", "questions": 1})
    city = {"France": "Paris", "Italy": "Rome", "Germany": "Berlin"}
    answer = next(c for k, c in city.items() if f"capital of {k}" in question.text)
    button_id = next(
        b["custom_id"]
        for r in question.data["components"]
        for b in r["components"]
        if b.get("label", "").endswith(f". {answer}")
    )
    await env.fake.click(question, button_id)
    here = await env.fake.command("leaderboard", {"period": "all"})
    there = await env.fake.command("leaderboard", {"period": "all"}, guild=GUILD2_ID)
    assert f"<@{ALICE['id']}>" in here.text and "You: #1" in here.text
    assert f"<@{ALICE['id']}>" not in there.text and "No scores yet" in there.text
    assert there.message is not None and there.message["channel_id"] == CHANNEL2_ID


async def test_an_upload_is_served_only_at_its_signed_address(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """The attachment object has Discord's shape; the bytes come from `url` or `proxy_url`
    with the signature intact, and a tampered address gets Discord's 404."""
    upload = fake.upload("notes.txt", b"What?\nThat.\n", content_type="text/plain")
    shape = upload.shape(fake.base_url)
    assert set(shape) == {"id", "filename", "size", "url", "proxy_url", "content_type",
                          "ephemeral"}  # fmt: skip
    assert shape["size"] == 12 and "/ephemeral-attachments/" in shape["url"]
    for url in (shape["url"], shape["proxy_url"]):
        async with http.get(url) as response:
            assert response.status == 200 and await response.read() == b"What?\nThat.\n"
    async with http.get(shape["url"].split("?")[0]) as response:
        assert response.status == 404
        assert await response.text() == "This content is no longer available."
    assert fake.uploads.requests == [upload.id] * 3


async def test_a_failing_upload_answers_its_status(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    for status in (403, 404):
        url = fake.upload("x.txt", b"x", status=status).shape(fake.base_url)["url"]
        async with http.get(url) as response:
            assert response.status == status


PNG = b"\x89PNG\r\n\x1a\n"


def _multipart(body: dict[str, Any], files: list[tuple[str, bytes]]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("payload_json", json.dumps(body), content_type="application/json")
    for i, (name, data) in enumerate(files):
        form.add_field(f"files[{i}]", data, filename=name, content_type="image/png")
    return form


@pytest.mark.parametrize(
    ("body", "files", "code"),
    [
        ({"embeds": [{"image": {"url": "attachment://card.png"}}]}, [], "EMBED_ATTACHMENT_UNKNOWN"),
        ({"embeds": [{"image": {"url": "media:card.png"}}]}, [], "URL_TYPE_INVALID_SCHEME"),
        ({"embeds": [{"image": {"url": "card.png"}}]}, [], "URL_TYPE_INVALID_URL"),
        (
            {"embeds": [{"image": {"url": "attachment://my card.png"}}]},
            [("my card.png", PNG)],
            "EMBED_ATTACHMENT_UNKNOWN",
        ),
        ({"attachments": [{"id": 3, "filename": "a.png"}]}, [], "ATTACHMENT_NOT_FOUND"),
        ({}, [(f"{i}.png", PNG) for i in range(11)], "BASE_TYPE_MAX_LENGTH"),
    ],
)
def test_files_and_pictures_are_checked(
    body: dict[str, Any], files: list[tuple[str, bytes]], code: str
) -> None:
    triples = [(name, "image/png", data) for name, data in files]
    assert code in [p.code for p in _attachments.check_files(body, triples)]


def test_a_picture_named_by_an_attached_file_is_valid() -> None:
    body = {
        "embeds": [{"image": {"url": "attachment://card.png"}}],
        "attachments": [{"id": 0, "filename": "card.png"}],
    }
    assert _attachments.check_files(body, [("card.png", "image/png", PNG)]) == []
    assert (
        _attachments.check_files({"embeds": [{"image": {"url": "https://x.test/a.png"}}]}, []) == []
    )


async def test_files_over_the_upload_limit_get_413(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    fake.attachment_limit = 1000
    form = _multipart({"content": "big"}, [("a.png", b"x" * 600), ("b.png", b"x" * 600)])
    async with http.post(f"/api/v10/channels/{CHANNEL_ID}/messages", data=form) as response:
        body = await response.json()
    assert (response.status, body["code"]) == (413, 40005)
    assert [p.code for _, problems in fake.violations for p in problems] == [
        "REQUEST_ENTITY_TOO_LARGE"
    ]
    fake.violations.clear()


async def test_an_edit_keeps_or_drops_a_messages_files(
    fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """Without `attachments` an edit keeps the files; `attachments: []` drops them."""
    body = {"embeds": [{"image": {"url": "attachment://card.png"}}]}
    form = _multipart(body, [("card.png", PNG)])
    async with http.post(f"/api/v10/channels/{CHANNEL_ID}/messages", data=form) as response:
        message = await response.json()
    assert [a["filename"] for a in message["attachments"]] == ["card.png"]
    iid, token = fake.open_interaction()
    await post(http, f"/interactions/{iid}/{token}/callback", {"type": 4, "data": {"content": "x"}})
    mid = fake.calls[-1].message_id
    path = f"/api/v10/webhooks/{APP_ID}/{token}/messages/{mid}"
    async with http.patch(path, data=_multipart({"content": "pic"}, [("card.png", PNG)])):
        pass
    async with http.patch(path, json={"content": "kept"}) as response:
        assert len((await response.json())["attachments"]) == 1
    async with http.patch(path, json={"content": "dropped", "attachments": []}) as response:
        assert (await response.json())["attachments"] == []


def test_modal_text_inputs_are_checked() -> None:
    def modal(**item: Any) -> dict[str, Any]:
        field = {"type": 4, "custom_id": "f", "style": 1, "label": "Name", **item}
        data = {"custom_id": "m", "title": "T", "components": [row(field)]}
        return {"type": 9, "data": data}

    assert _contract.check_callback(modal()) == []
    cases = {
        "BASE_TYPE_CHOICES": modal(style=3),
        "BASE_TYPE_BAD_LENGTH": modal(label="L" * 46),
        "NUMBER_TYPE_OUT_OF_RANGE": modal(max_length=4001),
        "BASE_TYPE_MAX_LENGTH": modal(value="v" * 4001),
    }
    for code, body in cases.items():
        assert code in [p.code for p in _contract.check_callback(body)], code
    two = modal()
    two["data"]["components"][0]["components"].append(
        {"type": 4, "custom_id": "g", "style": 1, "label": "Other"}
    )
    assert [p.path[-1] for p in _contract.check_callback(two)] == ["components"]
