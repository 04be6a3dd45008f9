"""Competition buttons as `DynamicItem`s (`qb:cj|ct|cs|ca:...`), so they work after a restart.

The ids carry the competition id (and round and option); the channel comes from the click. The
items only parse their id and call `actions.CompetitionActions` (the `Compete` cog in
`competition.py`).
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.adapters.discord.actions import competition_actions
from bot.adapters.discord.limits import button

_CID = r"(?P<cid>[0-9a-f]{1,32})"


class JoinButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:cj:{_CID}"):
    def __init__(self, cid: str) -> None:
        self.cid = cid
        super().__init__(button("Join", f"qb:cj:{cid}", discord.ButtonStyle.success))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> JoinButton:
        return cls(match["cid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await competition_actions(interaction).join(interaction, self.cid, None)


class TeamButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:ct:{_CID}:(?P<t>[01])"):
    def __init__(self, cid: str, team: int, name: str = "Team") -> None:
        self.cid, self.team = cid, team
        super().__init__(button(f"Team {name}", f"qb:ct:{cid}:{team}", discord.ButtonStyle.primary))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> TeamButton:
        return cls(match["cid"], int(match["t"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await competition_actions(interaction).join(interaction, self.cid, self.team)


class StartButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"qb:cs:{_CID}"):
    def __init__(self, cid: str) -> None:
        self.cid = cid
        super().__init__(button("Start", f"qb:cs:{cid}", discord.ButtonStyle.secondary))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> StartButton:
        return cls(match["cid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await competition_actions(interaction).begin(interaction, self.cid)


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"qb:ca:{_CID}:(?P<round>\d{{1,3}}):(?P<option>\d{{1,3}})",
):
    def __init__(
        self, cid: str, round_no: int, option: int, label: str = "?", *, row: int = 0
    ) -> None:
        self.cid, self.round_no, self.option = cid, round_no, option
        custom_id = f"qb:ca:{cid}:{round_no}:{option}"
        super().__init__(button(label, custom_id, discord.ButtonStyle.secondary, row))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> AnswerButton:
        return cls(match["cid"], int(match["round"]), int(match["option"]), item.label or "?")

    async def callback(self, interaction: discord.Interaction) -> None:
        await competition_actions(interaction).answer(
            interaction, self.cid, self.round_no, self.option
        )


COMPETITION_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    JoinButton,
    TeamButton,
    StartButton,
    AnswerButton,
)
