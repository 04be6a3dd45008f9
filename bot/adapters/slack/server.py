"""Serving a built app: HTTP (aiohttp, signed requests on /slack/events) or Socket Mode.

`run_slack` and the tests both start the app through these two functions, so the tests
exercise the same serving code production runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


@dataclass
class HttpServer:
    runner: web.AppRunner
    port: int

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_http(app: AsyncApp, host: str, port: int) -> HttpServer:
    """Listen on host:port (0 picks a free port, which is returned)."""
    runner = web.AppRunner(app.web_app(path=EVENTS_PATH), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = port
    server = site._server  # aiohttp keeps the asyncio server here; its socket has the real port
    if server is not None and getattr(server, "sockets", None):
        bound = server.sockets[0].getsockname()[1]
    return HttpServer(runner, bound)


async def start_socket(app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """Open the Socket Mode connection (apps.connections.open, then the websocket)."""
    handler = AsyncSocketModeHandler(app, app_token=app_token)
    await handler.connect_async()
    return handler
