"""The one set of deck limits: import, validate and load all enforce these same numbers.

A deck is untrusted input that ends up in chat messages, so every size is bounded before any
parsing work is done, and whatever `quizbot import` writes is checked against the limits the
loader applies, so an imported deck always loads. README "Deck limits" documents them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.models import Card
from bot.core.text_bounds import MESSAGE_CHARS, SNIPPET_CHARS, snippet

_TEXT_SUFFIXES = (".yaml", ".yml", ".txt", ".md", ".csv", ".tsv")


@dataclass(frozen=True, slots=True)
class DeckLimits:
    """Sizes a deck may not exceed; a card over a limit is refused with its line."""

    text_file_bytes: int = 5 * 1024 * 1024
    """A YAML, notes, CSV or Anki text file."""
    apkg_file_bytes: int = 50 * 1024 * 1024
    """An Anki package as stored (compressed)."""
    apkg_inflated_bytes: int = 64 * 1024 * 1024
    """Bytes actually inflated from a package's collection, whatever its zip header claims."""
    apkg_seconds: float = 10.0
    """Time for reading a package's notes out of its SQLite collection."""
    load_seconds: float = 60.0
    """Time for (re)loading the whole questions folder before the bot gives up on it."""
    cards: int = 10_000
    question_chars: int = 6_000
    answer_chars: int = 8_000
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
        """The size limit for a file of this kind (by its suffix)."""
        return self.text_file_bytes if suffix.lower() in _TEXT_SUFFIXES else self.apkg_file_bytes


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
    """Why `image` cannot be shown in a chat embed, or None: it must be an https URL."""
    if len(image) > limits.image_chars:
        return f"image URL is {len(image)} characters long (limit {limits.image_chars})"
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
