"""The cards a parser found, in order, with the warnings about what it did not take.

Every importer adds its cards here, so they all treat a repeat (same card id) and the card
limit alike: the first card of an id is kept and a repeat is a warning at its line; one card
over the limit is a DeckError there, so a deck never loads half.
"""

from __future__ import annotations

from pathlib import PurePath

from bot.core.limits import LIMITS, DeckLimits, too_many_cards
from bot.core.models import Card, DeckError, DeckWarning
from bot.core.text_bounds import snippet


class Collector:
    def __init__(self, path: str, limits: DeckLimits = LIMITS) -> None:
        self.path = path
        self.limits = limits
        self.cards: list[Card] = []
        self.warnings: list[DeckWarning] = []
        self._seen: dict[str, int] = {}

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(DeckWarning(line, message))

    def add(self, card: Card | None) -> None:
        """Keep the first card of an id; a repeat is a warning, as in notes."""
        if card is None:
            return
        line = card.line or 0
        if card.id in self._seen:
            self.warn(
                line,
                f'duplicate question "{snippet(card.question)}" (first at line {self._seen[card.id]})',
            )
            return
        if len(self.cards) == self.limits.cards:
            raise DeckError(self.path, line, too_many_cards(self.limits))
        self._seen[card.id] = line
        self.cards.append(card)

    def result(self) -> tuple[list[Card], list[DeckWarning]]:
        """The cards and warnings (in line order); "no cards found" when there are none."""
        if not self.cards:
            self.warn(1, f"no cards found in {PurePath(self.path).name}")
        return self.cards, sorted(self.warnings, key=lambda w: w.line)
