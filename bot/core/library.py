"""The loaded decks, indexed for the lookups the service makes on every question."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.core.models import Card, CardKey, Deck, DeckError, DeckSummary, LoadReport


@dataclass(frozen=True)
class Library:
    """An immutable snapshot of the question bank; a reload builds a new one."""

    decks: tuple[Deck, ...] = ()
    errors: tuple[DeckError, ...] = ()
    _by_id: dict[str, Deck] = field(init=False, repr=False, compare=False)
    _by_key: dict[CardKey, Card] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {d.id: d for d in self.decks})
        object.__setattr__(self, "_by_key", {c.key: c for d in self.decks for c in d.cards})

    @classmethod
    def of(cls, decks: Iterable[Deck], errors: Iterable[DeckError] = ()) -> Library:
        return cls(tuple(decks), tuple(errors))

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
        return tuple(
            DeckSummary(d.id, d.name, d.description, len(d.cards), len(d.warnings))
            for d in self.decks
        )

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
