"""Slack for many workspaces as an operator runs it: clear errors for missing or conflicting
settings, `run_slack` serving the install page, installations surviving a restart and a key
rotation, and two instances sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet

from bot.adapters.errors import MissingSetting
from bot.adapters.slack.oauth import NOT_INSTALLED
from bot.process.platforms import run_slack
from bot.process.settings import Settings
from tests.adapters.slack.fake_slack import FakeSlack, mrkdwn_texts, wait_until
from tests.adapters.slack.oauth_harness import KEY, oauth_settings, serve_multi
from tests.adapters.slack.test_run import APP_LOG, _free_port, _ready, _stop
from tests.backends import postgres_url


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"slack_client_id": "1.2"}, "SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET, QUIZBOT_SECRET_KEY"),
        ({"slack_client_secret": "s", "slack_signing_secret": "x", "secret_key": KEY},
         r"needs SLACK_CLIENT_ID \(README"),
    ],
)  # fmt: skip
async def test_missing_settings_are_named_in_one_line(
    tmp_path: Path, given: dict[str, str], named: str
) -> None:
    settings = Settings(db=tmp_path / "db.sqlite3", **given)  # type: ignore[arg-type]
    with pytest.raises(MissingSetting, match=named) as caught:
        await run_slack(settings)
    assert "\n" not in str(caught.value) and not (tmp_path / "db.sqlite3").exists()


@pytest.mark.parametrize("other", ["slack_bot_token", "slack_app_token"])
async def test_a_single_workspace_token_beside_a_client_id_is_refused(
    tmp_path: Path, other: str
) -> None:
    settings = Settings(
        db=tmp_path / "db.sqlite3", slack_client_id="1.2", slack_client_secret="s",
        slack_signing_secret="x", secret_key=KEY, **{other: "xoxb-or-xapp"},
    )  # fmt: skip
    with pytest.raises(MissingSetting, match=f"{other.upper()} and SLACK_CLIENT_ID"):
        await run_slack(settings)


async def test_a_secret_key_that_is_not_a_fernet_key_is_refused(tmp_path: Path) -> None:
    settings = Settings(
        db=tmp_path / "db.sqlite3", slack_client_id="1.2", slack_client_secret="s",
        slack_signing_secret="x", secret_key="correct horse battery staple",
    )  # fmt: skip
    with pytest.raises(MissingSetting, match=r"Fernet\.generate_key"):
        await run_slack(settings)


async def test_run_slack_serves_the_install_page(
    tmp_path: Path, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """No bot token and no auth.test at start: the process serves /slack/install, the redirect
    and /slack/events on QUIZBOT_SLACK_PORT."""
    caplog.set_level(logging.INFO, logger=APP_LOG)
    port = _free_port()
    task = asyncio.create_task(run_slack(oauth_settings(tmp_path, fake, slack_port=port)))
    try:
        await wait_until(lambda: _ready(caplog, f"quizbot ready: slack (oauth on {port})"))
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/slack/install") as page:
                assert page.status == 200 and "Add to Slack" in await page.text()
            async with http.get(f"http://127.0.0.1:{port}/slack/oauth_redirect") as back:
                assert back.status == 400  # no state cookie: refused
    finally:
        await _stop(task)
    assert fake.calls == []


async def test_installs_survive_a_restart_and_a_key_rotation(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """Restarted with a new key in front of the old one, the bot still opens the stored
    tokens; with only an unrelated key it cannot, and says so instead of using them."""
    async with serve_multi(oauth_settings(tmp_path, fake), fake) as slack:
        await slack.install("T1")
    rotated = f"{Fernet.generate_key().decode()},{KEY}"
    async with serve_multi(oauth_settings(tmp_path, fake, secret_key=rotated), fake) as slack:
        assert "/quiz study" in " ".join(mrkdwn_texts(await slack.ask("help")))
    wrong = Fernet.generate_key().decode()
    async with serve_multi(oauth_settings(tmp_path, fake, secret_key=wrong), fake) as slack:
        assert (await slack.ask("help"))["text"] == NOT_INSTALLED


async def test_two_instances_share_installs_and_states(tmp_path: Path, fake: FakeSlack) -> None:
    """Behind one address: an install started on one instance finishes on the other, and
    both serve the workspace with its token from the shared database."""
    url = await postgres_url(tmp_path)
    first = oauth_settings(tmp_path / "a", fake, database_url=url)
    second = oauth_settings(tmp_path / "b", fake, database_url=url)
    async with serve_multi(first, fake) as a, serve_multi(second, fake) as b:
        authorize, cookie = await a.start("T2")
        back = await a.approve(authorize)
        back = back.replace(a.base, b.base)  # the redirect reaches the other instance
        assert (await b.get(back, cookie)).status == 200
        for instance in (a, b):
            reply = await instance.ask("help", "U5", team="T2", channel="C2")
            assert reply.get("text") != NOT_INSTALLED
        assert set(fake.tokens_used("auth.test")) == set(fake.tokens_of("T2"))
