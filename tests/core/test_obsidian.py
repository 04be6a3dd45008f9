"""Obsidian spaced-repetition markdown (bot/core/obsidian.py), on tests/fixtures/obsidian.md
and small notes that each show one rule of the plugin's syntax."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.importers import import_bytes, import_source
from bot.core.models import DeckError
from bot.core.notes import card_id_for
from bot.core.obsidian import parse_obsidian
from tests.guard import finishes

FIXTURE = Path(__file__).parents[1] / "fixtures" / "obsidian.md"


def cards(text: str) -> list[tuple[str, str]]:
    found, _, _ = parse_obsidian(text, "n.md", "n")
    return [(c.question, c.answer) for c in found]


def test_the_fixture_gives_every_kind_of_card_with_its_line() -> None:
    deck = import_source(FIXTURE)
    assert [(c.line, c.question, c.answer) for c in deck.cards] == [
        (12, "Mitochondria", "Powerhouse of the cell"),
        (14, "Nucleus", "Holds the DNA"),
        (14, "Holds the DNA", "Nucleus"),
        (17, "What are the parts\nof a cell?", "Membrane\nCytoplasm"),
        (23, "Process that splits a cell", "Mitosis"),
        (23, "Mitosis", "Process that splits a cell"),
        (27, "The first [organelle] were seen in 1955.", "ribosomes"),
        (27, "The first ribosomes were seen in [...].", "1955"),
        (29, "A cell has [...], a nucleus and [...].", "a membrane\nDNA"),
        (29, "A cell has a membrane, [...] and DNA.", "a nucleus"),
        (41, "Gene", "A unit of heredity"),
        (42, "Golgi apparatus", "Packs proteins"),
        (43, "See ribosomes", "They build proteins"),
    ]
    assert [c.id for c in deck.cards] == [card_id_for(c.question) for c in deck.cards]


def test_prose_front_matter_code_and_comments_are_never_cards() -> None:
    deck = import_source(FIXTURE)
    text = " ".join(c.question + " " + c.answer for c in deck.cards)
    for never in ("prose", "Cell biology", "never a card", "Commented", "std::vector", "SR:"):
        assert never not in text


def test_flashcards_tags_name_the_deck_and_tag_each_card() -> None:
    """Front matter puts the first cards in biology/cells; a tag line moves the rest to
    biology/genes; a tag opening a card's line holds for that card only. The deck is their
    common part."""
    deck = import_source(FIXTURE)
    assert (deck.id, deck.name) == ("biology", "biology")
    assert [c.tags for c in deck.cards][:1] == [("biology/cells",)]
    assert [(c.question, c.tags) for c in deck.cards[-3:]] == [
        ("Gene", ("biology/genes",)),
        ("Golgi apparatus", ("biology/organelles",)),
        ("See ribosomes", ("biology/genes",)),
    ]


def test_warnings_carry_line_numbers() -> None:
    deck = import_source(FIXTURE)
    assert [(w.line, w.message) for w in deck.warnings] == [
        (42, "picture 'golgi.png' is a file in the vault, not a URL; dropped"),
        (44, 'card "Empty answer" has no answer; skipped'),
    ]


def test_a_picture_at_an_https_url_is_kept() -> None:
    deck = import_source(FIXTURE)
    assert [c.image for c in deck.cards if c.image] == ["https://example.org/gene.png"]


def test_cloze_cards_accept_a_short_deletion_as_typed_answer() -> None:
    deck = import_source(FIXTURE)
    assert deck.cards[6].accept == ("ribosomes",)
    assert deck.cards[8].accept == ()  # two deletions asked together


def test_single_line_separators() -> None:
    assert cards("a::b\nc:::d\ne::f::g") == [("a", "b"), ("c", "d"), ("d", "c"), ("e", "f::g")]


def test_multi_line_cards_end_at_a_blank_line() -> None:
    text = "Front 1\nfront 2\n?\nBack 1\nback 2\n\nNot part of it\n"
    assert cards(text) == [("Front 1\nfront 2", "Back 1\nback 2")]


def test_a_multi_line_card_keeps_a_code_block_in_its_answer() -> None:
    text = "Print in Python\n?\n```python\nprint('a::b')\n\n```\n"
    assert cards(text) == [("Print in Python", "```python\nprint('a::b')\n\n```")]


def test_a_question_mark_line_alone_or_a_heading_is_no_card() -> None:
    found, warnings, _ = parse_obsidian("?\n\n## Heading::x\n# Title\n", "n.md", "n")
    assert found == []
    assert [(w.line, w.message) for w in warnings][:1] == [
        (1, "'?' with no front above it; ignored")
    ]


def test_highlights_that_are_not_clozes() -> None:
    assert cards("a == b and c == d\n`==code==` only\n") == []
    assert cards("x ==y== `==z==`") == [("x [...] `==z==`", "y")]


def test_sr_comments_on_their_own_line_and_in_a_card() -> None:
    text = (
        "Q1::A1 <!--SR:!2024-01-01,1,230-->\n<!--SR:!2024-01-01,1,230-->\nQ2\n?\nA2\n<!--SR:!x-->"
    )
    assert cards(text) == [("Q1", "A1"), ("Q2", "A2")]


def test_repeated_questions_keep_the_first_with_a_warning() -> None:
    found, warnings, _ = parse_obsidian("Q::one\nQ::two\n", "n.md", "n")
    assert [c.answer for c in found] == ["one"]
    assert warnings[0].line == 2 and "duplicate" in warnings[0].message


def test_a_card_over_the_limits_is_an_error_at_its_line() -> None:
    with pytest.raises(DeckError) as info:
        parse_obsidian("ok::fine\n\n" + "Q::" + "x" * 9000 + "\n", "n.md", "n")
    assert (info.value.line, info.value.path) == (3, "n.md")


def test_detected_by_content_and_forced() -> None:
    """A .md or .txt with the plugin's marks is read as Obsidian; notes stay notes."""
    text = b"#flashcards\nWhat is KVM?\n?\nA hypervisor\n"
    assert import_bytes("kvm.txt", text).cards[0].answer == "A hypervisor"
    notes = b"What is KVM?\nA hypervisor in Linux\nWhat is std::vector for?\nA list\n"
    assert [c.answer for c in import_bytes("n.md", notes).cards] == [
        "A hypervisor in Linux",
        "A list",
    ]
    forced = import_bytes("n.txt", b"a::b\n", fmt="obsidian")
    assert [(c.question, c.answer) for c in forced.cards] == [("a", "b")]


def test_without_a_deck_tag_the_file_names_the_deck() -> None:
    deck = import_bytes("Week 3.md", b"a::b\n")
    assert (deck.id, deck.name, deck.cards[0].tags) == ("week-3", "Week 3", ())


@pytest.mark.parametrize(
    "text",
    [
        "==a" * 200_000,
        "x::" + "![[" * 100_000,
        "a::" + "![x](" * 100_000,
        "`" * 100_000 + "==a==" * 10_000,
        "<!--SR:" * 100_000 + "::",
        "```\n" * 50_000,
    ],
    ids=["highlights", "embeds", "images", "ticks", "sr", "fences"],
)
def test_hostile_markdown_finishes(text: str) -> None:
    outcome = finishes(_outcome, text)
    assert outcome in ("ok", "error")


def _outcome(text: str) -> str:
    try:
        parse_obsidian(text, "h.md", "h")
    except DeckError:
        return "error"
    return "ok"


def test_list_markers_and_tag_like_text_around_single_line_cards() -> None:
    assert cards("- term::definition\n* two::2\n3. three:::3\n#tag::x\n") == [
        ("term", "definition"),
        ("two", "2"),
        ("three", "3"),
        ("3", "three"),
        ("#tag", "x"),
    ]
