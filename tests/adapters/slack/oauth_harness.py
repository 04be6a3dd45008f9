"""Slack for many workspaces in tests: the bot built by `served` in OAuth mode, and an
installer's browser walking the install pages (the app's, then the fake Slack's authorize page,
then back to the app's redirect URL)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bot.process.settings import Settings
from tests.adapters.slack.conftest import SECRET, FakeClock, SlackHarness, make_settings, served
from tests.adapters.slack.fake_oauth import CLIENT_ID, CLIENT_SECRET
from tests.adapters.slack.fake_slack import FakeSlack

KEY = Fernet.generate_key().decode()
COOKIE = "slack-app-oauth-state"


def oauth_settings(tmp_path: Path, fake: FakeSlack, **extra: Any) -> Settings:
    """No bot token: a client id and secret, the signing secret and a key to seal tokens."""
    values: dict[str, Any] = {
        "slack_bot_token": None, "slack_client_id": CLIENT_ID,
        "slack_client_secret": CLIENT_SECRET, "secret_key": KEY,
    }  # fmt: skip
    return make_settings(tmp_path, fake, **(values | extra))


@dataclass(frozen=True)
class Visit:
    """One page the browser got: status, body, and where it was sent next (302)."""

    status: int
    text: str
    location: str = ""
    cookie: str = ""


class Installer(SlackHarness):
    """The harness, plus the browser of a workspace admin who installs the app."""

    @property
    def base(self) -> str:
        return self.url.removesuffix("/slack/events")

    async def get(self, url: str, cookie: str = "") -> Visit:
        headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
        async with self.http.get(url, headers=headers, allow_redirects=False) as response:
            found = re.search(rf"{COOKIE}=([^;]+)", response.headers.get("Set-Cookie", ""))
            return Visit(
                response.status, await response.text(), response.headers.get("Location", ""),
                found.group(1) if found else "",
            )  # fmt: skip

    async def start(self, team: str) -> tuple[str, str]:
        """The install page: the authorize URL behind its button, and the state cookie."""
        page = await self.get(f"{self.base}/slack/install?team={team}")
        assert page.status == 200 and "Add to Slack" in page.text, page
        link = re.search(r'<a href="([^"]+)"', page.text)
        assert link is not None and page.cookie
        return html.unescape(link.group(1)), page.cookie

    async def approve(self, authorize_url: str) -> str:
        """Slack's consent page approves and sends the browser back: that redirect URL."""
        consent = await self.get(authorize_url)
        assert consent.status == 302, consent
        return consent.location

    async def install(self, team: str) -> Visit:
        """The whole install; the app's last page (200 and a success page when it worked)."""
        url, cookie = await self.start(team)
        done = await self.get(await self.approve(url), cookie)
        assert done.status == 200, done
        return done


class serve_multi:
    """`served` in OAuth mode, with the fake told the app's redirect and events URLs (what
    the app's config page at Slack holds)."""

    def __init__(self, settings: Settings, fake: FakeSlack, clock: FakeClock | None = None):
        self.inner = served(settings, fake, clock or FakeClock(), Installer)
        self.fake = fake

    async def __aenter__(self) -> Installer:
        installer, _ = await self.inner.__aenter__()
        self.fake.app.redirect_url = f"{installer.base}/slack/oauth_redirect"
        self.fake.events_url = installer.url
        self.fake.signing_secret = SECRET
        return installer

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)
