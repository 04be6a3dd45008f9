"""Discord's documented limits and the text helpers that keep every payload within them.

A payload over a limit is refused whole (400 Invalid Form Body), so the bot shortens first:
text is cut at a word boundary with an ellipsis, deck text and names are escaped so they can
neither ping (`<@123>`, `@everyone`) nor format (`**bold**`), and option lists are fitted to
the 5 x 5 button grid while the right answer always stays among the options shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from bot.core.reports import DeckSummary

CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR_NAME = 256
EMBED_TOTAL = 6000
ROWS = 5
ROW_WIDTH = 5
BUTTONS = ROWS * ROW_WIDTH
BUTTON_LABEL = 80
CHOICE_NAME = 100
PLACEHOLDER = 100
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXY"
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters: cut at the last space past half the room, plus '…'."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def safe(text: str, limit: int = 4000) -> str:
    """Deck text: mentions defused (`<@\u200b123>`, `@\u200beveryone`), then clipped."""
    return clip(discord.utils.escape_mentions(text), limit)


def pieces(text: str, limit: int = FIELD_VALUE) -> list[str]:
    """`text` whole, in pieces of at most `limit` characters, broken at a line end or a space
    where one is near: for an answer longer than one embed field."""
    out: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut >= limit // 2 else limit
        out.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*out, text] if text or not out else out


def name(text: str, limit: int = 80) -> str:
    """A display name or typed input: shown as written, never as markdown or a mention."""
    return safe(discord.utils.escape_markdown(text), limit)


def join_lines(lines: Sequence[str], limit: int, more: str = "…and {n} more") -> str:
    """As many whole lines as fit in `limit`, then a line saying how many were left out."""
    kept: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        tail = more.format(n=len(lines) - i - 1) if i < len(lines) - 1 else ""
        room = limit - size - (len(tail) + 1 if tail else 0)
        if len(line) + (1 if kept else 0) > room:
            kept.append(more.format(n=len(lines) - i))
            return clip("\n".join(kept), limit)
        kept.append(line)
        size += len(line) + (1 if len(kept) > 1 else 0)
    return "\n".join(kept)


def shown_options(count: int, correct: int | None, room: int) -> list[int]:
    """Which option indices to show when only `room` fit: the right one always, then the first."""
    if count <= room:
        return list(range(count))
    keep = [i for i in range(count) if i != correct][: room - (correct is not None)]
    if correct is not None and 0 <= correct < count:
        keep.append(correct)
    return sorted(keep)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 card`, `2 cards`: a number with its noun agreeing."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def deck_choice(deck: DeckSummary) -> app_commands.Choice[str]:
    """A deck option's autocomplete choice, `Deck name (N cards)`: the name is shortened, never
    the count."""
    tail = f" ({count(deck.cards, 'card')})"
    name = clip(deck.name, CHOICE_NAME - len(tail)) + tail
    return app_commands.Choice(name=name, value=deck.id[:CHOICE_NAME])


def option_label(position: int, text: str) -> str:
    """`A. text`, within a button label."""
    return clip(f"{LETTERS[position]}. {text}", BUTTON_LABEL)


def button(label: str, custom_id: str, style: discord.ButtonStyle, row: int | None = None) -> Any:
    """The button a `DynamicItem` wraps, its label within Discord's 80 characters."""
    return discord.ui.Button(
        label=clip(label, BUTTON_LABEL), custom_id=custom_id, style=style, row=row
    )
