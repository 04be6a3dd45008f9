"""The `/deck` buttons and modals: the remove confirmation pair, the paste and add-card modals.

The confirmation buttons are `DynamicItem`s (`qb:deckrm:{user}:{until}:{deck key}` and
`qb:deckkeep:...`): the id says who may press, until when (a Unix time) and which deck (a
short hash of its id, looked up among the server's own decks at click time, so a deck id of
any length fits in Discord's 100 characters). They work after a restart and stop at `until`.
The items only parse their ids and call `actions.DeckActions` (the `Decks` cog in `decks.py`).
"""

from __future__ import annotations

import hashlib
import re

import discord

from bot.adapters.discord.actions import deck_actions
from bot.adapters.discord.limits import button, clip
from bot.core.limits import LIMITS

DECK_NAME = 100
"""A deck name typed in the paste modal."""
PASTE = 4000
"""Discord's most for a text input: a few cards of notes."""
QUESTION = LIMITS.question_chars
ANSWER = LIMITS.answer_chars
"""So that an added card shows whole in the study embeds (4,096 and 1,024 characters)."""
ACCEPT = 1000
MODAL_SECONDS = 900.0
"""As long as the interaction token lives: a submit after that could not be answered."""

_CONFIRM = r"(?P<user>\d{1,20}):(?P<until>\d{1,12}):(?P<deck>[0-9a-f]{16})"


def deck_key(deck_id: str) -> str:
    """The 16-hex-digit key a button carries for a deck id of any length."""
    return hashlib.sha256(deck_id.encode()).hexdigest()[:16]


class RemoveButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:deckrm:{_CONFIRM}"):
    """Removes the deck, if pressed by the one who asked, in time, with the right still held."""

    def __init__(self, user: str, until: int, key: str) -> None:
        self.user, self.until, self.key = user, until, key
        custom_id = f"qb:deckrm:{user}:{until}:{key}"
        super().__init__(button("Remove", custom_id, discord.ButtonStyle.danger))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> RemoveButton:
        return cls(match["user"], int(match["until"]), match["deck"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await deck_actions(interaction).confirm_remove(interaction, self.user, self.until, self.key)


class KeepButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:deckkeep:{_CONFIRM}"):
    """Cancels the removal: nothing changes."""

    def __init__(self, user: str, until: int, key: str) -> None:
        self.user, self.until, self.key = user, until, key
        custom_id = f"qb:deckkeep:{user}:{until}:{key}"
        super().__init__(button("Keep it", custom_id, discord.ButtonStyle.secondary))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> KeepButton:
        return cls(match["user"], int(match["until"]), match["deck"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await deck_actions(interaction).keep(interaction, self.user, self.until, self.key)


DECK_ITEMS = (RemoveButton, KeepButton)


class PasteModal(discord.ui.Modal):
    """A deck name and a few cards of pasted text (notes, Obsidian, YAML or TSV)."""

    name: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Deck name", style=discord.TextStyle.short, max_length=DECK_NAME
    )
    text: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Cards",
        style=discord.TextStyle.paragraph,
        max_length=PASTE,
        placeholder="What is a hypervisor?\nSoftware that runs virtual machines.",
    )

    def __init__(self, name: str | None = None) -> None:
        super().__init__(title="Paste cards", custom_id="qb:deckpaste", timeout=MODAL_SECONDS)
        if name:
            self.name.default = clip(name.strip(), DECK_NAME)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await deck_actions(interaction).pasted(interaction, self.name.value, self.text.value)


class AddCardModal(discord.ui.Modal):
    """One card for one of the server's decks: question, answer, accepted short answers."""

    question: discord.ui.TextInput[AddCardModal] = discord.ui.TextInput(
        label="Question", style=discord.TextStyle.paragraph, max_length=QUESTION
    )
    answer: discord.ui.TextInput[AddCardModal] = discord.ui.TextInput(
        label="Answer", style=discord.TextStyle.paragraph, max_length=ANSWER
    )
    accept: discord.ui.TextInput[AddCardModal] = discord.ui.TextInput(
        label="Accepted short answers (one a line)",
        style=discord.TextStyle.paragraph,
        max_length=ACCEPT,
        required=False,
        placeholder="Typed answers that count as right, e.g. VM",
    )

    def __init__(self, deck_id: str, deck_name: str) -> None:
        title = clip(f"Add a card to {deck_name}", 45)
        super().__init__(
            title=title, custom_id=f"qb:deckadd:{deck_key(deck_id)}", timeout=MODAL_SECONDS
        )
        self.deck_id = deck_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await deck_actions(interaction).added(
            interaction, self.deck_id, self.question.value, self.answer.value, self.accept.value
        )
