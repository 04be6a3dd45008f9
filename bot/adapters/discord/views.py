"""Buttons and the typed-answer modal, as `DynamicItem`s so they outlive the process.

Every custom id carries the session id and the turn it belongs to (`qb:choice:{session}:{turn}:
{index}`), and the session itself lives in SQLite: after a restart `bot.add_dynamic_items`
rebuilds any button from its id alone, so a card sent yesterday still answers today. The items
only parse their id and call `actions.SessionActions` (implemented in `flow.py`).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import discord

from bot.adapters.discord.actions import session_actions
from bot.adapters.discord.limits import PLACEHOLDER, button, clip
from bot.core.models import Rating

_SESSION = r"(?P<session>[0-9A-Za-z_-]{1,40})"
_TURN = r"(?P<turn>\d{1,6})"
MAX_TYPED = 500


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"qb:choice:{_SESSION}:{_TURN}:(?P<index>\d{{1,2}})",
):
    """One multiple-choice option."""

    def __init__(self, session_id: str, turn: int, index: int, label: str = "?") -> None:
        self.session_id, self.turn, self.index = session_id, turn, index
        super().__init__(
            button(
                label[:80] or "?",
                f"qb:choice:{session_id}:{turn}:{index}",
                discord.ButtonStyle.secondary,
                index // 5,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ChoiceButton:
        return cls(match["session"], int(match["turn"]), int(match["index"]), item.label or "?")

    async def callback(self, interaction: discord.Interaction) -> None:
        await session_actions(interaction).choose(
            interaction, self.session_id, self.turn, self.index
        )


class RateButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"qb:rate:{_SESSION}:{_TURN}:(?P<rating>[1-4])",
):
    """A self-grade (Again/Hard/Good/Easy) after a flashcard's answer is shown."""

    STYLES: ClassVar[dict[Rating, discord.ButtonStyle]] = {
        Rating.AGAIN: discord.ButtonStyle.danger,
        Rating.HARD: discord.ButtonStyle.secondary,
        Rating.GOOD: discord.ButtonStyle.primary,
        Rating.EASY: discord.ButtonStyle.success,
    }

    def __init__(self, session_id: str, turn: int, rating: Rating) -> None:
        self.session_id, self.turn, self.rating = session_id, turn, rating
        super().__init__(
            button(
                rating.name.title(),
                f"qb:rate:{session_id}:{turn}:{int(rating)}",
                self.STYLES[rating],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> RateButton:
        return cls(match["session"], int(match["turn"]), Rating(int(match["rating"])))

    async def callback(self, interaction: discord.Interaction) -> None:
        await session_actions(interaction).rate(
            interaction, self.session_id, self.turn, self.rating
        )


class ShowButton(
    discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:show:{_SESSION}:{_TURN}"
):
    """Reveal a flashcard's answer; grading comes after, by the learner."""

    def __init__(self, session_id: str, turn: int) -> None:
        self.session_id, self.turn = session_id, turn
        super().__init__(
            button("Show answer", f"qb:show:{session_id}:{turn}", discord.ButtonStyle.primary)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ShowButton:
        return cls(match["session"], int(match["turn"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await session_actions(interaction).show(interaction, self.session_id, self.turn)


class TypeButton(
    discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:type:{_SESSION}:{_TURN}"
):
    """Open the modal for a typed answer."""

    def __init__(self, session_id: str, turn: int) -> None:
        self.session_id, self.turn = session_id, turn
        super().__init__(
            button("Type answer", f"qb:type:{session_id}:{turn}", discord.ButtonStyle.primary)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> TypeButton:
        return cls(match["session"], int(match["turn"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await session_actions(interaction).open_modal(interaction, self.session_id, self.turn)


class NextButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:next:{_SESSION}"):
    """Ask the next card of the session."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        super().__init__(button("Next", f"qb:next:{session_id}", discord.ButtonStyle.primary))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> NextButton:
        return cls(match["session"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await session_actions(interaction).next(interaction, self.session_id)


class StopButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:stop:{_SESSION}"):
    """End the session and show its summary."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        super().__init__(button("Stop", f"qb:stop:{session_id}", discord.ButtonStyle.secondary, 4))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> StopButton:
        return cls(match["session"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await session_actions(interaction).stop(interaction, self.session_id)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    ChoiceButton,
    RateButton,
    ShowButton,
    TypeButton,
    NextButton,
    StopButton,
)


class AnswerModal(discord.ui.Modal):
    """A typed answer; the custom id names the session and turn it answers."""

    answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
        label="Your answer", style=discord.TextStyle.short, max_length=MAX_TYPED
    )

    def __init__(self, session_id: str, turn: int, prompt: str) -> None:
        super().__init__(
            title="Type your answer", custom_id=f"qb:answer:{session_id}:{turn}", timeout=900
        )
        self.session_id, self.turn = session_id, turn
        self.answer.placeholder = clip(prompt, PLACEHOLDER) or None

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await session_actions(interaction).typed(
            interaction, self.session_id, self.turn, self.answer.value
        )
