"""The one set of deck limits: import, validate and load all enforce these same numbers.

A deck is untrusted input that ends up in chat messages, so every size is bounded before any
parsing work is done, and whatever `quizbot import` writes is checked against the limits the
loader applies, so an imported deck always loads. README "Deck limits" documents them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.models import MEDIA_PREFIX, Card
from bot.core.text_bounds import MESSAGE_CHARS, SNIPPET_CHARS, snippet

PACKAGE_SUFFIXES = (".apkg", ".colpkg")
"""Anki packages (zip files): the package size limit; any other file is read as text."""


@dataclass(frozen=True, slots=True)
class DeckLimits:
    """Sizes a deck may not exceed; a card over a limit is refused with its line."""

    text_file_bytes: int = 5 * 1024 * 1024
    """A YAML, notes, Obsidian, Quizlet, CSV/TSV or Anki text file; also the YAML an import
    writes, so a 10,000-card deck read from a package still loads as YAML."""
    apkg_file_bytes: int = 20 * 1024 * 1024
    """An Anki package (.apkg, .colpkg) as uploaded (compressed)."""
    apkg_inflated_bytes: int = 64 * 1024 * 1024
    """Bytes actually inflated (zip, then zstd) from a package's collection or media map,
    whatever its headers claim."""
    media_files: int = 500
    """Pictures a deck carries (only those its cards show)."""
    media_file_bytes: int = 5 * 1024 * 1024
    """One picture, inflated: under Discord's attachment limit for any server."""
    media_bytes: int = 25 * 1024 * 1024
    """All of a deck's pictures together, inflated."""
    apkg_seconds: float = 10.0
    """Time for reading a package's notes out of its SQLite collection."""
    load_seconds: float = 60.0
    """Time for (re)loading the whole questions folder before the bot gives up on it."""
    cards: int = 10_000
    question_chars: int = 2_000
    """Shown whole in chat: a Discord embed's description (4,096) and a Slack section (3,000)."""
    answer_chars: int = 1_500
    """Shown whole beside its question: two Discord embed fields (1,024 each) within the
    embed's 6,000, one Slack section (3,000)."""
    choice_chars: int = 500
    choices: int = 50
    accept_items: int = 25
    tags: int = 20
    tag_chars: int = 50
    image_chars: int = 2_048
    line_chars: int = 1_000_000
    """One line of a source file: bounds every pattern and parser that reads it."""
    yaml_nodes: int = 400_000
    """A guard against alias bombs ("billion laughs") in the YAML node walk."""
    message_chars: int = MESSAGE_CHARS
    """An error or warning message, quoted deck text included."""
    snippet_chars: int = SNIPPET_CHARS
    """Deck text quoted inside a message."""

    def file_bytes(self, suffix: str) -> int:
        """The size limit for a file of this kind (by its suffix): packages or text."""
        return self.apkg_file_bytes if suffix.lower() in PACKAGE_SUFFIXES else self.text_file_bytes


LIMITS = DeckLimits()


def long_line(text: str, limits: DeckLimits = LIMITS) -> tuple[int, int] | None:
    """(line number, length) of the first line longer than the limit, scanning once."""
    start = 0
    number = 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if end - start > limits.line_chars:
            return number, end - start
        start = end + 1
        number += 1
    return None


def image_problem(image: str, limits: DeckLimits = LIMITS) -> str | None:
    """Why `image` cannot be shown in a chat embed, or None: it must be an https URL, or
    `media:<file name>` for a picture stored with the deck (never a bare file name)."""
    if len(image) > limits.image_chars:
        return f"image URL is {len(image)} characters long (limit {limits.image_chars})"
    if image.startswith(MEDIA_PREFIX):
        name = image.removeprefix(MEDIA_PREFIX)
        if name and name.isprintable() and not any(c in name for c in "/\\:") and name[0] != ".":
            return None
        return f"'{snippet(image)}' does not name a picture file"
    parts = urlsplit(image) if image.isprintable() and " " not in image else None
    if parts is None or parts.scheme != "https" or not parts.hostname:
        return f"image must be an https:// URL, got '{snippet(image)}'"
    return None


def card_problem(card: Card, limits: DeckLimits = LIMITS) -> tuple[str, str] | None:
    """(field, message) for the first limit `card` breaks, or None when it fits."""
    if len(card.question) > limits.question_chars:
        return "question", _too_long("question", card.question, limits.question_chars)
    if len(card.answer) > limits.answer_chars:
        return "answer", _too_long("answer", card.answer, limits.answer_chars)
    for field, items, most, chars in (
        ("choices", card.choices, limits.choices, limits.choice_chars),
        ("accept", card.accept, limits.accept_items, limits.choice_chars),
        ("tags", card.tags, limits.tags, limits.tag_chars),
    ):
        if len(items) > most:
            return field, f"{field} lists {len(items)} items (limit {most})"
        for item in items:
            if len(item) > chars:
                return field, _too_long(f"an item of {field}", item, chars)
    if card.image is not None and (problem := image_problem(card.image, limits)):
        return "image", problem
    return None


def _too_long(what: str, text: str, limit: int) -> str:
    return f"{what} is {len(text)} characters long (limit {limit}): '{snippet(text)}'"


def too_many_cards(limits: DeckLimits = LIMITS) -> str:
    return f"more than {limits.cards} cards (the limit per deck); split the deck"
