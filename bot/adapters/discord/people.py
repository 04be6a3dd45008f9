"""`/forget-me`, `/my-data`, and what happens when the bot leaves or rejoins a server.

Both commands work anywhere the app is (servers, direct messages, as a user-installed app),
since a person's data does not belong to one server. The cog also runs the purge loop: a
server that removed the bot loses its group data after the grace period, not before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import render_people
from bot.adapters.discord._replies import NO_PINGS, PLATFORM, anywhere, learner_of, say
from bot.adapters.discord.people_items import ForgetButton
from bot.app.people import CONFIRM_SECONDS, PeopleService
from bot.core.errors import QuizError

log = logging.getLogger(__name__)


class PeopleCog(commands.Cog, name="People"):
    """A person's own data, and the clean-up of servers the bot left."""

    def __init__(self, bot: commands.Bot, people: PeopleService, *, every: float = 3600.0) -> None:
        self.bot = bot
        self.people = people
        self.every = every
        self._loop: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ForgetButton)
        self._loop = asyncio.create_task(self._purges(), name="quizbot-discord-purges")

    async def cog_unload(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop

    async def _purges(self) -> None:
        await self.bot.wait_until_ready()
        await self.people.run_purges(self.every, still_in=self._still_in)

    def _still_in(self, platform: str, workspace: str) -> bool:
        """A server the bot is back in (re-added while it was offline) is not purged."""
        return (
            platform == PLATFORM
            and workspace.isdigit()
            and bool(self.bot.get_guild(int(workspace)))
        )

    @app_commands.command(
        name="forget-me", description="Delete everything quizbot stores about you"
    )
    @anywhere
    async def forget_me(self, interaction: discord.Interaction) -> None:
        until = int(self.people.clock.now().timestamp()) + CONFIRM_SECONDS
        reply = render_people.forget_prompt(str(interaction.user.id), until)
        await interaction.response.send_message(
            embed=reply.embed, view=reply.view, ephemeral=True, allowed_mentions=NO_PINGS
        )

    async def confirm_forget(self, interaction: discord.Interaction, user: str, until: int) -> None:
        if str(interaction.user.id) != user:
            await say(interaction, render_people.NOT_YOURS)
            return
        if self.people.clock.now().timestamp() > until:
            await interaction.response.edit_message(
                content=render_people.EXPIRED, embed=None, view=None
            )
            return
        await interaction.response.defer()
        try:
            done = await self.people.forget(learner_of(interaction).person)
        except QuizError as error:
            await interaction.edit_original_response(content=str(error), embed=None, view=None)
            return
        await interaction.edit_original_response(
            content=render_people.forgotten(done.total), embed=None, view=None
        )

    @app_commands.command(
        name="my-data", description="A file of everything quizbot stores about you"
    )
    @anywhere
    async def my_data(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.people.export_json(learner_of(interaction).person)
        await interaction.followup.send(
            render_people.MY_DATA,
            file=render_people.my_data(data),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.people.left(PLATFORM, str(guild.id))

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.people.returned(PLATFORM, str(guild.id))
