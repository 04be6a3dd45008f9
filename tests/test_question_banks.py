"""Every shipped deck in questions/ loads cleanly; the bundled deck matches the seed notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.decks import load_deck, load_questions
from bot.core.notes import parse_notes

ROOT = Path(__file__).parent.parent
QUESTIONS = ROOT / "questions"
SEED = Path(__file__).parent / "fixtures" / "virtualization.txt"


def test_every_shipped_deck_loads_without_errors_or_warnings() -> None:
    """questions/ loads with no errors, no warnings, and every deck has cards."""
    decks, errors = load_questions(QUESTIONS)
    assert errors == []
    assert decks
    for deck in decks:
        assert deck.cards, deck.path
        assert deck.warnings == (), deck.path


def test_bundled_deck_keeps_the_ids_of_the_seed_notes() -> None:
    """The curated virtualization deck has the 56 cards of the notes, with the same ids."""
    deck = load_deck(QUESTIONS / "virtualization.yaml")
    cards, _ = parse_notes(SEED.read_text(encoding="utf-8"), str(SEED), "virtualization")
    assert (deck.id, deck.name) == ("virtualization", "Virtualization & Containers")
    assert deck.description
    assert len(deck.cards) == 56
    assert [c.id for c in deck.cards] == [c.id for c in cards]


@pytest.mark.parametrize("path", sorted(QUESTIONS.glob("*.y*ml")), ids=lambda p: p.name)
def test_every_card_has_a_tag(path: Path) -> None:
    """Every shipped card carries a topic tag, so learners can study by topic."""
    untagged = [c.question for c in load_deck(path).cards if not c.tags]
    assert untagged == []


def test_bundled_deck_has_typeable_cards_and_fixed_typos() -> None:
    """Short checkable answers are listed for typed recall, and the notes' typos are fixed."""
    deck = load_deck(QUESTIONS / "virtualization.yaml")
    assert sum(c.typeable for c in deck.cards) >= 25
    syscall = next(c for c in deck.cards if "cycles does a system call" in c.question)
    assert "242" in syscall.accept
    text = " ".join(f"{c.question} {c.answer}" for c in deck.cards).casefold()
    for typo in ("operatoin", "instruciotns", "elemets", "docekr", "virtualizuation", "memroy"):
        assert typo not in text


def test_schema_is_valid_json_listing_the_card_keys() -> None:
    """The editor schema is JSON and knows every key the loader accepts."""
    schema = json.loads((QUESTIONS / "deck.schema.json").read_text(encoding="utf-8"))
    card = schema["$defs"]["card"]
    assert set(card["properties"]) == {
        "id",
        "question",
        "answer",
        "accept",
        "choices",
        "tags",
        "image",
    }
    assert card["required"] == ["question", "answer"]
