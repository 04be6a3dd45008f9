"""Build the Slack app and run it: `quizbot run slack` calls `run_slack(settings)`.

One workspace with SLACK_BOT_TOKEN: Socket Mode when SLACK_APP_TOKEN is set (no public URL
needed), otherwise HTTP on QUIZBOT_SLACK_PORT with signature verification. Any number of
workspaces with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET ("oauth"): HTTP, with the install pages
of `oauth.py`, each request served with its own workspace's token. Cancelling `run_slack` (SIGTERM through
`bot.process.runtime.serve`) closes the connection first, then the app's session to Slack
(`pool.py`), then the service, so queued answers land.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Literal

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.errors import MissingSetting, TokenRefused
from bot.adapters.slack import (
    actions,
    commands,
    competition,
    daily,
    decks,
    home,
    oauth,
    people,
    pool,
    seen,
    server,
)
from bot.adapters.slack.downloads import DOWNLOAD_SECONDS, Downloads
from bot.adapters.slack.names import Names
from bot.adapters.slack.pictures import Pictures
from bot.app.deck_book import DeckBook
from bot.app.ports import stores_of
from bot.app.study import QuizService
from bot.process.settings import Settings

log = logging.getLogger(__name__)

Transport = Literal["socket", "http", "oauth"]


def transport(settings: Settings) -> Transport:
    """Which way to connect, or MissingSetting naming what is absent."""
    if oauth.wants_oauth(settings):
        oauth.check_oauth(settings)
        return "oauth"
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        raise MissingSetting("SLACK_BOT_TOKEN is not set (the xoxb- token of the Slack app).")
    if settings.slack_app_token and settings.slack_app_token.get_secret_value():
        return "socket"
    if settings.slack_signing_secret and settings.slack_signing_secret.get_secret_value():
        return "http"
    raise MissingSetting(
        "Set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) for Slack."
    )


def _api_url(settings: Settings) -> str | None:
    url = settings.slack_api_url
    return None if not url else url if url.endswith("/") else url + "/"


def build_app(
    settings: Settings,
    service: QuizService,
    *,
    deck_book: DeckBook,
    download_seconds: float = DOWNLOAD_SECONDS,
) -> AsyncApp:
    """The AsyncApp with every listener registered; nothing is connected yet (call inside the
    running loop: it opens the app's shared session, which `close` ends).
    `download_seconds` bounds fetching a member's uploaded deck file."""
    mode = transport(settings)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    url = _api_url(settings)
    session = pool.open_session()
    client = AsyncWebClient(token=token, session=session, **({"base_url": url} if url else {}))
    secret = settings.slack_signing_secret
    signing_secret = secret.get_secret_value() if secret else ""
    if mode == "oauth":
        dist = oauth.distribution(settings, service, client)
        app = AsyncApp(
            client=client,
            signing_secret=signing_secret,
            oauth_settings=dist.oauth,
            installation_store=dist.installations,
            authorize=dist.authorize,
            user_facing_authorize_error_message=oauth.NOT_INSTALLED,
        )
        clients = oauth.TeamClients(client, dist.authorize)
    else:
        app = AsyncApp(
            client=client,
            signing_secret=signing_secret,
            request_verification_enabled=mode == "http",
        )
        clients = oauth.TeamClients(client)
    names = Names()
    _CLIENTS[app] = clients
    _NAMES[app] = names
    app.middleware(pool.pooled_respond(session))
    seen.register(app, stores_of(service.repo).seen_store(), service.clock)  # before listeners
    pictures = Pictures(deck_book)
    daily.register(app, service, names=names)  # first: it only takes daily/remind
    competition.register(  # it takes compete
        app, service, names=names, clients=clients, lease_seconds=settings.game_lease_seconds
    )
    people.register(  # forget-me, my-data, uninstalls
        app, service, grace_days=settings.purge_grace_days,
        revocations=dist.revocations if mode == "oauth" else None,
    )  # fmt: skip
    decks.register(  # before commands: it takes `deck`
        app, deck_book, service.clock, pictures=pictures,
        downloads=Downloads(seconds=download_seconds),
    )  # fmt: skip
    commands.register(app, service, names=names, pictures=pictures)
    actions.register(app, service, names=names, pictures=pictures)
    home.register(app, service)
    return app


_CLIENTS: weakref.WeakKeyDictionary[AsyncApp, oauth.TeamClients] = weakref.WeakKeyDictionary()
_NAMES: weakref.WeakKeyDictionary[AsyncApp, Names] = weakref.WeakKeyDictionary()


def team_clients(app: AsyncApp) -> oauth.TeamClients:
    """Where `app`'s background posts get each workspace's client (run_slack and tests)."""
    return _CLIENTS[app]


def names_of(app: AsyncApp) -> Names:
    """The app's name cache, shared with its background posts (one Retry-After pause)."""
    return _NAMES[app]


async def close(app: AsyncApp) -> None:
    """End the app's shared session, after its last post (a call still running then falls
    back to a session of its own)."""
    session = team_clients(app).client.session
    if session is not None:
        await session.close()


REFUSALS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


def _refused(error: SlackApiError, setting: str) -> Exception:
    """A refusal of the credentials becomes one line; anything else stays the library's error."""
    code = error.response.get("error") if error.response is not None else None
    if code in REFUSALS:
        return TokenRefused(f"the Slack token was refused ({code}): check {setting}")
    return error


async def _check_token(app: AsyncApp, setting: str) -> None:
    """Ask Slack who we are once at start-up, so a bad token stops the process at once."""
    try:
        await app.client.auth_test()
    except SlackApiError as error:
        raise _refused(error, setting) from None


async def serve_slack(
    settings: Settings, mode: Transport, service: QuizService, *, deck_book: DeckBook
) -> None:
    """Serve until cancelled, then close the service it was given."""
    daily_loop: asyncio.Task[None] | None = None
    purges: asyncio.Task[None] | None = None
    competitions: competition.SlackCompetitions | None = None
    app: AsyncApp | None = None
    try:
        app = build_app(settings, service, deck_book=deck_book)
        if mode != "oauth":
            await _check_token(app, "SLACK_BOT_TOKEN")
        daily_loop = daily.start(team_clients(app), service, settings, names_of(app))
        purges = people.start(service, settings)
        competitions = competition.of(app)
        if competitions is not None:
            await competitions.resume()
        if mode == "socket":
            assert settings.slack_app_token is not None
            try:
                handler = await server.start_socket(
                    app, settings.slack_app_token.get_secret_value()
                )
            except SlackApiError as error:
                raise _refused(error, "SLACK_APP_TOKEN") from None
            log.info("quizbot ready: slack (socket)")
            try:
                await asyncio.Event().wait()
            finally:
                await handler.close_async()
        else:
            site = await server.start_http(app, "0.0.0.0", settings.slack_port)
            log.info("quizbot ready: slack (%s on %d)", mode, site.port)
            try:
                await asyncio.Event().wait()
            finally:
                await site.close()
    finally:
        for loop in (daily_loop, purges):
            if loop is not None:
                loop.cancel()
        if competitions is not None:
            await competitions.close()
        if app is not None:
            await close(app)
        await service.close()
