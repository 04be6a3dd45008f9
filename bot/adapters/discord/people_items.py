"""The forget-me confirmation button as a `DynamicItem` (`qb:forget:{user}:{until}`).

The id carries whose data it deletes and until when it may be pressed (a Unix time), so it
works after a restart and stops working once it expires. The item only parses its id and calls
`actions.PeopleActions` (the `People` cog in `people.py`), found on the client at click time.
"""

from __future__ import annotations

import re

import discord

from bot.adapters.discord.actions import people_actions
from bot.adapters.discord.limits import button


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"qb:forget:(?P<user>\d{1,20}):(?P<until>\d{1,12})",
):
    """Deletes the presser's data, if they are the one who asked and it has not expired."""

    def __init__(self, user: str, until: int) -> None:
        self.user, self.until = user, until
        super().__init__(
            button("Forget me", f"qb:forget:{user}:{until}", discord.ButtonStyle.danger)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ForgetButton:
        return cls(match["user"], int(match["until"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await people_actions(interaction).confirm_forget(interaction, self.user, self.until)
