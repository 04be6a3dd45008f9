"""A fake Discord (REST + gateway) on 127.0.0.1 that the real discord.py client talks to.

It records what a user would see (interaction callbacks, followups, edits, channel messages)
and every command sync, and lets a test inject INTERACTION_CREATE events and await the answer.
Shapes and gotchas follow shared/CHAT-FAKES.md: JSON replies carry exactly
`application/json`, and every dispatched interaction has the fields the gateway parser needs.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from tests.adapters.discord import _payloads
from tests.adapters.discord._payloads import (  # re-exported for the tests
    ALICE,
    APP_ID,
    BOB,
    GUILD_ID,
    MANAGE_GUILD,
    Call,
    ids_of,
    option_type,
)

__all__ = ["ALICE", "APP_ID", "BOB", "GUILD_ID", "MANAGE_GUILD", "Call", "FakeDiscord"]


class FakeDiscord:
    """REST routes and a gateway websocket; `interact(...)` injects and awaits the callback."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.synced: dict[str, list[dict[str, Any]]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.dm_channels: dict[str, str] = {}
        self.identified = asyncio.Event()
        self._ids = itertools.count(600000000000000000)
        self._seq = itertools.count(1)
        self._waiters: dict[str, asyncio.Future[Call]] = {}
        self._tokens: dict[str, str] = {}
        self._clicked: dict[str, str] = {}
        self._types: dict[str, int] = {}
        self._changed = asyncio.Condition()
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
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
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- helpers ---------------------------------------------------------------------------

    def snowflake(self) -> str:
        return str(next(self._ids))

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        return web.Response(
            body=json.dumps(data).encode(), status=status, content_type="application/json"
        )

    def _message(self, body: dict[str, Any], mid: str | None = None) -> dict[str, Any]:
        mid = mid or self.snowflake()
        self.messages[mid] = _payloads.message(mid, self.messages.get(mid, {}), body)
        return self.messages[mid]

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

    def of(self, interaction_id: str) -> list[Call]:
        """Every call that answers one interaction: callback, followups, edits."""
        return [c for c in self.calls if c.interaction_id == interaction_id]

    # --- REST ------------------------------------------------------------------------------

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": 1,
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
        kind = payload.get("type")
        data = payload.get("data") or {}
        mid: str | None = None
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):  # a new message (or the 'thinking' placeholder)
            mid = self.snowflake()
            resource["message"] = self._message(data, mid)
        elif kind in (6, 7):  # the component's message, updated
            mid = self._clicked.get(iid)
            resource["message"] = self._message(data if kind == 7 else {}, mid)
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
        return self._json({"interaction": interaction, "resource": resource})

    async def _followup(self, request: web.Request) -> web.Response:
        payload, files = await self._body(request)
        message = self._message(payload)
        iid = self._tokens.get(request.match_info["token"])
        await self._record(Call("followup", request.path, payload, files, iid, message["id"]))
        return self._json(message)

    async def _edit(self, request: web.Request) -> web.Response:
        iid = self._tokens.get(request.match_info["token"])
        if request.method == "DELETE":
            await self._record(Call("delete", request.path, {}, [], iid))
            return web.Response(status=204)
        payload, files = await self._body(request)
        message = self._message(payload if request.method == "PATCH" else {})
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
        message = self._message(payload)
        await self._record(Call("channel", request.path, payload, files, None, message["id"]))
        return self._json(message)

    # --- gateway ---------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_json({"op": 11})
            elif frame["op"] == 2:
                await self._send("READY", _payloads.ready(self.gateway_url))
                await self._send("GUILD_CREATE", _payloads.guild())
                self.identified.set()
            elif frame["op"] == 6:
                await self._send("RESUMED", {})
        if self._ws is ws:
            self._ws = None
        return ws

    async def _send(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None, "the bot is not connected"
        await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    # --- interactions ----------------------------------------------------------------------

    async def inject(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user: dict[str, Any] = ALICE,
        permissions: str = "0",
        message: dict[str, Any] | None = None,
        within: float = 5.0,
    ) -> Call:
        """Dispatch one INTERACTION_CREATE and return the callback the bot answers with."""
        iid = self.snowflake()
        self._tokens[f"token-{iid}"] = iid
        payload = _payloads.interaction(iid, kind, data, user, permissions, message)
        self._types[iid] = kind
        if message is not None:
            self._clicked[iid] = message["id"]
        waiter: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self._waiters[iid] = waiter
        await self._send("INTERACTION_CREATE", payload)
        try:
            return await asyncio.wait_for(waiter, within)
        finally:
            self._waiters.pop(iid, None)

    async def command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        sub: str | None = None,
        **kwargs: Any,
    ) -> Call:
        """Run a slash command; `sub` names a subcommand of the group `name`."""
        opts = [{"name": k, "type": option_type(v), "value": v} for k, v in (options or {}).items()]
        if sub is not None:
            opts = [{"name": sub, "type": 1, "options": opts}]
        scope = GUILD_ID if GUILD_ID in self.synced else "global"
        cmd = next((c for c in self.synced.get(scope, []) if c["name"] == name), {"id": "1"})
        data = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if scope != "global":
            data["guild_id"] = GUILD_ID
        return await self.inject(2, data, **kwargs)

    async def click(self, on: Call, custom_id: str, **kwargs: Any) -> Call:
        """Press a button on the message as `on` left it: what the user saw, components included."""
        assert on.message, f"{on.kind} produced no message"
        assert custom_id in ids_of(on.message), custom_id
        return await self.inject(
            3, {"custom_id": custom_id, "component_type": 2}, message=on.message, **kwargs
        )

    async def submit(self, on: Call, modal: Call, value: str, **kwargs: Any) -> Call:
        """Submit the modal `modal` (opened from a button on `on`), typing `value` in it."""
        rows = [
            {"type": 1, "components": [{"type": 4, "custom_id": c["custom_id"], "value": value}]}
            for row in modal.data["components"]
            for c in row["components"]
            if c["type"] == 4
        ]
        data = {"custom_id": modal.data["custom_id"], "components": rows}
        return await self.inject(5, data, message=on.message, **kwargs)
