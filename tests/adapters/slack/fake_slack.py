"""A fake Slack as strict as the real one: the Web API methods the adapter calls, response_url
sinks, file uploads and a Socket Mode websocket, on 127.0.0.1 with a random port.

It checks every request against Slack's method specs (`slack_methods`: required arguments and
the token's scopes, from slack-manifest.yaml by default) and Block Kit limits (`block_kit`).
A bot mistake is answered with Slack's own error (`invalid_blocks`, `missing_scope`, ...) and
recorded in `violations`, which the `fake` fixture fails the test on. Failures the bot must
survive (`channel_not_found`, `ratelimited` with Retry-After, a 5xx) come from `fail(...)`,
and Slack's per-minute rate limits (`fake_limits`: users.info at Tier 4) from `rate_limit`.
It serves two workspaces; the default bot token is an org-wide install that reaches both.
Distribution (`fake_oauth`): the authorize page and `oauth.v2.access` issue each installing
workspace its own token, which reaches only that workspace; `uninstall` revokes them and
delivers Slack's events to the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import WSMsgType, web

from tests.adapters.slack import block_kit, fake_oauth
from tests.adapters.slack.fake_files import FileStore, SlackFile
from tests.adapters.slack.fake_limits import RateLimits
from tests.adapters.slack.fake_reading import WAIT_SECONDS as WAIT_SECONDS
from tests.adapters.slack.fake_reading import buttons as buttons
from tests.adapters.slack.fake_reading import mrkdwn_texts as mrkdwn_texts
from tests.adapters.slack.fake_reading import wait_until
from tests.adapters.slack.slack_methods import APP_LEVEL, METHODS, manifest_scopes
from tests.adapters.slack.workspaces import WORKSPACES, Workspace

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60
CHANNEL_SCOPE = {"C": "channels:read", "G": "groups:read", "D": "im:read"}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    error: str | None = None
    token: str | None = None


@dataclass
class Token:
    teams: tuple[str, ...]
    scopes: frozenset[str]
    user: str = "UBOT"
    bot: str = "BBOT"
    expires_at: float | None = None
    """Rotating tokens expire (wall-clock seconds, as slack_sdk reads `expires_in`)."""


@dataclass
class Failure:
    """One canned failure: Slack's error code, the HTTP status and a Retry-After if any."""

    error: str
    status: int = 200
    retry_after: int | None = None


@dataclass
class Issued:
    """A response_url handed out with a request: when, and how often it was posted to."""

    at: float
    uses: int = 0


@dataclass
class FakeSlack:
    workspaces: dict[str, Workspace] = field(default_factory=lambda: dict(WORKSPACES))
    tokens: dict[str, Token] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    store: FileStore = field(default_factory=FileStore)
    acks: list[dict[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    port: int = 0
    latency: float = 0.0
    """Seconds each Web API and response_url call waits first (a benchmark's round trip)."""
    limits: RateLimits = field(default_factory=RateLimits)
    """Per-minute budgets per method and workspace (users.info: Tier 4, 100); `rate_limit`."""
    _failures: dict[str, deque[Failure]] = field(default_factory=dict)
    _issued: dict[str, Issued] = field(default_factory=dict)
    _triggers: set[str] = field(default_factory=set)
    _runner: web.AppRunner | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _counter: int = 0
    app: fake_oauth.OAuthApp = field(default_factory=fake_oauth.OAuthApp)
    events_url: str = ""
    """Where Slack delivers events (the app's Request URL), signed with `signing_secret`."""
    signing_secret: str = ""
    events: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    peers: list[tuple[str, Any]] = field(default_factory=list)
    """(path, the caller's address and port) of each Web API and response_url call: one
    port for many calls is one connection kept alive."""

    def __post_init__(self) -> None:
        if not self.tokens:
            self.tokens = {
                BOT_TOKEN: Token(tuple(self.workspaces), manifest_scopes()),
                APP_TOKEN: Token(tuple(self.workspaces), frozenset({APP_LEVEL})),
            }

    @property
    def uploads(self) -> list[bytes]:
        """The bytes of every file the bot uploaded, in order."""
        return self.store.uploads

    @property
    def downloads(self) -> list[Any]:
        """Every request for a member's file (url_private), authorised or not."""
        return self.store.downloads

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    # --- knobs -----------------------------------------------------------------------------

    def grant(self, scopes: set[str] | frozenset[str], token: str = BOT_TOKEN) -> None:
        """Replace what `token` was granted (a workspace that installed an older manifest)."""
        self.tokens[token].scopes = frozenset(scopes)

    def fail(
        self, method: str, error: str, *, times: int = 1, status: int = 200,
        retry_after: int | None = None,
    ) -> None:  # fmt: skip
        """The next `times` calls of `method` (or "response_url") fail this way.
        `ratelimited` defaults to HTTP 429 with Retry-After: 1."""
        if error == "ratelimited":
            status, retry_after = 429, retry_after or 1
        queue = self._failures.setdefault(method, deque())
        queue.extend(Failure(error, status, retry_after) for _ in range(times))

    def rate_limit(self, method: str, per_minute: int | None) -> None:
        """`method` gets `per_minute` calls per workspace each minute (None: no limit); past
        that Slack answers 429, Retry-After and `ratelimited`."""
        self.limits.set(method, per_minute)

    def response_url(self) -> str:
        """A fresh response_url, as Slack attaches to each command and interaction."""
        self._counter += 1
        url = f"{self.base}/response/{self._counter}"
        self._issued[url] = Issued(time.monotonic())
        return url

    def age(self, url: str, seconds: float) -> None:
        """Make a response_url `seconds` older, as if the learner came back later."""
        self._issued[url].at -= seconds

    def add_file(
        self, name: str, data: bytes, *, team: str = "T1", user: str = "U1", **options: Any
    ) -> dict[str, Any]:
        """A member uploads a file (through a modal's file input): its Slack file object, as
        the view_submission carries it. `declared=` makes files.info lie about its size,
        `stall=` holds the download back that many seconds, `status=` fails it."""
        file = self.store.add(name, data, team=team, user=user, **options)
        return file.info(self.base)

    def bot_file(self, file_id: str) -> SlackFile | None:
        return self.store.bot_file(file_id)

    def tokens_of(self, team: str) -> list[str]:
        """The live tokens issued to `team` by an install (not the org-wide test token)."""
        return [t for t, v in self.tokens.items() if v.teams == (team,) and t != APP_TOKEN]

    def expire(self, token: str) -> None:
        """The token's time is up: Slack answers `token_expired` from now on."""
        self.tokens[token].expires_at = time.time() - 1

    async def uninstall(self, team: str) -> list[int]:
        """A workspace admin removes the app: its tokens die, then Slack sends tokens_revoked
        and app_uninstalled to the app. Returns the HTTP status of each delivery."""
        bots = sorted({self.tokens[t].user for t in self.tokens_of(team)})
        for token in self.tokens_of(team):
            del self.tokens[token]
        revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": bots}}
        return [
            await self.deliver(revoked, team),
            await self.deliver({"type": "app_uninstalled"}, team),
        ]

    async def deliver(self, event: dict[str, Any], team: str) -> int:
        """POST one event callback to the app, signed as Slack signs it."""
        self._counter += 1
        body = json.dumps({
            "token": "legacy", "team_id": team, "api_app_id": fake_oauth.APP_ID,
            "event": {**event, "event_ts": f"{time.time():.6f}"}, "type": "event_callback",
            "event_id": f"Ev{self._counter}", "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": fake_oauth.bot_user(team),
                                "is_bot": True, "enterprise_id": None}],
        })  # fmt: skip
        ts = str(int(time.time()))
        digest = hmac.new(self.signing_secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256)
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": "v0=" + digest.hexdigest()}  # fmt: skip
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.events_url, data=body.encode(), headers=headers) as response,
        ):
            self.events.append((json.loads(body), response.status))
            return response.status

    def take_violations(self) -> list[str]:
        """The violations so far, cleared (for tests that provoke them on purpose)."""
        found, self.violations[:] = list(self.violations), []
        return found

    # --- serving ---------------------------------------------------------------------------

    @web.middleware
    async def _delayed(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Web API and response_url calls: which connection each came on, and `latency` seconds
        of waiting (a benchmark's round trip)."""
        if request.path.startswith(("/api/", "/response/")):
            self.peers.append(
                (request.path, request.transport and request.transport.get_extra_info("peername"))
            )
            if self.latency:
                await asyncio.sleep(self.latency)
        return await handler(request)

    async def start(self) -> None:
        app = web.Application(middlewares=[self._delayed])
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{n}", self._response)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/files-pri/{team_file}/{tail:.*}", self._download)
        app.router.add_get("/link", self._websocket)
        app.router.add_get("/oauth/v2/authorize", self._authorize)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        self.store.release()
        for ws in self._sockets:
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # --- the Web API -----------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.Response:
        admins = {
            team: next(u for u, who in space.users.items() if who.admin or who.owner)
            for team, space in self.workspaces.items()
        }
        return fake_oauth.authorize_page(self.app, dict(request.query), admins)

    def _oauth_access(self, request: web.Request, args: dict[str, Any]) -> web.Response:
        body, issued = fake_oauth.exchange(self.app, args, fake_oauth.client_credentials(request))
        if issued is not None:
            token, team, scopes, expires = issued
            user = fake_oauth.bot_user(team)
            self.tokens[token] = Token((team,), scopes, user, "B" + team, expires)
        self.calls.append(Call("oauth.v2.access", args, body.get("error")))
        return web.json_response(body)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        if method == "oauth.v2.access":
            return self._oauth_access(request, args)
        token = _token(request, args)
        failure = self._take(method) or self._over_budget(method, args, token)
        if failure is not None and failure.status >= 500:
            self.calls.append(Call(method, args, failure.error, token))
            return web.Response(status=failure.status, text="upstream failure")
        error, extra = self._check(method, args, token)
        if error is None and failure is not None:
            error = failure.error
        if error is None:
            error, extra = self._files(method, args, self.tokens[str(token)])
        if error is None:
            body = {"ok": True, **(extra or self._reply(method, args, self.tokens[str(token)]))}
        else:
            body = {"ok": False, "error": error, **extra}
        self.calls.append(Call(method, args, error, token))
        headers = {}
        if (granted := self.tokens.get(token or "")) is not None:  # as Slack sends on every call
            headers["X-OAuth-Scopes"] = ",".join(sorted(granted.scopes))
            headers["X-Accepted-OAuth-Scopes"] = ",".join(
                METHODS[method].scopes if method in METHODS else ()
            )
        status = failure.status if failure and error == failure.error else 200
        if failure and failure.retry_after and error == failure.error:
            headers["Retry-After"] = str(failure.retry_after)
        return web.json_response(body, status=status, headers=headers)

    def _over_budget(self, method: str, args: dict[str, Any], token: str | None) -> Failure | None:
        """Slack's rate limit, counted in the workspace asked about (an org-wide token's call
        about a member counts in that member's workspace)."""
        granted = self.tokens.get(token or "")
        if granted is None:
            return None
        space = self._user(str(args.get("user", "")), granted)
        retry_after = self.limits.spend(method, space.id if space else granted.teams[0])
        return None if retry_after is None else Failure("ratelimited", 429, retry_after)

    def _take(self, method: str) -> Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None

    def _violate(self, method: str, error: str, problems: list[str]) -> tuple[str, dict[str, Any]]:
        self.violations += [f"{method}: {p}" for p in problems]
        return error, {"errors": problems}

    def _check(
        self, method: str, args: dict[str, Any], token: str | None
    ) -> tuple[str | None, dict[str, Any]]:
        """Slack's answer to a malformed or unauthorised call, or (None, {})."""
        spec = METHODS.get(method)
        if spec is None:
            return self._violate(method, "unknown_method", ["not a method quizbot may call"])
        granted = self.tokens.get(token or "")
        if granted is None:
            return self._violate(method, "invalid_auth", [f"unknown token {token!r:.12}"])
        if granted.expires_at is not None and granted.expires_at < time.time():
            return "token_expired", {}
        if spec.app_token != (token or "").startswith("xapp-"):
            return self._violate(method, "not_allowed_token_type", ["wrong kind of token"])
        needed = set(spec.scopes)
        if method == "conversations.info":
            needed = {CHANNEL_SCOPE.get(str(args.get("channel", ""))[:1], "channels:read")}
        if method in ("views.open", "views.update") and block_kit.file_inputs(args.get("view")):
            needed.add("files:read")  # Slack: a file_input needs the app to read files
        missing = sorted(needed - granted.scopes)
        if missing:
            self.violations.append(f"{method}: missing_scope {missing}")
            return "missing_scope", {"needed": ",".join(missing),
                                     "provided": ",".join(sorted(granted.scopes))}  # fmt: skip
        absent = [a for a in spec.required if a not in args]
        if absent:
            return self._violate(method, "invalid_arguments", [f"missing {a}" for a in absent])
        if method == "views.open" and str(args.get("trigger_id")) in self._triggers:
            return "expired_trigger_id", {}  # a trigger opens one modal
        if method == "views.update" and not (args.get("view_id") or args.get("external_id")):
            return self._violate(method, "invalid_arguments", ["view_id or external_id"])
        if method == "chat.postMessage":
            problems = block_kit.message(args) + self._unknown_files(args.get("blocks"))
            if problems:
                return self._violate(method, "invalid_blocks", problems)
            if not self._channel(str(args["channel"]), granted):
                return "channel_not_found", {}
        if method in ("views.open", "views.publish", "views.update"):
            view = args.get("view")
            problems = block_kit.view(view)
            problems += self._unknown_files(view.get("blocks") if isinstance(view, dict) else None)
            if problems:
                return self._violate(method, "invalid_arguments", problems)
        if method in ("users.info", "conversations.info", "conversations.open"):
            return self._lookup(method, args, granted)
        return None, {}

    def _unknown_files(self, items: Any) -> list[str]:
        """An image's slack_file must be a file the bot uploaded (never a bare file name)."""
        return [
            f"image slack_file {file_id!r}: no file the bot uploaded has this id"
            for file_id in block_kit.slack_files(items)
            if self.store.bot_file(file_id) is None
        ]

    def _files(self, method: str, args: dict[str, Any], token: Token) -> tuple[str | None, dict]:
        """files.info and the two upload steps: their state lives in the file store."""
        if method == "files.info":
            return self.store.info(args, token.teams, self.base)
        if method == "files.getUploadURLExternal":
            error, reply, problems = self.store.start_upload(args, token.teams[0], self.base)
        elif method == "files.completeUploadExternal":
            reachable = lambda channel: self._channel(channel, token) is not None  # noqa: E731
            error, reply, problems = self.store.complete(args, reachable, self.base)
        else:
            return None, {}
        if problems:
            return self._violate(method, error or "invalid_arguments", problems)
        return error, reply

    def _channel(self, channel: str, token: Token) -> Workspace | None:
        for team in token.teams:
            space = self.workspaces[team]
            if channel in space.channels or (channel[1:] in space.users and channel[0] == "D"):
                return space
        return None

    def _user(self, user: str, token: Token) -> Workspace | None:
        return next(
            (self.workspaces[t] for t in token.teams if user in self.workspaces[t].users), None
        )

    def _lookup(self, method: str, args: dict[str, Any], token: Token) -> tuple[str | None, dict]:
        if method == "conversations.info" and not self._channel(str(args["channel"]), token):
            return "channel_not_found", {}
        if method == "users.info" and not self._user(str(args["user"]), token):
            return "user_not_found", {}
        if method == "conversations.open" and not self._user(str(args.get("users", "")), token):
            return "user_not_found", {}
        return None, {}

    def _reply(self, method: str, args: dict[str, Any], token: Token) -> dict[str, Any]:
        team = token.teams[0]
        if method == "auth.test":
            return {"user_id": token.user, "bot_id": token.bot, "team_id": team,
                    "user": "quizbot", "team": f"Team {team}",
                    "url": f"https://{team.lower()}.example.slack.com/"}  # fmt: skip
        if method == "apps.connections.open":
            return {"url": f"ws://127.0.0.1:{self.port}/link"}
        if method == "chat.postMessage":
            return {"channel": args.get("channel"), "ts": f"{time.time():.6f}"}
        if method == "users.info":
            user = str(args["user"])
            space = self._user(user, token)
            assert space is not None
            return {"user": space.users[user].info(user, space.id)}
        if method == "conversations.info":
            channel = str(args["channel"])
            space = self._channel(channel, token)
            assert space is not None
            info = space.channels.get(channel)
            return {"channel": {"id": channel, "creator": info.creator if info else "",
                                "is_private": bool(info and info.private)}}  # fmt: skip
        if method == "conversations.open":
            return {"channel": {"id": "D" + str(args.get("users", ""))}}
        if method == "views.open":
            self._triggers.add(str(args["trigger_id"]))
        if method in ("views.open", "views.publish", "views.update"):
            return {"view": {"id": "V1", **(args.get("view") or {})}}
        return {}

    # --- response_url, uploads -------------------------------------------------------------

    async def _response(self, request: web.Request) -> web.Response:
        url = f"{self.base}{request.url.path}"
        body = await request.json()
        issued = self._issued.get(url)
        failure = self._take("response_url")
        if issued is None:
            self.violations.append(f"response_url {url}: never issued")
            return web.Response(status=404, text="no_such_url")
        issued.uses += 1
        if time.monotonic() - issued.at > RESPONSE_URL_SECONDS:
            self.violations.append(f"response_url {url}: used after 30 minutes")
            return web.Response(status=404, text="expired_url")
        if issued.uses > RESPONSE_URL_USES:
            self.violations.append(f"response_url {url}: used {issued.uses} times")
            return web.Response(status=404, text="used_url")
        problems = block_kit.message(body) + self._unknown_files(body.get("blocks"))
        if body.get("response_type") not in (None, "ephemeral", "in_channel"):
            problems.append(f"response_type {body.get('response_type')!r}")
        if problems:
            self.violations += [f"response_url: {p}" for p in problems]
            return web.Response(status=400, text="invalid_blocks")
        if failure is not None:
            return web.Response(status=failure.status if failure.status >= 400 else 500)
        body["_url"] = str(request.url.path)
        self.responses.append(body)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        return await self.store.upload(request, self.violations)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """A member's file: only the bot token of an install that reads files gets it."""
        token = self.tokens.get(_token(request, {}) or "")
        team = request.match_info["team_file"].partition("-")[0]
        authorized = token is not None and team in token.teams and "files:read" in token.scopes
        return await self.store.download(request, authorized)

    # --- Socket Mode -----------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}
        )
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.acks.append(json.loads(msg.data))
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any], **extra: Any) -> str:
        """Deliver one envelope on the open socket; returns its id (the client acks it)."""
        await wait_until(lambda: bool(self._sockets))
        self._counter += 1
        envelope_id = f"env-{self._counter}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, **extra}
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    # --- what tests look at ----------------------------------------------------------------

    def called(self, method: str) -> list[dict[str, Any]]:
        """The arguments of every successful call of `method`, in order."""
        return [c.args for c in self.calls if c.method == method and c.error is None]

    def tokens_used(self, method: str) -> list[str | None]:
        """The token of every successful call of `method`, in order."""
        return [c.token for c in self.calls if c.method == method and c.error is None]

    def failed(self, method: str) -> list[str]:
        """The errors Slack answered calls of `method` with."""
        return [c.error for c in self.calls if c.method == method and c.error is not None]

    def replies(self, url: str) -> list[dict[str, Any]]:
        """What was posted to one response_url (each request has its own)."""
        path = url.removeprefix(self.base)
        return [r for r in self.responses if r["_url"] == path]

    async def reply(self, url: str, count: int = 1) -> dict[str, Any]:
        """Wait for the `count`th post to `url` and return it."""
        await wait_until(lambda: len(self.replies(url)) >= count)
        return self.replies(url)[count - 1]

    async def next_response(self, count: int) -> dict[str, Any]:
        """Wait for the `count`th response_url post overall (one-learner flows only)."""
        await wait_until(lambda: len(self.responses) >= count)
        return self.responses[count - 1]

    async def opened(self, trigger: str) -> dict[str, Any]:
        """The view a request's own trigger_id opened (views.open), once it has."""

        def found() -> list[dict[str, Any]]:
            return [a for a in self.called("views.open") if a.get("trigger_id") == trigger]

        await wait_until(lambda: bool(found()))
        return found()[0]["view"]

    async def call(self, method: str, count: int = 1) -> dict[str, Any]:
        await wait_until(lambda: len(self.called(method)) >= count)
        return self.called(method)[count - 1]


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Query, form or JSON arguments; JSON-in-a-form fields (blocks, view, files) decoded."""
    args: dict[str, Any] = dict(request.query)
    raw = await request.text()
    if raw:
        if request.content_type == "application/json":
            args.update(json.loads(raw))
        else:
            args.update(dict(parse_qsl(raw)))
    for key in ("blocks", "view", "files"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def _token(request: web.Request, args: dict[str, Any]) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
