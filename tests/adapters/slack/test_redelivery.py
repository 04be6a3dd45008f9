"""Slack in HTTP mode with two instances behind one address, on one database: an event Slack
redelivers (X-Slack-Retry-Num, the same event_id) to either instance is handled once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.slack.conftest import FakeClock, SlackHarness, make_settings, served
from tests.adapters.slack.fake_slack import FakeSlack
from tests.backends import SQL_BACKENDS, postgres_url

HOME = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.1"}


async def database(kind: str, folder: Path) -> dict[str, Any]:
    return {"QUIZBOT_DATABASE_URL": await postgres_url(folder)} if kind == "postgres" else {}


@pytest.mark.parametrize("kind", SQL_BACKENDS)
async def test_a_redelivered_event_counts_once_across_instances(
    kind: str, tmp_path: Path, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, fake, **await database(kind, tmp_path))
    clock = FakeClock()
    caplog.set_level(logging.INFO, logger="bot.adapters.slack.seen")
    async with (
        served(settings, fake, clock, SlackHarness) as (one, _),
        served(settings, fake, clock, SlackHarness, seed=8) as (two, _),
    ):
        assert await one.event(HOME, event_id="EvHome1") == 200
        await fake.call("views.publish")
        # Slack did not hear back in time: it retries, and the load balancer picks either
        assert await two.event(HOME, event_id="EvHome1", retry=1) == 200
        assert await one.event(HOME, event_id="EvHome1", retry=2) == 200
        assert caplog.text.count("event EvHome1 already handled") == 2
        # a new event on the second instance is handled: it is not deaf, only the retries are
        assert await two.event(HOME, event_id="EvHome2") == 200
        await fake.call("views.publish", count=2)
        await asyncio.sleep(0.5)  # room for a wrongly handled retry to show up (none may)
        assert len(fake.called("views.publish")) == 2
