"""Decks a group brings in chat: import, list, export, remove, add a card, share.

The one front door the Discord and Slack `/deck` commands call. A chat deck belongs to the
(platform, workspace) that imported it: its members see and study it, no other workspace does
(`Library.seen_from`). It is stored in the database (cards, and its pictures apart), so it
survives restarts and every bot process shares it. Parsing is CPU work on an untrusted file,
so it runs through the injected `parse` port (a child process with a time budget, see
`bot.process.deck_upload`), never on the event loop.

Rights: the adapters check the platform's admin right (Manage Server, workspace admin) before
calling; every changing call takes `admin` and refuses without it again (`NotAllowed`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import Card, Deck, DeckError, DeckSummary, DeckWarning, Learner, MediaFile

ParseUpload = Callable[[str, bytes, str | None, str | None], Awaitable[Deck]]
"""(file name, bytes, forced format or None, deck name or None) -> the parsed deck (no owner
yet, its pictures in `Deck.media`), or raises DeckError naming the file and line. Runs the
parsing off the loop, within a time budget."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What the importer sees, only for themselves: counts, and every warning and error with
    its line. A file with errors imports nothing (`deck` is None); warnings do not stop it."""

    source: str
    deck: DeckSummary | None
    added: int = 0
    updated: int = 0
    kept: int = 0
    retired: int = 0
    warnings: tuple[DeckWarning, ...] = ()
    errors: tuple[DeckError, ...] = ()

    @property
    def imported(self) -> bool:
        return self.deck is not None and not self.errors


@dataclass(frozen=True, slots=True)
class DeckListing:
    """One line of `/deck list`: a bundled deck (global) or one this workspace imported."""

    summary: DeckSummary
    owned: bool
    source: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExportedDeck:
    """A deck as a YAML file: importing it again gives the same cards with the same ids."""

    filename: str
    text: str


class DeckBook:
    """Chat decks of every workspace; see the module docstring."""

    def upload_limit(self, filename: str) -> int:
        """Bytes a file of this kind may have; adapters refuse a larger declared size before
        downloading anything."""
        raise NotImplementedError

    async def import_file(
        self,
        actor: Learner,
        filename: str,
        data: bytes,
        *,
        admin: bool,
        name: str | None = None,
        fmt: str | None = None,
    ) -> ImportReport:
        raise NotImplementedError

    async def import_text(
        self, actor: Learner, text: str, name: str, *, admin: bool
    ) -> ImportReport:
        """Pasted notes (notes format, Obsidian, YAML, TSV), detected by content."""
        raise NotImplementedError

    async def import_code(self, actor: Learner, code: str, *, admin: bool) -> ImportReport:
        """A copy of another workspace's shared deck, same card ids."""
        raise NotImplementedError

    async def listing(self, actor: Learner) -> tuple[DeckListing, ...]:
        raise NotImplementedError

    def search(
        self, actor: Learner, text: str, limit: int = 25, *, owned: bool = False
    ) -> tuple[DeckSummary, ...]:
        """Autocomplete: decks the actor's workspace sees (only its own when `owned`)."""
        raise NotImplementedError

    async def export(self, actor: Learner, deck_id: str) -> ExportedDeck:
        raise NotImplementedError

    async def remove(self, actor: Learner, deck_id: str, *, admin: bool) -> DeckSummary:
        raise NotImplementedError

    async def add_card(
        self,
        actor: Learner,
        deck_id: str,
        question: str,
        answer: str,
        accept: tuple[str, ...] = (),
        *,
        admin: bool,
    ) -> Card:
        raise NotImplementedError

    async def share(self, actor: Learner, deck_id: str, *, admin: bool) -> str:
        raise NotImplementedError

    async def media(self, card: Card) -> MediaFile | None:
        raise NotImplementedError
