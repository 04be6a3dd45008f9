"""Hostile deck files and answers: any input ends in cards or a DeckError with a line number,
never another exception; parsing is deterministic and card ids are stable."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.decks import load_deck, parse_yaml_deck
from bot.core.grading import grade, match_typed
from bot.core.importers import parse_anki_text, parse_csv
from bot.core.models import AskedCard, Card, Deck, DeckError, Format, Response
from bot.core.notes import parse_notes

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like the formats, with the characters that break parsers mixed in.
_PIECES = st.sampled_from(
    [
        "What is KVM?", "-> what?", "a line", "\n", "\t", ";", ",", "|", '"', "'", ":", "- ",
        "  ", "#separator:tab", "#html:true", "#columns:Front\tBack", "<br>", "&amp;", "<img src=x>",
        "cards:", "deck:", "id: x", "question: Q?", "answer: A", "accept: [a, b]", "- question: ",
        "&a", "*a", "!!python/object:os.system", "{", "}", "[", "]", "yes", "~", "\u200b",
        "\u202e", "\x00", "\x85", "\r\n", "\r", "\ufeff", "Last changed 2024", "?=", "?:",
        "question,answer,accept", "id,question,answer", "é", "🧠", "`code`", "@everyone",
    ]
)  # fmt: skip
DECKISH = st.lists(st.one_of(_PIECES, st.text(max_size=12)), max_size=40).map("".join)


def _check_cards(cards: list[Card] | tuple[Card, ...]) -> None:
    ids = [c.id for c in cards]
    assert len(ids) == len(set(ids)), "card ids must be unique within a deck"
    for card in cards:
        assert card.id and card.question.strip()
        assert isinstance(card.answer, str)


def _outcome(parse, text: str):
    try:
        return parse(text)
    except DeckError as error:
        assert isinstance(error.line, int) and error.line >= 0
        assert error.path
        return ("error", error.line, error.message)


@FAST
@given(DECKISH)
def test_notes_parser_never_crashes_and_is_deterministic(text: str) -> None:
    first = _outcome(lambda t: parse_notes(t, "n.txt", "notes"), text)
    assert first == _outcome(lambda t: parse_notes(t, "n.txt", "notes"), text)
    if first[0] != "error":
        cards, warnings = first
        _check_cards(cards)
        assert all(w.line >= 1 for w in warnings)


@FAST
@given(DECKISH)
def test_yaml_loader_never_crashes_and_is_deterministic(text: str) -> None:
    first = _outcome(lambda t: parse_yaml_deck(t, "d.yaml", "d"), text)
    assert first == _outcome(lambda t: parse_yaml_deck(t, "d.yaml", "d"), text)
    if isinstance(first, Deck):
        _check_cards(first.cards)


_CARD = st.fixed_dictionaries(
    {"question": st.text(min_size=1, max_size=30), "answer": st.text(min_size=1, max_size=30)},
    optional={"id": st.text(max_size=10), "accept": st.lists(st.text(max_size=10), max_size=3)},
)


@FAST
@given(st.lists(_CARD, max_size=8))
def test_yaml_decks_from_structured_data(cards: list[dict]) -> None:
    """Well-formed YAML with arbitrary strings: cards or a DeckError, ids stable on reload."""
    import yaml

    text = yaml.safe_dump({"deck": {"id": "d"}, "cards": cards}, allow_unicode=True)
    first = _outcome(lambda t: parse_yaml_deck(t, "d.yaml", "d"), text)
    assert first == _outcome(lambda t: parse_yaml_deck(t, "d.yaml", "d"), text)
    if isinstance(first, Deck):
        _check_cards(first.cards)


@FAST
@given(DECKISH)
def test_anki_text_import_never_crashes(text: str) -> None:
    first = _outcome(lambda t: parse_anki_text(t, "a.txt", "anki"), text)
    assert first == _outcome(lambda t: parse_anki_text(t, "a.txt", "anki"), text)
    if first[0] != "error":
        _check_cards(first[0])


@FAST
@given(DECKISH)
def test_csv_import_never_crashes(text: str) -> None:
    first = _outcome(lambda t: parse_csv(t, "c.csv", "csv"), text)
    assert first == _outcome(lambda t: parse_csv(t, "c.csv", "csv"), text)
    if first[0] != "error":
        _check_cards(first[0])


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([".yaml", ".txt", ".md"]))
def test_load_deck_on_any_bytes(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    path = Path(tmp_path_factory.mktemp("deck")) / f"deck{suffix}"
    path.write_bytes(data)
    try:
        deck = load_deck(path)
    except DeckError as error:
        assert error.line >= 0
        return
    _check_cards(deck.cards)
    assert load_deck(path) == deck


ASKED = AskedCard("d", "c", Format.TYPED, (), None, datetime(2025, 1, 1, tzinfo=UTC))
CARD = Card("d", "c", "Q?", "Paris", accept=("Paris", "the 2nd one", "ß"))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=5000)), st.lists(st.text(max_size=40), max_size=4))
def test_typed_grader_takes_anything(text: str | None, accepted: list[str]) -> None:
    ok, score = match_typed(text, accepted)
    assert isinstance(ok, bool) and 0.0 <= score <= 100.0
    assert (ok, score) == match_typed(text, accepted)
    result = grade(CARD, ASKED, Response(text=text), datetime(2025, 1, 1, 0, 1, tzinfo=UTC))
    assert result.points >= 0
