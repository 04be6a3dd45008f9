"""run_slack itself: settings checks, Socket Mode through a local websocket, HTTP, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.adapters.errors import MissingSetting
from bot.process.platforms import run_slack
from bot.process.settings import Settings
from tests.adapters.slack.conftest import (
    FORM,
    block_action,
    command_form,
    event_callback,
    make_settings,
    sign,
)
from tests.adapters.slack.fake_slack import FakeSlack, buttons, mrkdwn_texts, wait_until
from tests.adapters.slack.test_study import right_option

APP_LOG = "bot.adapters.slack.app"


def _ready(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)


async def test_missing_bot_token(tmp_path: Path) -> None:
    """Without SLACK_BOT_TOKEN run_slack stops at once with a one-line MissingSetting."""
    settings = Settings(slack_app_token="xapp-test", db=tmp_path / "db.sqlite3")
    with pytest.raises(MissingSetting, match="SLACK_BOT_TOKEN") as caught:
        await run_slack(settings)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "db.sqlite3").exists()


async def test_missing_transport(tmp_path: Path) -> None:
    """A bot token alone is not enough: it needs SLACK_APP_TOKEN or SLACK_SIGNING_SECRET."""
    settings = Settings(slack_bot_token="xoxb-test", db=tmp_path / "db.sqlite3")
    with pytest.raises(MissingSetting, match=r"SLACK_APP_TOKEN.*SLACK_SIGNING_SECRET"):
        await run_slack(settings)


async def test_socket_mode_end_to_end(
    tmp_path: Path, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Socket Mode: command, click and Home event arrive as envelopes, each one acked."""
    caplog.set_level(logging.INFO, logger=APP_LOG)
    settings = make_settings(tmp_path, fake, slack_app_token="xapp-test")
    task = asyncio.create_task(run_slack(settings))
    try:
        await wait_until(lambda: _ready(caplog, "quizbot ready: slack (socket)"))
        assert fake.called("apps.connections.open")
        envelope = await fake.send_envelope(
            "slash_commands",
            command_form(fake, "go capitals 1", "U1"),
            accepts_response_payload=True,
        )
        card = await fake.next_response(1)
        await wait_until(lambda: any(a.get("envelope_id") == envelope for a in fake.acks))
        await fake.send_envelope("interactive", block_action(fake, right_option(card), "U1"))
        feedback = await fake.next_response(2)
        assert "Right!" in " ".join(mrkdwn_texts(feedback))
        assert "quiz.next" in buttons(feedback)
        home = {"type": "app_home_opened", "user": "U1", "tab": "home", "event_ts": "1.1"}
        await fake.send_envelope("events_api", event_callback(home), retry_attempt=0)
        published = await fake.call("views.publish")
        assert published["user_id"] == "U1"
    finally:
        await _stop(task)
    assert task.done()
    await wait_until(lambda: all(ws.closed for ws in fake._sockets))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_http_mode_serves_signed_requests(
    tmp_path: Path, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """HTTP mode: run_slack listens on QUIZBOT_SLACK_PORT, says so, and answers /slack/events."""
    caplog.set_level(logging.INFO, logger=APP_LOG)
    port = _free_port()
    task = asyncio.create_task(run_slack(make_settings(tmp_path, fake, slack_port=port)))
    try:
        await wait_until(lambda: _ready(caplog, f"quizbot ready: slack (http on {port})"))
        body = urlencode(command_form(fake, "help", "U1"))
        ts = str(int(time.time()))
        headers = {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(body, ts),
        }
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/slack/events"
            async with http.post(url, data=body, headers=headers) as response:
                assert response.status == 200
        reply = await fake.next_response(1)
        assert "/quiz go [deck] [n]" in json.dumps(reply)
    finally:
        await _stop(task)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
