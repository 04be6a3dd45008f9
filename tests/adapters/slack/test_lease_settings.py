"""QUIZBOT_POST_LEASE_SECONDS and QUIZBOT_GAME_LEASE_SECONDS: how long a dead process's daily
post and competition timer wait before a survivor takes them over, read once and handed to
the services the app runs; nonsense refused with the setting's name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.adapters.slack import competition
from bot.process.settings import Settings
from tests.adapters.slack.conftest import FakeClock, SlackHarness, make_settings, served
from tests.adapters.slack.fake_slack import FakeSlack


async def test_the_lease_settings_reach_the_slack_services(tmp_path: Path, fake: FakeSlack) -> None:
    settings = make_settings(
        tmp_path, fake, QUIZBOT_POST_LEASE_SECONDS="9", QUIZBOT_GAME_LEASE_SECONDS="6"
    )
    assert (settings.post_lease_seconds, settings.game_lease_seconds) == (9, 6)
    async with served(settings, fake, FakeClock(), SlackHarness) as (slack, comps):
        assert comps.comps.lease == timedelta(seconds=6)
        assert slack.app is not None and competition.of(slack.app) is comps


def test_defaults_and_refusals() -> None:
    plain = Settings()
    assert (plain.post_lease_seconds, plain.game_lease_seconds) == (120, 30)
    with pytest.raises(ValidationError, match="QUIZBOT_GAME_LEASE_SECONDS"):
        Settings(QUIZBOT_GAME_LEASE_SECONDS="0")
