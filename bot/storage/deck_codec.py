"""A chat deck's row as text, the same on every back-end (bot/storage/chat_decks.py and
bot/storage/postgres/chat_decks.py): its cards as a JSON list (every `Card` field but
`deck_id`, which is the row's id), its tags and its import warnings as JSON lists."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.core.models import Card, Deck, DeckWarning

DECK_COLUMNS = "id, platform, workspace, name, description, tags, cards, warnings, source"
"""The columns `deck_from_row` reads, in its order."""

ID_TAG_CHARS = (6, 12, 32)
"""Owner tag lengths tried for a new deck id: a clash of short tags gets a longer one."""


def card_to_dict(card: Card) -> dict[str, Any]:
    """Every field of the card but `deck_id` (the row's id), lists as lists."""
    return {
        "id": card.id,
        "question": card.question,
        "answer": card.answer,
        "accept": list(card.accept),
        "choices": list(card.choices),
        "tags": list(card.tags),
        "image": card.image,
        "line": card.line,
    }


def card_from_dict(deck_id: str, data: dict[str, Any]) -> Card:
    return Card(
        deck_id=deck_id,
        id=data["id"],
        question=data["question"],
        answer=data["answer"],
        accept=tuple(data.get("accept", ())),
        choices=tuple(data.get("choices", ())),
        tags=tuple(data.get("tags", ())),
        image=data.get("image"),
        line=data.get("line"),
    )


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode_card(card: Card) -> str:
    return dumps(card_to_dict(card))


def encode_cards(cards: Sequence[Card]) -> str:
    return dumps([card_to_dict(c) for c in cards])


def decode_cards(deck_id: str, text: str) -> tuple[Card, ...]:
    return tuple(card_from_dict(deck_id, d) for d in json.loads(text))


def appended(cards: str, card: str, card_id: str) -> str | None:
    """The cards JSON with `card` added at the end; None when a card has `card_id` already."""
    listed = json.loads(cards)
    if any(c["id"] == card_id for c in listed):
        return None
    listed.append(json.loads(card))
    return dumps(listed)


def encode_parts(deck: Deck) -> tuple[str, str, str]:
    """(tags, cards, warnings) of `deck` as the row stores them (CPU work: run off the loop)."""
    warnings = [[w.line, w.message] for w in deck.warnings]
    return dumps(list(deck.tags)), encode_cards(deck.cards), dumps(warnings)


def kept_media(deck: Deck) -> tuple[str, ...]:
    """Picture names the cards use that the deck does not bring (a YAML export imported again
    names `media:` pictures without their bytes): a replace keeps those of the stored deck."""
    named = {n for c in deck.cards if (n := c.media_name)}
    return tuple(sorted(named - {m.name for m in deck.media}))


def deck_from_row(row: Sequence[Any]) -> Deck:
    """A deck from the `DECK_COLUMNS` of its row; its pictures are read apart."""
    deck_id, platform, workspace, name, description, tags, cards, warnings, source = row
    return Deck(
        id=deck_id,
        name=name,
        cards=decode_cards(deck_id, cards),
        description=description,
        tags=tuple(json.loads(tags)),
        path=source,
        warnings=tuple(DeckWarning(line, message) for line, message in json.loads(warnings)),
        owner=(platform, workspace),
    )
