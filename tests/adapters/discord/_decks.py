"""Helpers of the `/deck` tests: a deck file, an admin's import, the report's deck id, and a
member studying a deck to the end. Replies are matched to their own interaction."""

from __future__ import annotations

import re
from typing import Any

from tests.adapters.discord.fake_discord import GUILD_ID, MANAGE_GUILD, Call, FakeDiscord, Upload

VIRT = b"""\
deck: {id: virt, name: Virtualization}
cards:
  - id: hypervisor
    question: What runs virtual machines?
    answer: A hypervisor
    accept: [hypervisor]
  - id: container
    question: What shares the host kernel?
    answer: A container
  - id: vm
    question: What does VM stand for?
    answer: Virtual machine
"""


async def followup(fake: FakeDiscord, call: Call) -> Call:
    """The message that replaces an interaction's 'thinking' (its own, never another's)."""
    return await fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == call.interaction_id, within=20
    )


async def import_file(
    fake: FakeDiscord, upload: Upload, guild: str = GUILD_ID, **options: str
) -> tuple[Call, Call]:
    """`/deck import file:` by an admin: the deferral and the report."""
    call = await fake.command(
        "deck", {"file": upload, **options}, sub="import", permissions=MANAGE_GUILD, guild=guild
    )
    assert call.type == 5 and call.ephemeral, call.payload
    return call, await followup(fake, call)


def deck_id(report: Call) -> str:
    """The id a report gives the imported deck (`virt@3f9a1c`: its name, then its server's)."""
    found = re.search(r"`/study deck:([^`]+)`", report.text)
    assert found, report.text
    return found[1]


async def imported_virt(fake: FakeDiscord, guild: str = GUILD_ID) -> str:
    """Import the Virtualization deck by an admin; its id."""
    _, report = await import_file(fake, fake.upload("virt.yaml", VIRT, guild=guild), guild)
    assert "Deck imported" in report.text, report.text
    return deck_id(report)


async def study_all(fake: FakeDiscord, deck: str, user: dict[str, Any]) -> list[str]:
    """Study `deck` as `user`, rating every card Good until nothing is due; the questions."""
    asked: list[str] = []
    call = await fake.command("study", {"deck": deck}, user=user)
    while call.custom_ids and call.custom_ids[0].startswith("qb:show:"):
        asked.append(call.data["embeds"][0]["description"])
        shown = await fake.click(call, call.custom_ids[0], user=user)
        good = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":3"))
        rated = await fake.click(shown, good, user=user)
        call = await fake.click(rated, next(i for i in rated.custom_ids if "next" in i), user=user)
    assert "All caught up" in call.text, call.text
    return asked
