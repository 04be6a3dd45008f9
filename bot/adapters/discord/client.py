"""Build the Discord bot and run it: `quizbot run discord` calls `run_discord(settings)`.

Everything is built here at run time (no global bot). DISCORD_API_URL and DISCORD_GATEWAY_URL
point the client at another endpoint (a proxy, or the fake Discord the tests run).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import competition
from bot.adapters.discord._replies import NO_PINGS, reply_error
from bot.adapters.discord.commands import QuizCog
from bot.adapters.discord.daily import DailyCog
from bot.adapters.discord.decks import DeckCog
from bot.adapters.discord.flow import SessionFlow
from bot.adapters.discord.people import PeopleCog
from bot.adapters.discord.views import DYNAMIC_ITEMS
from bot.adapters.errors import MissingSetting, TokenRefused
from bot.app.competitions import LEASE_SECONDS
from bot.app.deck_book import DeckBook
from bot.app.people import PeopleService
from bot.app.study import QuizService
from bot.process.settings import Settings, ShardSlice

log = logging.getLogger(__name__)

TOKEN_REFUSED = "the Discord token was refused: check DISCORD_TOKEN"
GATEWAY_AUTHENTICATION_FAILED = 4004

READY_LINE = "quizbot ready: discord as %s"


class QuizTree(app_commands.CommandTree):
    """Every command failure becomes a short ephemeral reply; unexpected ones are logged."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await reply_error(interaction, error)


class QuizBot(commands.Bot):
    """The bot: the services, the session flow the buttons use, and the slash commands."""

    def __init__(
        self,
        service: QuizService,
        deck_book: DeckBook,
        guild_ids: tuple[int, ...],
        *,
        guild_ready_timeout: float = 2.0,
        shards: ShardSlice | None = None,
        game_lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        slice_of = {} if shards is None else {"shard_ids": list(shards.ids),
                                               "shard_count": shards.count}  # fmt: skip
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=NO_PINGS,
            help_command=None,
            tree_cls=QuizTree,
            guild_ready_timeout=guild_ready_timeout,
            **slice_of,
        )
        self.service = service
        self.deck_book = deck_book
        self.flow = SessionFlow(service, deck_book)
        self.guild_ids = guild_ids
        self.shards_run = shards
        self.game_lease_seconds = game_lease_seconds
        self._announced = False

    def serves(self, workspace: str) -> bool:
        """Whether this process receives the guild's events (its shard is in our slice)."""
        if self.shards_run is None:
            return True
        return workspace.isdigit() and self.shards_run.serves(int(workspace))

    async def setup_hook(self) -> None:
        """Buttons from any earlier run work again; commands sync per guild (instant) or globally."""
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.add_cog(QuizCog(self.service, self.flow))
        await self.add_cog(DeckCog(self, self.service, self.deck_book, self.service.clock))
        await competition.setup(self, self.service, lease_seconds=self.game_lease_seconds)
        if self.shards_run is not None and 0 not in self.shards_run.ids:
            log.info("shards %s: the process running shard 0 syncs the commands", self.shards_run)
        elif self.guild_ids:
            for guild_id in self.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %d", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands (may take up to an hour to show)", len(synced))

    async def on_ready(self) -> None:
        if not self._announced and self.user is not None:
            self._announced = True
            log.info(READY_LINE, self.user.name)


class ShardedQuizBot(QuizBot, commands.AutoShardedBot):
    """The bot over a slice of the shards (`QUIZBOT_SHARDS`): one gateway connection per
    shard in the slice; other processes run the other shards over the same database."""


def point_at(settings: Settings) -> None:
    """Route REST and the gateway through the configured URLs (both are class attributes)."""
    if settings.discord_api_url:
        discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def require_token(settings: Settings) -> str:
    """The bot token, or MissingSetting before anything is opened."""
    token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
    if not token:
        raise MissingSetting(
            "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications"
            " and put its token in the environment"
        )
    return token


async def serve_discord(
    settings: Settings,
    token: str,
    service: QuizService,
    *,
    deck_book: DeckBook,
    guild_ready_timeout: float = 2.0,
) -> None:
    """Run until cancelled (SIGTERM via `bot.process.runtime.serve`), then close the bot, then
    the service it was given. `deck_book` serves `/deck` and the pictures stored with decks.

    `guild_ready_timeout` is how long discord.py waits for guilds before `on_ready`; tests
    shorten it.
    """
    point_at(settings)
    make = QuizBot if settings.shards is None else ShardedQuizBot
    bot = make(
        service,
        deck_book,
        settings.guild_ids,
        guild_ready_timeout=guild_ready_timeout,
        shards=settings.shards,
        game_lease_seconds=settings.game_lease_seconds,
    )
    if settings.shards is not None:
        log.info("running Discord shards %s", settings.shards)
    try:
        async with bot:
            await bot.add_cog(
                DailyCog(
                    bot, service, grace_minutes=settings.daily_grace_minutes,
                    post_lease_seconds=settings.post_lease_seconds,
                )
            )  # fmt: skip
            grace = timedelta(days=settings.purge_grace_days)
            await bot.add_cog(PeopleCog(bot, PeopleService.over(service, grace=grace)))
            await bot.start(token)
    except discord.LoginFailure:
        raise TokenRefused(TOKEN_REFUSED) from None
    except discord.ConnectionClosed as closed:
        if closed.code == GATEWAY_AUTHENTICATION_FAILED:
            raise TokenRefused(TOKEN_REFUSED) from None
        raise
    except discord.PrivilegedIntentsRequired:
        raise TokenRefused(
            "Discord refused a privileged intent: enable it for the bot in the developer portal"
        ) from None
    finally:
        if not bot.is_closed():
            await bot.close()
        await service.close()
        log.info("discord bot stopped")
