"""The bot's calls to Slack share one session: connections are kept alive between replies
(a burst of clicks would otherwise open two connections each), and closed when it stops."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.process.platforms import run_slack
from tests.adapters.slack.conftest import FORM, command_form, make_settings, sign
from tests.adapters.slack.fake_slack import FakeSlack, wait_until
from tests.adapters.slack.test_run import _free_port, _ready, _stop

CLICKS = 8


async def test_replies_share_connections_and_stop_closes_them(
    tmp_path: Path, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """Eight `/quiz help` in a row: eight replies on their response_urls, over one or two
    kept-alive connections rather than eight; stopping leaves no session open."""
    caplog.set_level(logging.INFO)
    port = _free_port()
    task = asyncio.create_task(run_slack(make_settings(tmp_path, fake, slack_port=port)))
    try:
        await wait_until(lambda: _ready(caplog, f"quizbot ready: slack (http on {port})"))
        async with aiohttp.ClientSession() as http:
            for n in range(CLICKS):
                body = urlencode(command_form(fake, "help", "U1"))
                ts = str(int(time.time()))
                headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": ts,
                           "X-Slack-Signature": sign(body, ts)}  # fmt: skip
                url = f"http://127.0.0.1:{port}/slack/events"
                async with http.post(url, data=body, headers=headers) as response:
                    assert response.status == 200
                await fake.next_response(n + 1)
    finally:
        await _stop(task)
    replies = {peer for path, peer in fake.peers if path.startswith("/response/")}
    assert len(fake.responses) == CLICKS
    assert len(replies) <= 2
    gc.collect()  # an unclosed session says so when it is collected
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage()]
