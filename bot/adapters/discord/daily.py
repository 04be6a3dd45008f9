"""`/daily set|show|off`, `/remind on|off`, the daily buttons, and the loop that posts.

The cog owns its loop task: started on ready, cancelled when the cog unloads (the bot closes).
Handlers stay short: one DailyService call, rendered by `render_daily.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import render_daily
from bot.adapters.discord._replies import (
    NO_PINGS,
    PLATFORM,
    SERVER_ONLY,
    anywhere,
    learner_of,
    reply_error,
    say,
)
from bot.app.daily import POST_LEASE, DailyPost, DailyService
from bot.app.study import QuizService
from bot.core.daily import DailyResults
from bot.core.models import Learner

log = logging.getLogger(__name__)


class DiscordPoster:
    """The DailyPoster for Discord: channel posts and direct messages, no pings."""

    platform = PLATFORM

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def post_questions(self, channel: str, post: DailyPost) -> list[str]:
        embeds, view = render_daily.post(post)
        target = self.bot.get_partial_messageable(int(channel))
        message = await target.send(
            embeds=embeds, view=view, allowed_mentions=NO_PINGS, nonce=post.key
        )
        return [str(message.id)]

    async def post_results(self, channel: str, results: DailyResults) -> None:
        target = self.bot.get_partial_messageable(int(channel))
        await target.send(
            embed=render_daily.results(results),
            allowed_mentions=NO_PINGS,
            nonce=results.key or None,
        )

    async def send_reminder(self, learner: Learner, due: int) -> None:
        user = await self.bot.fetch_user(int(learner.user))
        await user.send(render_daily.reminder(due), allowed_mentions=NO_PINGS)


class DailyCog(commands.Cog, name="Daily"):
    """Daily quizzes per channel, configured by members with Manage Server."""

    daily = app_commands.Group(
        name="daily",
        description="The channel's scheduled daily quiz",
        **SERVER_ONLY,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(
        self,
        bot: commands.Bot,
        service: QuizService,
        *,
        grace_minutes: int = 120,
        post_lease_seconds: float = POST_LEASE.total_seconds(),
    ) -> None:
        self.bot = bot
        self.service = DailyService.over(
            service,
            grace=timedelta(minutes=grace_minutes),
            post_lease=timedelta(seconds=post_lease_seconds),
        )
        self.poster = DiscordPoster(bot)
        self._loop: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(render_daily.DailyButton)

    async def cog_unload(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self.service.run_forever(self.poster))

    async def tick(self) -> list[object]:
        """One pass of the loop now (tests call this after moving the clock)."""
        return list(await self.service.tick(self.poster))

    @daily.command(name="set", description="Post a daily quiz here (Manage Server only)")
    @app_commands.describe(
        time="Local time, HH:MM (24-hour)",
        timezone="IANA time zone, e.g. Europe/Berlin",
        deck="Deck id (default: every deck)",
        questions="How many questions (1-5)",
        channel="Where to post (default: this channel)",
        close="Local closing time HH:MM for the results (default: the next day's post)",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_(
        self,
        interaction: discord.Interaction,
        time: str,
        timezone: str,
        deck: str | None = None,
        questions: app_commands.Range[int, 1, 5] = 3,
        channel: discord.TextChannel | None = None,
        close: str | None = None,
    ) -> None:
        where = str(channel.id if channel else interaction.channel_id)
        view = await self.service.set(
            learner_of(interaction), where, at=time, timezone=timezone, questions=questions,
            deck_id=deck, close_at=close,
        )  # fmt: skip
        await interaction.response.send_message(
            embed=render_daily.schedule(view), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @daily.command(name="show", description="This channel's daily quiz")
    async def show(self, interaction: discord.Interaction) -> None:
        view = await self.service.show(learner_of(interaction), str(interaction.channel_id))
        if view is None:
            await say(interaction, "No daily quiz is set for this channel.")
            return
        await interaction.response.send_message(
            embed=render_daily.schedule(view), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @daily.command(name="off", description="Stop this channel's daily quiz (Manage Server only)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def off(self, interaction: discord.Interaction) -> None:
        gone = await self.service.off(learner_of(interaction), str(interaction.channel_id))
        await say(interaction, "Daily quiz stopped." if gone else "No daily quiz was set here.")

    @app_commands.command(name="remind", description="A direct message when cards are due")
    @anywhere
    @app_commands.describe(
        state="on: a direct message when cards are due; off: none",
        timezone="Your IANA time zone, e.g. Europe/Berlin: where your days (and streak) begin",
    )
    async def remind(
        self,
        interaction: discord.Interaction,
        state: Literal["on", "off"],
        timezone: str | None = None,
    ) -> None:
        await self.service.remind(learner_of(interaction), state == "on", timezone)
        zone = f" Your days count in {timezone.strip()}." if timezone else ""
        await say(interaction, f"Reminders {state}.{zone}")

    async def answer(
        self, interaction: discord.Interaction, run_id: int, question: int, option: int
    ) -> None:
        try:
            outcome = await self.service.answer(
                run_id, question, option, learner_of(interaction), interaction.user.display_name
            )
            await say(interaction, render_daily.outcome(outcome))
        except Exception as error:
            await reply_error(interaction, error)
