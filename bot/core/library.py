"""The loaded decks, indexed for the lookups the service makes on every question.

One `Library` holds every deck the process knows: the questions folder's (global, `owner`
None) and the decks each workspace imported in chat. A request never reads it whole: it reads
`seen_from(platform, workspace)`, the global decks plus that workspace's own, so no server sees,
studies or competes on another's deck. Snapshots are immutable; an import, a removal or a reload
builds the next one (`with_deck`, `without_deck`, `of`), and each snapshot caches its views.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.core.models import PRIVATE, Card, CardKey, Deck, DeckError, DeckOwner
from bot.core.reports import DeckSummary, LoadReport

_serials = itertools.count(1)

OWNER_TAG_CHARS = 6
"""Hex digits of the owner's tag in a chat deck's id (`biology@3f9a1c`); more on a clash."""


def owner_tag(owner: DeckOwner, chars: int = OWNER_TAG_CHARS) -> str:
    """A short stable tag of (platform, workspace): the same workspace always gets the same."""
    digest = hashlib.blake2b(f"{owner[0]}\x00{owner[1]}".encode(), digest_size=16).hexdigest()
    return digest[:chars]


def chat_deck_id(slug: str, owner: DeckOwner, chars: int = OWNER_TAG_CHARS) -> str:
    """A chat deck's globally unique id: its slug and its owner's tag. Folder deck ids are
    slugs, which never hold `@`, so the two kinds never clash."""
    return f"{slug}@{owner_tag(owner, chars)}"


def deck_slug(deck_id: str) -> str:
    """The slug a deck id was made from (`biology@3f9a1c` -> `biology`)."""
    return deck_id.partition("@")[0]


@dataclass(frozen=True)
class Library:
    """An immutable snapshot of the question bank; a reload builds a new one.

    `serial` is unique per snapshot (views included), so caches keyed by it never mistake one
    snapshot for another the way `id()` of a freed object could.
    """

    decks: tuple[Deck, ...] = ()
    errors: tuple[DeckError, ...] = ()
    serial: int = field(init=False, compare=False)
    _by_id: dict[str, Deck] = field(init=False, repr=False, compare=False)
    _by_key: dict[CardKey, Card] = field(init=False, repr=False, compare=False)
    _views: dict[DeckOwner | None, Library] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "serial", next(_serials))
        object.__setattr__(self, "_by_id", {d.id: d for d in self.decks})
        object.__setattr__(self, "_by_key", {c.key: c for d in self.decks for c in d.cards})
        object.__setattr__(self, "_views", {})

    @classmethod
    def of(cls, decks: Iterable[Deck], errors: Iterable[DeckError] = ()) -> Library:
        return cls(tuple(decks), tuple(errors))

    # --- what one workspace sees -------------------------------------------------------------

    def seen_from(self, platform: str, workspace: str) -> Library:
        """The global decks plus the decks `(platform, workspace)` imported; a direct message
        (`PRIVATE`) sees only the global ones. Built once per snapshot and workspace."""
        owner: DeckOwner | None = None if workspace == PRIVATE else (platform, workspace)
        view = self._views.get(owner)
        if view is not None:
            return view
        if all(d.owner is None for d in self.decks):
            view = self  # nothing to hide
        elif owner is not None and not any(d.owner == owner for d in self.decks):
            view = self._global_view()
        else:
            view = Library(
                tuple(d for d in self.decks if d.owner is None or d.owner == owner), self.errors
            )
        self._views[owner] = view
        return view

    def _global_view(self) -> Library:
        """The folder's decks alone, shared by every workspace without decks of its own."""
        view = self._views.get(None)
        if view is None:
            view = Library(tuple(d for d in self.decks if d.owner is None), self.errors)
            self._views[None] = view
        return view

    def owned_by(self, owner: DeckOwner) -> tuple[Deck, ...]:
        return tuple(d for d in self.decks if d.owner == owner)

    # --- the next snapshot -------------------------------------------------------------------

    def with_deck(self, deck: Deck) -> Library:
        """This snapshot with `deck` added, or replacing the deck with its id (same place)."""
        old = self._by_id.get(deck.id)
        if old is None:
            decks = (*self.decks, deck)
        else:
            decks = tuple(deck if d.id == deck.id else d for d in self.decks)
        return self._derive(decks, drop=old, add=deck)

    def without_deck(self, deck_id: str) -> Library:
        old = self._by_id.get(deck_id)
        if old is None:
            return self
        return self._derive(tuple(d for d in self.decks if d.id != deck_id), drop=old, add=None)

    def _derive(self, decks: tuple[Deck, ...], *, drop: Deck | None, add: Deck | None) -> Library:
        """A new snapshot reusing this one's indexes: only the changed deck is re-indexed."""
        new = object.__new__(Library)
        by_id = dict(self._by_id)
        by_key = dict(self._by_key)
        if drop is not None:
            del by_id[drop.id]
            for card in drop.cards:
                by_key.pop(card.key, None)
        if add is not None:
            by_id[add.id] = add
            by_key.update((c.key, c) for c in add.cards)
        object.__setattr__(new, "decks", decks)
        object.__setattr__(new, "errors", self.errors)
        object.__setattr__(new, "serial", next(_serials))
        object.__setattr__(new, "_by_id", by_id)
        object.__setattr__(new, "_by_key", by_key)
        object.__setattr__(new, "_views", {})
        return new

    # --- lookups -----------------------------------------------------------------------------

    def deck(self, deck_id: str) -> Deck | None:
        return self._by_id.get(deck_id)

    def card(self, key: CardKey) -> Card | None:
        return self._by_key.get(key)

    def cards(self, deck_id: str | None = None) -> Sequence[Card]:
        """The cards of one deck, or of every deck when `deck_id` is None."""
        if deck_id is None:
            return tuple(self._by_key.values())
        deck = self._by_id.get(deck_id)
        return deck.cards if deck else ()

    def deck_name(self, deck_id: str) -> str:
        deck = self._by_id.get(deck_id)
        return deck.name if deck else deck_id

    def summaries(self) -> tuple[DeckSummary, ...]:
        return tuple(summary(d) for d in self.decks)

    def search(self, text: str, limit: int = 25) -> tuple[DeckSummary, ...]:
        """Decks whose id or name contains `text`, for autocomplete (prefix matches first)."""
        needle = text.casefold().strip()
        hits = [
            s for s in self.summaries() if needle in s.id.casefold() or needle in s.name.casefold()
        ]
        hits.sort(key=lambda s: (not s.id.casefold().startswith(needle), s.id))
        return tuple(hits[:limit])

    def report(self) -> LoadReport:
        return LoadReport(self.summaries(), self.errors)


def summary(deck: Deck) -> DeckSummary:
    return DeckSummary(deck.id, deck.name, deck.description, len(deck.cards), len(deck.warnings))
