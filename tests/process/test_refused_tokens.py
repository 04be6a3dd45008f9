"""A refused token stops `quizbot run` with one clear line and a non-zero status.

The real process runs against local fakes that refuse its credentials the way the platforms
do: Discord's REST 401 on login, Discord's gateway close 4004, Slack's `invalid_auth`. In JSON
log mode every line on stderr must be JSON, and the token must appear nowhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web

from tests.adapters.discord.fake_discord import FakeDiscord

TOKEN = "refused-token-value-123456"
QUESTIONS = Path(__file__).parents[2] / "questions"


class Refusing401(FakeDiscord):
    """Discord answering the login request (GET /users/@me) with 401 Unauthorized."""

    async def _me(self, request: web.Request) -> web.Response:
        return self._json({"message": "401: Unauthorized", "code": 0}, status=401)


class Refusing4004(FakeDiscord):
    """Discord accepting REST but closing the gateway with 4004 (Authentication failed)."""

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and json.loads(msg.data)["op"] == 2:
                await ws.close(code=4004, message=b"Authentication failed.")
        return ws


async def run_quizbot(env: dict[str, str], tmp_path: Path) -> tuple[int, list[str]]:
    """`python -m bot run` with `env`; its exit status and stderr lines (bounded in time)."""
    full = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))},
        "QUIZBOT_DB": str(tmp_path / "db.sqlite3"),
        "QUIZBOT_QUESTIONS": str(QUESTIONS),
        "QUIZBOT_LOG_FORMAT": "json",
        **env,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=full,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("quizbot did not stop after its token was refused") from None
    assert proc.returncode is not None
    return proc.returncode, err.decode().splitlines()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_one_clear_line(status: int, lines: list[str], expected: str) -> None:
    assert status == 1
    records = [json.loads(line) for line in lines]  # every line is JSON
    errors = [r for r in records if r["level"] in {"error", "critical"}]
    assert [r["message"] for r in errors] == [f"quizbot: {expected}"]
    assert not any("exception" in r for r in records)  # no traceback
    assert TOKEN not in "\n".join(lines)


@pytest.fixture(params=[Refusing401, Refusing4004], ids=["rest-401", "gateway-4004"])
async def refusing_discord(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    fake = request.param()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


async def test_discord_token_refused(refusing_discord: FakeDiscord, tmp_path: Path) -> None:
    status, lines = await run_quizbot(
        {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_URL": refusing_discord.api_url,
            "DISCORD_GATEWAY_URL": refusing_discord.gateway_url,
            "QUIZBOT_PLATFORM": "discord",
        },
        tmp_path,
    )
    check_one_clear_line(status, lines, "the Discord token was refused: check DISCORD_TOKEN")


@pytest.fixture
async def refusing_slack() -> AsyncIterator[str]:
    """A Slack Web API that answers every method with invalid_auth, as Slack does."""

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error": "invalid_auth"})

    app = web.Application()
    app.router.add_post("/api/{method}", refuse)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/api/"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_slack_token_refused(refusing_slack: str, tmp_path: Path, mode: str) -> None:
    extra = (
        {"SLACK_SIGNING_SECRET": "signing-secret-x", "QUIZBOT_SLACK_PORT": str(free_port())}
        if mode == "http"
        else {"SLACK_APP_TOKEN": "xapp-" + TOKEN}
    )
    status, lines = await run_quizbot(
        {
            "SLACK_BOT_TOKEN": "xoxb-" + TOKEN,
            "SLACK_API_URL": refusing_slack,
            "QUIZBOT_PLATFORM": "slack",
            **extra,
        },
        tmp_path,
    )
    check_one_clear_line(
        status, lines, "the Slack token was refused (invalid_auth): check SLACK_BOT_TOKEN"
    )


async def test_bad_setting_in_json_mode_is_one_json_line(tmp_path: Path) -> None:
    status, lines = await run_quizbot({"QUIZBOT_NEW_PER_DAY": "lots"}, tmp_path)
    assert status == 2
    [record] = [json.loads(line) for line in lines]
    assert record["level"] == "error"
    assert record["message"].startswith("quizbot: setting QUIZBOT_NEW_PER_DAY:")
