"""Sending replies and errors: one place that knows ephemeral, deferred and edited messages.

Every send passes `AllowedMentions.none()` as well as the client default, so nothing the bot
says can ping, whatever a deck or a learner wrote.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import discord
from discord import app_commands

from bot.adapters.discord import render
from bot.adapters.discord._http import EXPIRED, EXPIRED_TOKEN, describe
from bot.core.errors import QuizError
from bot.core.models import PRIVATE, Learner

log = logging.getLogger(__name__)
T = TypeVar("T")

PLATFORM = "discord"
NO_PINGS = discord.AllowedMentions.none()
UNEXPECTED = "Something went wrong on our side; it has been logged. Please try again."
REFUSED = "Discord did not take my reply just now. Please try again."


def learner_of(interaction: discord.Interaction, user: discord.abc.User | None = None) -> Learner:
    """A Discord learner is (guild, user). Outside the bot's servers (a direct message, a group
    DM, a user-installed app in a server the bot is not in) they study alone: `PRIVATE`."""
    who = user or interaction.user
    guild = interaction.guild_id
    in_group = guild is not None and (
        interaction.is_guild_integration() or interaction.client.get_guild(guild) is not None
    )
    return Learner(PLATFORM, str(guild) if in_group else PRIVATE, str(who.id))


def anywhere(command: T) -> T:
    """Installable to a server or to a user account, usable in servers, in a DM with the bot and
    in group DMs (Discord's user-installable apps)."""
    command = app_commands.allowed_installs(guilds=True, users=True)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)


SERVER_ONLY = {
    "allowed_contexts": app_commands.AppCommandContext(guild=True),
    "allowed_installs": app_commands.AppInstallationType(guild=True),
}
"""Keyword arguments of a command group used only in the servers that installed the bot."""


def server_only(command: T) -> T:
    """A group command: installed with the server and used there only."""
    command = app_commands.allowed_installs(guilds=True, users=False)(command)
    return app_commands.guild_only()(command)


async def send(
    interaction: discord.Interaction, reply: render.Reply, *, ephemeral: bool = True
) -> None:
    """A new message: the response if none was given yet, else a followup."""
    extra = {"file": reply.file} if reply.file else {}
    if reply.view is not None:
        extra["view"] = reply.view
    if interaction.response.is_done():
        await interaction.followup.send(
            embed=reply.embed, ephemeral=ephemeral, allowed_mentions=NO_PINGS, **extra
        )
    else:
        await interaction.response.send_message(
            embed=reply.embed, ephemeral=ephemeral, allowed_mentions=NO_PINGS, **extra
        )


async def update(interaction: discord.Interaction, reply: render.Reply) -> None:
    """Replace the message the button is on (callback type 7), buttons and files included: a
    picture the old card carried is dropped unless the new reply carries one again."""
    await interaction.response.edit_message(
        embed=reply.embed,
        view=reply.view,
        attachments=[reply.file] if reply.file else [],
        allowed_mentions=NO_PINGS,
    )


async def say(interaction: discord.Interaction, text: str) -> None:
    """A short ephemeral line, whether or not the interaction was answered already."""
    text = render.error(text)
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def _what(interaction: discord.Interaction) -> str:
    """The command or button an interaction was, for a log line."""
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data = interaction.data or {}
    return str(data.get("custom_id", f"interaction type {interaction.type}"))


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """QuizError and failed checks say what to do; Discord refusing a reply is logged at warning
    with its route (an expired interaction cannot be answered at all); anything else is logged
    with its traceback. Never raises: the error reply itself may fail too."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if expired(error):
        log.warning("interaction expired before %s was answered: %s", _what(interaction),
                    describe(error))  # fmt: skip
        return
    if isinstance(error, discord.HTTPException):
        log.warning("Discord refused the reply to %s: %s", _what(interaction), describe(error))
        text = REFUSED
    elif isinstance(error, QuizError):
        text = str(error)
    elif isinstance(error, app_commands.MissingPermissions):
        text = "You need the Manage Server permission to do that."
    elif isinstance(error, app_commands.NoPrivateMessage):
        text = "That only works in a server."
    elif isinstance(error, app_commands.CheckFailure):
        text = "You cannot use that here."
    else:
        log.exception("unexpected error in an interaction", exc_info=error)
        text = UNEXPECTED
    try:
        await say(interaction, text)
    except Exception as failure:
        reason = describe(failure) if isinstance(failure, discord.HTTPException) else failure
        log.warning("could not tell the user about an error in %s: %s", _what(interaction), reason)


def expired(error: BaseException) -> bool:
    """Discord no longer takes replies to this interaction (10062 past 3 s, 50027 past 15 min)."""
    return isinstance(error, discord.HTTPException) and error.code in (EXPIRED, EXPIRED_TOKEN)
