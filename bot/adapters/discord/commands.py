"""The slash commands: /study, /quiz, /leaderboard, /stats and /decks (`/deck` is decks.py).

Each handler reads its options, makes one service call, renders through `render.py` and sends.
Failures reach `QuizTree.on_error` (client.py), which answers with a short ephemeral line.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.charts import stats_chart
from bot.adapters.discord import render
from bot.adapters.discord._replies import PLATFORM, anywhere, learner_of, send, server_only
from bot.adapters.discord.flow import SessionFlow
from bot.adapters.discord.limits import deck_choice
from bot.app.study import QUIZ_DEFAULT_LENGTH, QUIZ_MAX_LENGTH, QuizService
from bot.core.models import Mode, Period

log = logging.getLogger(__name__)

DECK_HELP = "Deck id (default: every deck)"


class QuizCog(commands.Cog, name="Quiz"):
    """Study, quiz, scores and decks over the platform-neutral QuizService."""

    def __init__(self, service: QuizService, flow: SessionFlow) -> None:
        self.service = service
        self.flow = flow

    async def _deck_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete for every `deck` option, from the decks loaded right now."""
        return [
            deck_choice(d) for d in self.service.search_decks(learner_of(interaction), current, 25)
        ]

    @app_commands.command(name="study", description="Your own spaced-repetition session")
    @anywhere
    @app_commands.describe(deck=DECK_HELP, mode="review: due and new cards; missed: last misses")
    @app_commands.autocomplete(deck=_deck_choices)
    async def study(
        self,
        interaction: discord.Interaction,
        deck: str | None = None,
        mode: Literal["review", "missed"] = "review",
    ) -> None:
        await self.flow.start(interaction, Mode(mode), deck, None)

    @app_commands.command(name="quiz", description="A quick multiple-choice quiz, scored")
    @anywhere
    @app_commands.describe(deck=DECK_HELP, questions="How many questions (1-25, default 10)")
    @app_commands.autocomplete(deck=_deck_choices)
    async def quiz(
        self,
        interaction: discord.Interaction,
        deck: str | None = None,
        questions: app_commands.Range[int, 1, QUIZ_MAX_LENGTH] = QUIZ_DEFAULT_LENGTH,
    ) -> None:
        await self.flow.start(interaction, Mode.QUIZ, deck, questions)

    @app_commands.command(name="leaderboard", description="Top scores in this server")
    @server_only
    @app_commands.describe(period="day, week, all time (default) or competitions", deck=DECK_HELP)
    @app_commands.autocomplete(deck=_deck_choices)
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        period: Literal["day", "week", "all", "competitions"] = "all",
        deck: str | None = None,
    ) -> None:
        if period == "competitions":  # the board lives with the competitions (competition.py)
            await interaction.client.get_cog("Compete").board(interaction)  # type: ignore[attr-defined]
            return
        me = learner_of(interaction)
        board = await self.service.leaderboard(
            PLATFORM, me.workspace, Period(period), deck_id=deck, user=me.user
        )
        await send(interaction, render.leaderboard(board), ephemeral=False)

    @app_commands.command(name="stats", description="Reviews, accuracy, streak and what is due")
    @anywhere
    @app_commands.describe(member="Whose stats (default: yours)")
    async def stats(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        who = member or interaction.user
        stats = await self.service.stats(learner_of(interaction, who))
        chart = await asyncio.to_thread(stats_chart, stats, discord.utils.utcnow())
        await send(interaction, render.stats(stats, who.display_name, chart), ephemeral=True)

    @app_commands.command(name="decks", description="The loaded decks and their card counts")
    @anywhere
    async def decks(self, interaction: discord.Interaction) -> None:
        await send(
            interaction, render.decks(self.service.decks(learner_of(interaction))), ephemeral=True
        )
