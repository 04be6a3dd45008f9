"""What a button or modal may ask for: the callback interfaces the items call.

`flow.SessionFlow`, `competition.CompeteCog`, `people.PeopleCog` and `decks.DeckCog` implement
these Protocols and are found on the client at click time (never in a class attribute), so a
button rebuilt from its id after a restart reaches the live flow. See the package docstring for the arrows between modules.
"""

from __future__ import annotations

from typing import Protocol, cast

import discord

from bot.core.models import Rating


class SessionActions(Protocol):
    """A study or quiz session's buttons and modal (implemented by `flow.SessionFlow`)."""

    async def choose(
        self, interaction: discord.Interaction, session_id: str, turn: int, index: int
    ) -> None: ...

    async def rate(
        self, interaction: discord.Interaction, session_id: str, turn: int, rating: Rating
    ) -> None: ...

    async def typed(
        self, interaction: discord.Interaction, session_id: str, turn: int, text: str
    ) -> None: ...

    async def show(self, interaction: discord.Interaction, session_id: str, turn: int) -> None: ...

    async def open_modal(
        self, interaction: discord.Interaction, session_id: str, turn: int
    ) -> None: ...

    async def next(self, interaction: discord.Interaction, session_id: str) -> None: ...

    async def stop(self, interaction: discord.Interaction, session_id: str) -> None: ...


class CompetitionActions(Protocol):
    """A competition's lobby and round buttons (implemented by `competition.CompeteCog`)."""

    async def join(self, interaction: discord.Interaction, cid: str, team: int | None) -> None: ...

    async def begin(self, interaction: discord.Interaction, cid: str) -> None: ...

    async def answer(
        self, interaction: discord.Interaction, cid: str, round_no: int, option: int
    ) -> None: ...


class PeopleActions(Protocol):
    """The forget-me confirmation button (implemented by `people.PeopleCog`)."""

    async def confirm_forget(
        self, interaction: discord.Interaction, user: str, until: int
    ) -> None: ...


class DeckActions(Protocol):
    """The `/deck` buttons and modals (implemented by `decks.DeckCog`)."""

    async def confirm_remove(
        self, interaction: discord.Interaction, user: str, until: int, deck_key: str
    ) -> None: ...

    async def keep(
        self, interaction: discord.Interaction, user: str, until: int, deck_key: str
    ) -> None: ...

    async def pasted(self, interaction: discord.Interaction, name: str, text: str) -> None: ...

    async def added(
        self,
        interaction: discord.Interaction,
        deck_id: str,
        question: str,
        answer: str,
        accept: str,
    ) -> None: ...


def session_actions(interaction: discord.Interaction) -> SessionActions:
    """The session flow lives on the bot (`QuizBot.flow`)."""
    return cast("SessionActions", interaction.client.flow)  # type: ignore[attr-defined]


def competition_actions(interaction: discord.Interaction) -> CompetitionActions:
    """The competition cog, registered on the bot under the name "Compete"."""
    return cast("CompetitionActions", interaction.client.get_cog("Compete"))  # type: ignore[attr-defined]


def people_actions(interaction: discord.Interaction) -> PeopleActions:
    """The people cog, registered on the bot under the name "People"."""
    return cast("PeopleActions", interaction.client.get_cog("People"))  # type: ignore[attr-defined]


def deck_actions(interaction: discord.Interaction) -> DeckActions:
    """The deck cog, registered on the bot under the name "Decks"."""
    return cast("DeckActions", interaction.client.get_cog("Decks"))  # type: ignore[attr-defined]
