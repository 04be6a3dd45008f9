"""Forget-me and my-data replies for Discord: plain data the `People` cog sends."""

from __future__ import annotations

import gzip
import io

import discord

from bot.adapters.discord.people_items import ForgetButton
from bot.adapters.discord.render import RED, Reply, _view

MAX_FILE = 8 * 1024 * 1024
"""Discord's smallest attachment limit; a larger export is sent gzip-compressed."""

WHAT_GOES = (
    "This deletes everything quizbot stores about you, in every server and in direct "
    "messages: your card schedules, your review history, your scores and leaderboard places, "
    "your reminders and daily-quiz answers. Competitions keep their results with your name "
    "removed. It cannot be undone."
)


def forget_prompt(user: str, until: int) -> Reply:
    """The warning and a button that works until `until` (Unix time)."""
    embed = discord.Embed(title="Forget me?", description=WHAT_GOES, color=RED)
    embed.add_field(
        name="Confirm", value=f"Press **Forget me** before <t:{until}:T> (<t:{until}:R>)."
    )
    return Reply(embed, _view(ForgetButton(user, until)))


def forgotten(rows: int) -> str:
    if not rows:
        return "Nothing was stored about you; there is nothing to forget."
    return f"Done: quizbot has forgotten you ({rows} records deleted or anonymised)."


EXPIRED = "That confirmation has expired. Run /forget-me again if you still want it."
NOT_YOURS = "Only the person who asked can confirm this."


def my_data(data: bytes) -> discord.File:
    """The export as a JSON file, gzip-compressed when Discord would refuse it as it is."""
    if len(data) <= MAX_FILE:
        return discord.File(io.BytesIO(data), filename="quizbot-my-data.json")
    return discord.File(io.BytesIO(gzip.compress(data)), filename="quizbot-my-data.json.gz")


MY_DATA = "Everything quizbot stores about you, as JSON (only you can see this)."
