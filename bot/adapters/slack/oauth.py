"""Slack for many workspaces: bolt's OAuth install flow over the bot's own database.

`/slack/install` shows the "Add to Slack" button, `/slack/oauth_redirect` exchanges Slack's
code for the workspace's token (`oauth.v2.access`) and stores it sealed. Every request then
runs with its own workspace's token (bolt's `authorize` reads the installation store, and
rotates an expiring token when the app has token rotation on). Background posts (daily quizzes,
competition rounds) ask `TeamClients` for the workspace's client the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.errors import MissingSetting
from bot.adapters.slack import ids
from bot.adapters.slack.installs import SlackInstallations, SlackStates
from bot.adapters.slack.sealing import Sealer
from bot.app.people import PeopleService
from bot.app.ports import stores_of
from bot.app.study import QuizService
from bot.process.settings import Settings

log = logging.getLogger(__name__)

BOT_SCOPES = (
    "commands", "chat:write", "files:write", "files:read", "users:read", "im:write",
    "channels:read", "groups:read",
)  # fmt: skip
"""What an install asks for: slack-manifest.yaml's bot scopes, in its order (a test compares)."""
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600
ROTATE_MINUTES = 120
"""A rotating token is refreshed when it has less than this left (bolt's default)."""
NOT_INSTALLED = (
    "quizbot is not installed in this workspace any more. An admin can add it again from the"
    " install page."
)


class ConflictingSettings(MissingSetting):
    """Two settings that choose different ways to run: one line, naming both."""


def wants_oauth(settings: Settings) -> bool:
    secret = settings.slack_client_secret
    return bool(settings.slack_client_id or (secret and secret.get_secret_value()))


def check_oauth(settings: Settings) -> Sealer:
    """Everything the install flow needs, or one line naming every missing setting."""
    given = {
        "SLACK_CLIENT_ID": settings.slack_client_id,
        "SLACK_CLIENT_SECRET": settings.slack_client_secret,
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
        "QUIZBOT_SECRET_KEY": settings.secret_key,
    }
    missing = [
        name for name, value in given.items()
        if not value or (not isinstance(value, str) and not value.get_secret_value())
    ]  # fmt: skip
    if missing:
        raise MissingSetting(
            f"Slack for many workspaces needs {', '.join(missing)} (README: Slack for many"
            " workspaces)."
        )
    for name, value in (("SLACK_BOT_TOKEN", settings.slack_bot_token),
                        ("SLACK_APP_TOKEN", settings.slack_app_token)):  # fmt: skip
        if value is not None and value.get_secret_value():
            raise ConflictingSettings(
                f"{name} and SLACK_CLIENT_ID are both set: unset {name} to serve every"
                " workspace that installs the app (over HTTP), or SLACK_CLIENT_ID and"
                " SLACK_CLIENT_SECRET to serve one workspace."
            )
    assert settings.secret_key is not None
    return Sealer(settings.secret_key.get_secret_value())


def authorize_url(api_url: str | None) -> str | None:
    """Slack's authorize page beside the Web API it was pointed at (a proxy, the test fake)."""
    if not api_url:
        return None
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"


@dataclass
class Distribution:
    """The parts bolt needs to serve installed workspaces, and what the adapter reuses."""

    oauth: AsyncOAuthSettings
    installations: SlackInstallations
    authorize: AsyncInstallationStoreAuthorize
    revocations: AsyncTokenRevocationListeners


def distribution(
    settings: Settings, service: QuizService, client: AsyncWebClient, *, grace_days: int = 30
) -> Distribution:
    """The OAuth settings, stores and authorize over the service's database; `client` (no
    token, the API's base URL) makes the exchanges."""
    sealer = check_oauth(settings)
    assert settings.slack_client_id and settings.slack_client_secret
    secret = settings.slack_client_secret.get_secret_value()
    store = stores_of(service.repo).install_store()
    installations = SlackInstallations(store, sealer)
    people = PeopleService.over(service)
    options = AsyncCallbackOptions(success=_installed(people), failure=_not_installed)
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=options,
        authorization_url=authorize_url(settings.slack_api_url),
        installation_store=installations,
        state_store=SlackStates(store, service.clock, STATE_SECONDS),
        state_expiration_seconds=STATE_SECONDS,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        logger=log,
    )
    authorize = AsyncInstallationStoreAuthorize(
        logger=log,
        installation_store=installations,
        client_id=settings.slack_client_id,
        client_secret=secret,
        token_rotation_expiration_minutes=ROTATE_MINUTES,
        client=client,  # token refreshes go where the Web API calls go
    )
    return Distribution(
        oauth, installations, authorize, AsyncTokenRevocationListeners(installations)
    )


def _installed(people: PeopleService):  # type: ignore[no-untyped-def]
    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        """Installed (again): a purge pending for the workspace is cancelled."""
        i = args.installation
        workspace = i.team_id or i.enterprise_id
        if workspace:
            await people.returned(ids.PLATFORM, workspace)
        log.info("quizbot installed in slack workspace %s", workspace)
        return await args.default.success(args)

    return success


async def _not_installed(args: AsyncFailureArgs) -> BoltResponse:
    log.warning("a slack install failed: %s", args.reason)
    return await args.default.failure(args)


class TeamClients:
    """A Web API client for a workspace outside any request: the one token in single-workspace
    mode, else the workspace's installation (refreshed if it is about to expire); None when
    the workspace has no installation."""

    def __init__(
        self, client: AsyncWebClient, authorize: AsyncInstallationStoreAuthorize | None = None
    ) -> None:
        self.client = client
        self.authorize = authorize

    @property
    def per_workspace(self) -> bool:
        return self.authorize is not None

    async def of(self, workspace: str) -> AsyncWebClient | None:
        if self.authorize is None:
            return self.client
        base = self.client
        result = await self.authorize(
            context=AsyncBoltContext(client=base), enterprise_id=None, team_id=workspace,
            user_id=None,
        )  # fmt: skip
        if result is None or not result.bot_token:
            return None
        return AsyncWebClient(
            token=result.bot_token, base_url=base.base_url, timeout=base.timeout, ssl=base.ssl,
            proxy=base.proxy, session=base.session, headers=base.headers, team_id=workspace,
            logger=base.logger, retry_handlers=list(base.retry_handlers or []) or None,
        )  # fmt: skip
