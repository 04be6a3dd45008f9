"""A fake Slack: the Web API methods the adapter calls, response_url sinks, file uploads and a
Socket Mode websocket, on 127.0.0.1 with a random port. It records what a user would see."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

DISPLAY_NAMES = {"U1": "Ada", "U2": "Grace <!here>"}
ADMINS = frozenset({"U1"})  # users.info is_admin (daily quiz settings)
CHANNEL_CREATOR = "U4"  # conversations.info creator


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _counter: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self) -> str:
        self._counter += 1
        return f"{self.base}/response/{self._counter}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{n}", self._response)
        app.router.add_post("/upload/{file}", self._upload)
        app.router.add_get("/link", self._websocket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # --- the Web API ---------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update(dict(parse_qsl(raw)))
        self.calls.append(Call(method, args))
        return web.json_response({"ok": True, **self._reply(method, args)})

    def _reply(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "quizbot"}
        if method == "apps.connections.open":
            return {"url": f"ws://127.0.0.1:{self.port}/link"}
        if method == "chat.postMessage":
            return {"channel": args.get("channel"), "ts": f"{time.time():.6f}"}
        if method == "users.info":
            user = args.get("user", "")
            name = DISPLAY_NAMES.get(user, "")
            profile = {"display_name": name}
            return {"user": {"id": user, "name": user.lower(), "profile": profile,
                             "is_admin": user in ADMINS}}  # fmt: skip
        if method == "conversations.info":
            return {"channel": {"id": args.get("channel"), "creator": CHANNEL_CREATOR}}
        if method == "conversations.open":
            return {"channel": {"id": "D" + str(args.get("users", ""))}}
        if method == "files.getUploadURLExternal":
            return {"upload_url": f"{self.base}/upload/F1", "file_id": "F1"}
        if method == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else files
            return {"files": files}
        if method in ("views.open", "views.publish"):
            return {"view": {"id": "V1"}}
        return {}

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        body["_url"] = str(request.url.path)
        self.responses.append(body)
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        return web.Response(text="OK - 1")

    # --- Socket Mode ---------------------------------------------------------------------

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

    # --- what tests look at --------------------------------------------------------------

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    async def next_response(self, count: int) -> dict[str, Any]:
        """Wait for the `count`th response_url post and return it."""
        await wait_until(lambda: len(self.responses) >= count)
        return self.responses[count - 1]

    async def call(self, method: str, count: int = 1) -> dict[str, Any]:
        await wait_until(lambda: len(self.called(method)) >= count)
        return self.called(method)[count - 1]


WAIT_SECONDS = 5.0


async def wait_until(check: Callable[[], bool]) -> None:
    """Poll `check` until it holds; fail the test after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the fake Slack")
        await asyncio.sleep(0.005)


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """action_id -> button element, over every actions block of a message."""
    found: dict[str, dict[str, Any]] = {}
    for block in message.get("blocks", []):
        if block.get("type") == "actions":
            for element in block["elements"]:
                found[element["action_id"]] = {**element, "block_id": block.get("block_id")}
    return found


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """Every mrkdwn string in a message or view, plus the top-level fallback text."""
    texts = [message.get("text", "")] if isinstance(message.get("text"), str) else []
    for block in message.get("blocks", []):
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            texts.append(text["text"])
        for element in block.get("elements", []):
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                texts.append(element["text"])
    return texts
