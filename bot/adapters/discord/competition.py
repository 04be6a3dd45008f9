"""`/compete start|stop`, the competition buttons, and the poster that shows a game in a channel.

`setup(bot, service)` adds the `Compete` cog and the buttons; the cog owns one CompetitionService,
which keeps one session (and timer task) per channel. Running games are resumed on the first
`on_ready` and their timers cancelled when the cog unloads (the bot closing).
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import limits
from bot.adapters.discord import render_competition as show
from bot.adapters.discord._http import post_failed
from bot.adapters.discord._replies import (
    NO_PINGS,
    PLATFORM,
    SERVER_ONLY,
    learner_of,
    reply_error,
    send,
    update,
)
from bot.adapters.discord.competition_items import COMPETITION_ITEMS
from bot.adapters.discord.limits import deck_choice, safe
from bot.app.competitions import LEASE_SECONDS, CompetitionService, Where
from bot.app.study import QuizService
from bot.core import competition as game
from bot.core.competition import Competition

log = logging.getLogger(__name__)


def where_of(interaction: discord.Interaction) -> Where:
    return (PLATFORM, str(interaction.guild_id or "dm"), str(interaction.channel_id or ""))


def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Messages or Manage Server in this channel."""
    perms = interaction.permissions
    return bool(perms.manage_messages or perms.manage_guild)


class DiscordPoster:
    """Posts a game's messages in its channel (a partial messageable: no cache needed)."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def _send(self, c: Competition, reply: show.Reply | str) -> None:
        """Discord's refusal comes back as the app's PostFailed, with its Retry-After."""
        channel = self.bot.get_partial_messageable(int(c.channel))
        if isinstance(reply, str):
            content: dict[str, object] = {"content": safe(reply, limits.CONTENT)}
        else:
            content = {"embed": reply.embed}
            if reply.view is not None:
                content["view"] = reply.view
        try:
            await channel.send(allowed_mentions=NO_PINGS, **content)  # type: ignore[arg-type]
        except discord.HTTPException as error:
            raise post_failed(error) from error

    async def post_lobby(self, c: Competition) -> None:
        await self._send(c, show.lobby(c))

    async def post_round(self, c: Competition) -> None:
        await self._send(c, show.round_(c))

    async def post_round_result(self, c: Competition) -> None:
        await self._send(c, show.result(c))

    async def post_podium(self, c: Competition) -> None:
        await self._send(c, show.podium(c))

    async def post_notice(self, c: Competition, text: str) -> None:
        await self._send(c, text)


class CompeteCog(commands.Cog, name="Compete"):
    """Study-group competitions in a channel."""

    compete = app_commands.Group(
        name="compete", description="Timed multiple-choice competitions", **SERVER_ONLY
    )

    def __init__(
        self, bot: commands.Bot, service: QuizService, *, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self.bot = bot
        self.service = service
        self.comps = CompetitionService.over(
            service, DiscordPoster(bot), lease_seconds=lease_seconds
        )
        self._resumed = False

    async def _decks(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            deck_choice(d) for d in self.service.search_decks(learner_of(interaction), current, 25)
        ]

    @compete.command(name="start", description="Open a competition lobby in this channel")
    @app_commands.describe(
        deck="Deck id (default: every deck)",
        rounds="Questions (1-30, default 10)",
        seconds="Seconds per question (5-60, default 20)",
        teams="Play in two teams (score: the mean of members)",
    )
    @app_commands.autocomplete(deck=_decks)
    async def start(
        self,
        interaction: discord.Interaction,
        deck: str | None = None,
        rounds: app_commands.Range[int, game.MIN_ROUNDS, game.MAX_ROUNDS] = game.DEFAULT_ROUNDS,
        seconds: app_commands.Range[int, game.MIN_SECONDS, game.MAX_SECONDS] = 20,
        teams: Literal["on", "off"] = "off",
    ) -> None:
        c = await self.comps.start(
            where_of(interaction),
            str(interaction.user.id),
            interaction.user.display_name,
            deck_id=deck,
            rounds=rounds,
            seconds=seconds,
            teams=teams == "on",
        )
        await send(interaction, show.lobby(c), ephemeral=False)

    @compete.command(
        name="stop", description="Stop this channel's competition (starter or moderator)"
    )
    async def stop(self, interaction: discord.Interaction) -> None:
        await self.comps.stop(
            where_of(interaction), str(interaction.user.id), moderator=is_moderator(interaction)
        )
        await interaction.response.send_message("Competition stopped.", ephemeral=True)

    async def join(self, interaction: discord.Interaction, cid: str, team: int | None) -> None:
        try:
            user, name = str(interaction.user.id), interaction.user.display_name
            if team is None:
                c = await self.comps.join(where_of(interaction), cid, user, name)
            else:
                c = await self.comps.pick_team(where_of(interaction), cid, user, name, team)
            await update(interaction, show.lobby(c))
        except Exception as error:
            await reply_error(interaction, error)

    async def begin(self, interaction: discord.Interaction, cid: str) -> None:
        try:
            c = await self.comps.begin(
                where_of(interaction),
                cid,
                str(interaction.user.id),
                moderator=is_moderator(interaction),
            )
            await update(interaction, show.lobby(c))
        except Exception as error:
            await reply_error(interaction, error)

    async def answer(
        self, interaction: discord.Interaction, cid: str, round_no: int, option: int
    ) -> None:
        try:
            await self.comps.answer(
                where_of(interaction), cid, round_no, str(interaction.user.id), option
            )
            await interaction.response.send_message(
                "Answer locked in.", ephemeral=True, allowed_mentions=NO_PINGS
            )
        except Exception as error:
            await reply_error(interaction, error)

    async def board(self, interaction: discord.Interaction) -> None:
        """`/leaderboard period:competitions`."""
        me = learner_of(interaction)
        b = await self.comps.leaderboard(PLATFORM, me.workspace, me.user)
        await send(interaction, show.board(b), ephemeral=False)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if not self._resumed:
            self._resumed = True
            serves = getattr(self.bot, "serves", None)
            count = await self.comps.resume(PLATFORM, serves)
            if count:
                log.info("resumed %d competitions", count)

    async def cog_unload(self) -> None:
        await self.comps.close()


async def setup(
    bot: commands.Bot, service: QuizService, *, lease_seconds: float = LEASE_SECONDS
) -> None:
    """Register the buttons and the `/compete` group (called from QuizBot.setup_hook)."""
    bot.add_dynamic_items(*COMPETITION_ITEMS)
    await bot.add_cog(CompeteCog(bot, service, lease_seconds=lease_seconds))
