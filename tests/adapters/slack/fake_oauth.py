"""The fake Slack's side of distribution: the authorize page, `oauth.v2.access` (a code or a
refresh token for a workspace's tokens, in Slack's response shape), token expiry, and the
events Slack sends when a workspace uninstalls the app.

As strict as Slack: a code works once, for the redirect URL it was issued with, and only with
the app's client id and secret (HTTP Basic, as slack_sdk sends them); an expired rotating token
gets `token_expired`; a token reaches only the workspace that installed the app.
"""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.adapters.slack.slack_methods import manifest_scopes

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret-0c1d2e"
APP_ID = "A1"


@dataclass
class Grant:
    """A code handed to the installer's browser: for one workspace, installer and redirect."""

    team: str
    user: str
    scopes: tuple[str, ...]
    redirect_uri: str | None


@dataclass
class Refresh:
    team: str
    scopes: frozenset[str]


@dataclass
class OAuthApp:
    """The app's distribution settings at Slack (what the app config page holds)."""

    redirect_url: str = ""
    rotation: bool = False
    token_seconds: int = 12 * 3600
    """How long a rotating access token lives (Slack: 12 hours)."""
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, Refresh] = field(default_factory=dict)
    requested: list[dict[str, str]] = field(default_factory=list)
    """The query of every authorize page request, for tests."""
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next(self) -> int:
        return next(self._serial)


def client_credentials(request: web.Request) -> tuple[str, str] | None:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Basic "):
        return None
    user, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
    return user, secret


def authorize_page(app: OAuthApp, query: dict[str, str], admins: dict[str, str]) -> web.Response:
    """Slack's consent page, approved at once by the workspace's admin: a redirect back to the
    app with a code and the state it was given (or Slack's error for a bad request)."""
    app.requested.append(dict(query))
    if query.get("client_id") != CLIENT_ID:
        return web.Response(status=400, text="invalid_client_id")
    redirect = query.get("redirect_uri") or app.redirect_url
    if not redirect or (app.redirect_url and redirect != app.redirect_url):
        return web.Response(status=400, text="bad_redirect_uri")
    scopes = tuple(s for s in query.get("scope", "").split(",") if s)
    unknown = set(scopes) - manifest_scopes()
    if unknown or not scopes:
        return web.Response(status=400, text=f"invalid_scope {sorted(unknown)}")
    team = query.get("team") or "T1"
    code = f"code-{team}-{app.next()}"
    app.codes[code] = Grant(team, admins[team], scopes, query.get("redirect_uri"))
    back = {"code": code, "state": query.get("state", "")}
    raise web.HTTPFound(f"{redirect}?{urlencode(back)}")


def exchange(
    app: OAuthApp, args: dict[str, Any], creds: tuple[str, str] | None
) -> tuple[dict[str, Any], tuple[str, str, frozenset[str], float | None] | None]:
    """oauth.v2.access: the reply body, and the token to register (token, team, scopes,
    expiry) when one was issued."""
    if creds is None or creds[0] != CLIENT_ID:
        return {"ok": False, "error": "invalid_client_id"}, None
    if creds[1] != CLIENT_SECRET:
        return {"ok": False, "error": "bad_client_secret"}, None
    if args.get("grant_type") == "refresh_token":
        known = app.refresh.get(str(args.get("refresh_token")))
        if known is None:
            return {"ok": False, "error": "invalid_refresh_token"}, None
        team, scopes, user = known.team, known.scopes, None
    else:
        grant = app.codes.pop(str(args.get("code")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}, None
        if grant.redirect_uri is not None and args.get("redirect_uri") != grant.redirect_uri:
            return {"ok": False, "error": "bad_redirect_uri"}, None
        team, scopes, user = grant.team, frozenset(grant.scopes), grant.user
    n = app.next()
    token = f"xoxe.xoxb-{team}-{n}" if app.rotation else f"xoxb-{team}-{n}"
    body: dict[str, Any] = {
        "ok": True,
        "app_id": APP_ID,
        "access_token": token,
        "token_type": "bot",
        "scope": ",".join(sorted(scopes)),
        "bot_user_id": bot_user(team),
        "team": {"id": team, "name": f"Team {team}"},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": user} if user else {},
    }
    expires = None
    if app.rotation:
        refresh = f"xoxe-1-{team}-{n}-refresh"
        app.refresh[refresh] = Refresh(team, scopes)
        body |= {"refresh_token": refresh, "expires_in": app.token_seconds}
        expires = time.time() + app.token_seconds
    return body, (token, team, scopes, expires)


def bot_user(team: str) -> str:
    """The bot's user id in a workspace (each install has its own bot user)."""
    return f"UB{team}"
