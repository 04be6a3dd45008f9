"""Running a chat platform: check its settings, build the services, hand them to the adapter.

The adapters never build their own services (they would have to know the storage): this module
is where the process layer wires them, so the same adapter runs over SQLite today and any other
repository tomorrow.
"""

from __future__ import annotations

from bot.adapters.discord.client import require_token, serve_discord
from bot.adapters.slack.app import serve_slack, transport
from bot.core.ports import Clock
from bot.process.bootstrap import build_service
from bot.process.settings import Settings


async def run_discord(
    settings: Settings, *, clock: Clock | None = None, guild_ready_timeout: float = 2.0
) -> None:
    """The Discord bot until cancelled; MissingSetting before anything opens without a token."""
    token = require_token(settings)
    service = await build_service(settings, clock=clock)
    await serve_discord(settings, token, service, guild_ready_timeout=guild_ready_timeout)


async def run_slack(settings: Settings, *, clock: Clock | None = None) -> None:
    """The Slack app until cancelled; MissingSetting before anything opens without its tokens."""
    mode = transport(settings)
    service = await build_service(settings, clock=clock)
    await serve_slack(settings, mode, service)
