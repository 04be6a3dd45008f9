"""A fake Discord (REST + gateway) on 127.0.0.1 that the real discord.py client talks to.

It records what a user would see (interaction callbacks, followups, edits, channel messages)
and every command sync, and lets a test inject INTERACTION_CREATE events and await the answer.
Shapes and gotchas are in docs/testing.md: JSON replies carry exactly
`application/json`, and every dispatched interaction has the fields the gateway parser needs.

It is as strict as Discord: every body is checked against the shapes and limits Discord
documents (`_contract.py`) and a bad one gets Discord's 400 50035 "Invalid Form Body" and is
kept in `violations` (the `fake` fixture fails the test on any); an unknown or late interaction
token gets 10062, a second initial response 40060. `fail(kind, status)` queues a 403, 429 or
5xx; `response_window` (3 s) and `clock` decide when an interaction is too old to answer.
It serves two guilds, `GUILD_ID` and `GUILD2_ID`, one text channel each.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.discord import _attachments, _contract, _faults, _payloads
from tests.adapters.discord._attachments import Upload
from tests.adapters.discord._contract import Problem
from tests.adapters.discord._faults import json_response
from tests.adapters.discord._interactions import Interactions
from tests.adapters.discord._payloads import (  # re-exported for the tests
    ALICE,
    APP_ID,
    BOB,
    CHANNEL2_ID,
    CHANNEL_ID,
    DM,
    GUILD2_ID,
    GUILD_ID,
    GUILDS,
    MANAGE_GUILD,
    Call,
)

__all__ = ["ALICE", "APP_ID", "BOB", "CHANNEL2_ID", "CHANNEL_ID", "DM", "GUILD2_ID", "GUILD_ID",
           "MANAGE_GUILD", "Call", "FakeDiscord", "Problem", "Upload"]  # fmt: skip


NONCE_WINDOW = 120.0
"""Seconds a message's nonce returns that message again ("the past few minutes")."""


def _shard_of(guild: str, count: int) -> int:
    return (int(guild) >> 22) % count


class Rejected(AssertionError):
    """The fake refused what the bot sent as Discord would (400 Invalid Form Body)."""


class FakeDiscord(Interactions):
    """REST routes and a gateway websocket; `_interactions.Interactions` injects interactions
    and awaits the bot's callback."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.synced: dict[str, list[dict[str, Any]]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.dm_channels: dict[str, str] = {}
        self.identified = asyncio.Event()
        self.violations: list[tuple[str, list[Problem]]] = []
        """Every body refused as invalid: (request path, problems). A test must end with none."""
        self.refused: list[tuple[str, int, int]] = []
        """Every request answered with an error: (path, HTTP status, Discord code or 0)."""
        self.clock: Callable[[], float] = time.monotonic
        self.response_window = _faults.RESPONSE_WINDOW
        self.token_lifetime = _faults.TOKEN_LIFETIME
        self._faults = _faults.Faults()
        self.uploads = _attachments.Uploads(self.snowflake)
        """Members' uploads; `uploads.requests` lists every download that reached the fake."""
        self.attachment_limit = _attachments.SIZE_LIMIT
        self._born: dict[str, float] = {}
        self._acked: set[str] = set()
        self._guild_of: dict[str, str] = {}
        self._ids = itertools.count(600000000000000000)
        self._seq = itertools.count(1)
        self._waiters: dict[str, asyncio.Future[Call]] = {}
        self._tokens: dict[str, str] = {}
        self._clicked: dict[str, str] = {}
        self._original: dict[str, str] = {}
        self._types: dict[str, int] = {}
        self._changed = asyncio.Condition()
        self.shards = 1
        """What `GET /gateway/bot` recommends; a client identifies with its own slice of them."""
        self._conns: dict[int, tuple[web.WebSocketResponse, int]] = {}
        """Gateway connections by the shard they identified as: (socket, shard count)."""
        self.identified_shards: list[tuple[int, int]] = []
        self.dispatched: list[tuple[str, int, str]] = []
        """(event, shard it went to, guild id or "") for every event the fake dispatched."""
        self._nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.latency = 0.0
        """Seconds every REST call waits before it is handled (a benchmark's round trip)."""

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024, middlewares=[self._delayed])
        api = "/api/v10"
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get(f"{api}/gateway/bot", self._gateway_bot)
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._sync)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self._sync)
        app.router.add_post(f"{api}/interactions/{{iid}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_route("*", f"{api}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._edit)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self._channel_message)
        app.router.add_get(f"{api}/users/{{user}}", self._user)
        app.router.add_post(f"{api}/users/@me/channels", self._open_dm)
        self.uploads.routes(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for ws, _ in list(self._conns.values()):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @web.middleware
    async def _delayed(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """REST calls take `latency` seconds, as Discord's do from afar; the gateway none."""
        if self.latency and request.path.startswith("/api/"):
            await asyncio.sleep(self.latency)
        return await handler(request)

    # --- helpers ---------------------------------------------------------------------------

    def snowflake(self) -> str:
        return str(next(self._ids))

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        return json_response(data, status)

    def _message(
        self,
        body: dict[str, Any],
        mid: str | None = None,
        channel: str = CHANNEL_ID,
        files: list[tuple[str, str, bytes]] | None = None,
    ) -> dict[str, Any]:
        """Create or edit a message; its files follow the `attachments` rules of `_attachments`."""
        mid = mid or self.snowflake()
        old = self.messages.get(mid)
        before = old.get("attachments") if old is not None else None
        after, _ = _attachments.attached(body, files or [], before)
        kept = _attachments.stored(files or [], after, before, self.snowflake, self.base_url)
        self.messages[mid] = _payloads.message(
            mid, old or {}, body, (old or {}).get("channel_id", channel), kept
        )
        return self.messages[mid]

    # --- strictness and failures -----------------------------------------------------------

    def fail(self, kind: str, status: int, *, times: int = 1, retry_after: float = 0.05) -> None:
        """Answer the next `times` requests of `kind` with `status` (403, 429 or 5xx).

        Kinds: callback, followup, edit, channel (a guild channel), dm, sync. discord.py retries
        a 429 after Retry-After and a 500/502/504 after 1 s or more; 503 it raises at once.
        """
        self._faults.add(kind, status, times, retry_after)

    def _refuse(self, request: web.Request, status: int, code: int, message: str) -> web.Response:
        self.refused.append((request.path, status, code))
        return _faults.error(status, code, message)

    def _fault(self, request: web.Request, kind: str) -> web.Response | None:
        response = self._faults.next(kind)
        if response is not None:
            body = json.loads(response.body)  # type: ignore[arg-type]
            self.refused.append((request.path, response.status, body.get("code", 0)))
        return response

    def _invalid(self, request: web.Request, problems: list[Problem]) -> web.Response | None:
        """400 Invalid Form Body, recorded as a violation, when `problems` is not empty."""
        if not problems:
            return None
        self.violations.append((request.path, problems))
        self.refused.append((request.path, 400, 50035))
        iid = request.match_info.get("iid") or self._tokens.get(request.match_info.get("token", ""))
        waiter = self._waiters.pop(iid or "", None)
        if waiter is not None and not waiter.done():
            waiter.set_exception(Rejected(f"{request.path}: " + "; ".join(map(str, problems))))
        return self._json(_contract.invalid_form_body(problems), 400)

    def _token_problem(self, request: web.Request) -> web.Response | None:
        """An interaction token the fake never issued, or one past its 15 minutes."""
        iid = self._tokens.get(request.match_info["token"])
        if iid is None or request.match_info.get("app", APP_ID) != APP_ID:
            return self._refuse(request, *_faults.UNKNOWN_WEBHOOK)
        if self.clock() - self._born[iid] > self.token_lifetime:
            return self._refuse(request, *_faults.EXPIRED_TOKEN)
        return None

    def _check_files(
        self,
        request: web.Request,
        body: dict[str, Any],
        files: list[tuple[str, str, bytes]],
        mid: str | None = None,
        path: tuple[str | int, ...] = (),
    ) -> web.Response | None:
        """413 for files over the upload limit; 400 for a bad `attachments` list or image URL.
        Both are kept in `violations`: the bot must never send either."""
        if _attachments.too_large(files, self.attachment_limit):
            size = sum(len(d) for _, _, d in files)
            problem = Problem(("files",), "REQUEST_ENTITY_TOO_LARGE", f"{size} bytes")
            self.violations.append((request.path, [problem]))
            return self._refuse(request, *_attachments.TOO_LARGE)
        old = self.messages[mid].get("attachments") if mid in self.messages else None
        return self._invalid(request, _attachments.check_files(body, files, old, path))

    async def _body(
        self, request: web.Request
    ) -> tuple[dict[str, Any], list[tuple[str, str, bytes]]]:
        """JSON or multipart (payload_json + files[n]), as discord.py sends attachments."""
        if not request.content_type.startswith("multipart/"):
            text = await request.text()
            return (json.loads(text) if text else {}), []
        payload: dict[str, Any] = {}
        files: list[tuple[str, str, bytes]] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                files.append(
                    (
                        part.filename or "",
                        part.headers.get("Content-Type", ""),
                        bytes(await part.read()),
                    )
                )
        return payload, files

    async def _record(self, call: Call) -> None:
        if call.message_id in self.messages:
            call.message = copy.deepcopy(self.messages[call.message_id])
        self.calls.append(call)
        if call.kind == "callback" and call.interaction_id in self._waiters:
            waiter = self._waiters.pop(call.interaction_id)
            if not waiter.done():
                waiter.set_result(call)
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[Call], bool], within: float = 5.0) -> Call:
        """The first recorded call (past or future) that matches."""

        async def find() -> Call:
            async with self._changed:
                while True:
                    for call in self.calls:
                        if predicate(call):
                            return call
                    await self._changed.wait()

        return await asyncio.wait_for(find(), within)

    def guild_of(self, call: Call) -> str:
        """The guild whose channel shows the message `call` left."""
        channel = (call.message or {}).get("channel_id")
        if channel == _payloads.DM_CHANNEL["id"]:
            return DM
        return next((g for g, (_, c) in GUILDS.items() if c["id"] == channel), GUILD_ID)

    def of(self, interaction_id: str) -> list[Call]:
        """Every call that answers one interaction: callback, followups, edits."""
        return [c for c in self.calls if c.interaction_id == interaction_id]

    # --- REST ------------------------------------------------------------------------------

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _me(self, request: web.Request) -> web.Response:
        return self._json(_payloads.BOT_USER)

    async def _application(self, request: web.Request) -> web.Response:
        return self._json(_payloads.application())

    async def _sync(self, request: web.Request) -> web.Response:
        commands, _ = await self._body(request)
        if (refused := self._fault(request, "sync")) is not None:
            return refused
        if (invalid := self._invalid(request, _contract.check_commands(commands))) is not None:
            return invalid
        echoed = [
            {
                **c,
                "id": self.snowflake(),
                "application_id": APP_ID,
                "version": "1",
                **(
                    {"guild_id": request.match_info["guild"]}
                    if "guild" in request.match_info
                    else {}
                ),
            }
            for c in commands
        ]
        self.synced[request.match_info.get("guild", "global")] = echoed
        await self._record(Call("sync", request.path, {"commands": echoed}))
        return self._json(echoed)

    async def _callback(self, request: web.Request) -> web.Response:
        iid = request.match_info["iid"]
        payload, files = await self._body(request)
        if self._tokens.get(request.match_info["token"]) != iid:
            return self._refuse(request, *_faults.UNKNOWN_INTERACTION)
        if self.clock() - self._born[iid] > self.response_window:
            return self._refuse(request, *_faults.UNKNOWN_INTERACTION)
        if iid in self._acked:
            return self._refuse(request, *_faults.ACKNOWLEDGED)
        if (refused := self._fault(request, "callback")) is not None:
            return refused
        if (invalid := self._invalid(request, _contract.check_callback(payload))) is not None:
            return invalid
        kind = payload.get("type")
        data = payload.get("data") or {}
        clicked = self._clicked.get(iid) if kind == 7 else None
        if (
            kind in (4, 5, 7)
            and (bad := self._check_files(request, data, files, clicked, ("data",))) is not None
        ):
            return bad
        self._acked.add(iid)
        channel = _payloads.channel_of(self._guild_of.get(iid, GUILD_ID))["id"]
        mid: str | None = None
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):  # a new message (or the 'thinking' placeholder)
            mid = self.snowflake()
            resource["message"] = self._message(data, mid, channel, files)
        elif kind in (6, 7):  # the component's message, updated
            mid = self._clicked.get(iid)
            resource["message"] = self._message(data if kind == 7 else {}, mid, files=files)
            mid = resource["message"]["id"]
        await self._record(Call("callback", request.path, payload, files, iid, mid))
        interaction = {
            "id": iid,
            "type": self._types.get(iid, 2),
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
        }
        if mid:
            interaction["response_message_id"] = mid
            self._original[iid] = mid
        return self._json({"interaction": interaction, "resource": resource})

    async def _followup(self, request: web.Request) -> web.Response:
        payload, files = await self._body(request)
        if (
            refused := self._token_problem(request) or self._fault(request, "followup")
        ) is not None:
            return refused
        if (invalid := self._invalid(request, _contract.check_message(payload))) is not None:
            return invalid
        if (bad := self._check_files(request, payload, files)) is not None:
            return bad
        iid = self._tokens.get(request.match_info["token"])
        channel = _payloads.channel_of(self._guild_of.get(iid or "", GUILD_ID))["id"]
        message = self._message(payload, channel=channel, files=files)
        await self._record(Call("followup", request.path, payload, files, iid, message["id"]))
        return self._json(message)

    async def _edit(self, request: web.Request) -> web.Response:
        iid = self._tokens.get(request.match_info["token"])
        if (refused := self._token_problem(request)) is not None:
            return refused
        if request.method == "DELETE":
            await self._record(Call("delete", request.path, {}, [], iid))
            return web.Response(status=204)
        payload, files = await self._body(request)
        mid = request.match_info["mid"]
        mid = self._original.get(iid or "") if mid == "@original" else mid
        if request.method == "PATCH":
            if (refused := self._fault(request, "edit")) is not None:
                return refused
            if (invalid := self._invalid(request, _contract.check_message(payload))) is not None:
                return invalid
            if (bad := self._check_files(request, payload, files, mid)) is not None:
                return bad
        message = self._message(payload if request.method == "PATCH" else {}, mid, files=files)
        if request.method == "PATCH":
            await self._record(Call("edit", request.path, payload, files, iid, message["id"]))
        return self._json(message)

    async def _user(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user"]
        return self._json(
            {"id": user_id, "username": f"user{user_id[-4:]}", "discriminator": "0", "avatar": None}
        )

    async def _open_dm(self, request: web.Request) -> web.Response:
        """A direct-message channel; messages sent there are recorded as kind "channel"."""
        payload, _ = await self._body(request)
        channel = self.snowflake()
        self.dm_channels[channel] = str(payload["recipient_id"])
        recipient = {"id": str(payload["recipient_id"]), "username": "member",
                     "discriminator": "0", "avatar": None}  # fmt: skip
        return self._json({"id": channel, "type": 1, "recipients": [recipient]})

    async def _channel_message(self, request: web.Request) -> web.Response:
        payload, files = await self._body(request)
        channel = request.match_info["channel"]
        known = {c["id"] for _, c in GUILDS.values()}
        if channel not in known and channel not in self.dm_channels:
            return self._refuse(request, *_faults.UNKNOWN_CHANNEL)
        kind = "dm" if channel in self.dm_channels else "channel"
        if (refused := self._fault(request, kind)) is not None:
            return refused
        if (invalid := self._invalid(request, _contract.check_message(payload))) is not None:
            return invalid
        if (bad := self._check_files(request, payload, files)) is not None:
            return bad
        nonce = payload.get("nonce")
        if nonce is not None and (not isinstance(nonce, str | int) or len(str(nonce)) > 25):
            problem = Problem(("nonce",), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
            return self._invalid(request, [problem])  # type: ignore[return-value]
        key = (channel, str(nonce))
        if nonce is not None and payload.get("enforce_nonce"):
            # Discord returns the message a nonce already made within a few minutes.
            made = self._nonces.get(key)
            if made is not None and self.clock() - made[0] < NONCE_WINDOW:
                return self._json(made[1])
        message = self._message(payload, channel=channel, files=files)
        if nonce is not None:
            self._nonces[key] = (self.clock(), message)
        await self._record(Call("channel", request.path, payload, files, None, message["id"]))
        return self._json(message)

    # --- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        shard = 0
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_json({"op": 11})
            elif frame["op"] == 2:
                shard, count = frame["d"].get("shard") or [0, 1]
                if not (isinstance(shard, int) and isinstance(count, int) and 0 <= shard < count):
                    await ws.close(code=4010, message=b"Invalid shard.")  # as Discord closes
                    break
                self._conns[shard] = (ws, count)
                self.identified_shards.append((shard, count))
                mine = [g for g in GUILDS if _shard_of(g, count) == shard]
                ready = _payloads.ready(self.gateway_url, mine)
                if "shard" in frame["d"]:
                    ready["shard"] = [shard, count]
                await self._on(ws, "READY", ready)
                for guild_id in mine:
                    self.dispatched.append(("GUILD_CREATE", shard, guild_id))
                    await self._on(ws, "GUILD_CREATE", _payloads.guild(guild_id))
                self.identified.set()
            elif frame["op"] == 6:
                await self._on(ws, "RESUMED", {})
        if self._conns.get(shard, (None, 0))[0] is ws:
            del self._conns[shard]
        return ws

    async def _send(self, event: str, data: dict[str, Any]) -> None:
        """Dispatch to the connection of the event's shard: a guild's shard is
        `(guild_id >> 22) % shard_count`, direct messages go to shard 0."""
        guild = str(data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else ""))
        for shard, (ws, count) in self._conns.items():
            if (_shard_of(guild, count) if guild else 0) == shard:
                self.dispatched.append((event, shard, guild))
                await self._on(ws, event, data)
                return
        raise AssertionError(f"no connected shard receives {event} of guild {guild or 'DM'}")

    async def _on(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    async def remove_guild(self, guild: str) -> None:
        """The bot is kicked from `guild` (GUILD_DELETE without `unavailable`)."""
        await self._send("GUILD_DELETE", {"id": guild})

    async def add_guild(self, guild: str) -> None:
        """The bot is added (back) to `guild`: GUILD_CREATE without `unavailable`, as Discord
        sends it for a join (with `unavailable: false` it is an outage ending instead)."""
        joined = _payloads.guild(guild)
        del joined["unavailable"]
        await self._send("GUILD_CREATE", joined)
