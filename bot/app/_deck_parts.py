"""Small pieces of `bot.app.deck_book`: counting what an import changed, share codes, pasted
text's kind, and the cache of card pictures."""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import Card, MediaFile

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: a code read aloud or retyped survives."""
CODE_CHARS = 16
"""80 random bits: not guessable, still typeable in groups of four."""
_YAML_START = re.compile(r"^(deck|cards)\s*:", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Changes:
    """An import against the deck it replaces: cards new, changed, the same, gone."""

    added: int = 0
    updated: int = 0
    kept: int = 0
    retired: int = 0


def _content(card: Card) -> tuple[object, ...]:
    """What a learner sees of a card; its line in the file does not count as a change."""
    return (card.question, card.answer, card.accept, card.choices, card.tags, card.image)


def changes(new: Sequence[Card], old: Sequence[Card] | None) -> Changes:
    if old is None:
        return Changes(added=len(new))
    before = {c.id: _content(c) for c in old}
    added = updated = kept = 0
    for card in new:
        was = before.pop(card.id, None)
        if was is None:
            added += 1
        elif was == _content(card):
            kept += 1
        else:
            updated += 1
    return Changes(added, updated, kept, retired=len(before))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_CHARS))


def show_code(code: str) -> str:
    """`ABCDEFGHJKLMNPQR` -> `ABCD-EFGH-JKLM-NPQR`."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def read_code(text: str) -> str | None:
    """A code as typed (any case, dashes, spaces) in its stored form, or None if it cannot be."""
    code = re.sub(r"[\s-]", "", text).upper()
    if len(code) != CODE_CHARS or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def paste_suffix(text: str) -> str:
    """The file kind pasted text is read as: a YAML deck, tab-separated rows, or notes."""
    if _YAML_START.search(text[:2000]):
        return ".yaml"
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and sum("\t" in line for line in lines) * 2 > len(lines):
        return ".tsv"
    return ".txt"


class MediaCache:
    """Recently shown pictures, bounded by their total size; the database is the truth."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._files: OrderedDict[tuple[str, str], MediaFile | None] = OrderedDict()
        self._size = 0

    def get(self, key: tuple[str, str]) -> tuple[bool, MediaFile | None]:
        if key not in self._files:
            return False, None
        self._files.move_to_end(key)
        return True, self._files[key]

    def put(self, key: tuple[str, str], file: MediaFile | None) -> None:
        size = len(file.data) if file else 0
        if size > self.max_bytes:
            return
        self._drop(key)
        self._files[key] = file
        self._size += size
        while self._size > self.max_bytes:
            _, old = self._files.popitem(last=False)
            self._size -= len(old.data) if old else 0

    def forget_deck(self, deck_id: str) -> None:
        for key in [k for k in self._files if k[0] == deck_id]:
            self._drop(key)

    def _drop(self, key: tuple[str, str]) -> None:
        old = self._files.pop(key, None)
        self._size -= len(old.data) if old else 0
