"""The decks the bench studies: the bundled one, or a generated one of any size."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bot.core.decks import load_deck
from bot.core.distractors import make_options
from bot.core.models import Card

BUNDLED = Path(__file__).resolve().parents[2] / "questions" / "virtualization.yaml"
TYPEABLE_SHARE = 34 / 56
"""Generated decks can be typed as often as the bundled deck can."""


@dataclass(frozen=True, slots=True)
class StudyDeck:
    """Cards in deck order, and how many multiple-choice options each one gets."""

    name: str
    cards: tuple[Card, ...]
    options: tuple[int, ...]


def generated_cards(n: int, seed: int = 0) -> tuple[Card, ...]:
    """`n` synthetic cards with distinct answers; about 61 % typeable, like the bundled deck."""
    rng = random.Random(seed)
    cards = []
    for i in range(n):
        answer = f"term {i:04d} {rng.choice(('alpha', 'beta', 'gamma', 'delta'))}"
        accept = (answer,) if rng.random() < TYPEABLE_SHARE else ()
        cards.append(Card("generated", f"g{i:04d}", f"Question {i}?", answer, accept=accept))
    return tuple(cards)


def study_deck(spec: str) -> StudyDeck:
    """`bundled`, `generated:N`, or a path to a deck file.

    The option count is computed once per card with `make_options` (the service calls it per
    question, but the count depends only on the card and its pool, not on the rng).
    """
    if spec == "bundled":
        deck = load_deck(BUNDLED)
        name, cards = deck.id, deck.cards
    elif spec.startswith("generated:"):
        n = int(spec.split(":", 1)[1])
        name, cards = f"generated-{n}", generated_cards(n)
    else:
        deck = load_deck(Path(spec))
        name, cards = deck.id, deck.cards
    rng = random.Random(0)
    options = tuple(len(make_options(card, cards, rng)[0]) for card in cards)
    return StudyDeck(name, tuple(cards), options)
