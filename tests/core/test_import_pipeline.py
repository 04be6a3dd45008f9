"""The one import pipeline (bot.core.importers.import_bytes): formats told by extension and
content or forced, deck names and ids, the size limit of each kind, Quizlet and TSV rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.importers import (
    FORMATS,
    detect_format,
    drop_media,
    import_bytes,
    import_source,
    upload_limit,
)
from bot.core.limits import LIMITS
from bot.core.models import DeckError
from bot.core.notes import card_id_for

FIXTURES = Path(__file__).parents[1] / "fixtures"


def qa(filename: str, data: bytes, fmt: str | None = None) -> list[tuple[str, str]]:
    return [(c.question, c.answer) for c in import_bytes(filename, data, fmt).cards]


def test_the_formats_named_in_the_spec() -> None:
    assert FORMATS == ("yaml", "notes", "obsidian", "quizlet", "csv", "tsv", "anki-text", "apkg")


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("deck.yaml", b"cards: []", "yaml"),
        ("pasted", b"# my deck\ndeck: {id: x}\ncards:\n  - question: Q?\n", "yaml"),
        ("notes.txt", b"What is KVM?\nA hypervisor\n", "notes"),
        ("notes.md", b"What is KVM?\nA hypervisor\n", "notes"),
        ("cards.md", b"#flashcards\nQ::A\n", "obsidian"),
        ("pasted", b"Q1::A1\nQ2::A2\n", "obsidian"),
        ("set.txt", b"term\tdefinition\nother\tmeaning\n", "quizlet"),
        ("set.txt", b"a - b;c - d;", "quizlet"),
        ("cards.csv", b"question,answer\nQ?,A\n", "csv"),
        ("cards.tsv", b"Q?\tA\n", "tsv"),
        ("export.txt", b"#separator:tab\n#html:true\nQ\tA\n", "anki-text"),
        ("export.csv", b"#separator:comma\nQ,A\n", "anki-text"),
        ("export.tsv", b"#separator:tab\nQ\tA\n", "anki-text"),
        ("deck.apkg", b"", "apkg"),
        ("deck.colpkg", b"", "apkg"),
        ("mystery.txt", b"PK\x03\x04...", "apkg"),
    ],
)
def test_format_by_extension_then_content(filename: str, data: bytes, expected: str) -> None:
    assert detect_format(filename, data) == expected


def test_an_unknown_file_type_is_refused_unless_a_format_is_forced() -> None:
    with pytest.raises(DeckError) as info:
        import_bytes("slides.pdf", b"Q::A")
    assert "cannot import .pdf files" in info.value.message and info.value.line == 0
    assert qa("slides.pdf", b"Q::A", fmt="obsidian") == [("Q", "A")]


def test_a_forced_format_wins_over_the_extension() -> None:
    assert qa("cards.txt", b"question,answer\nQ?,A\n", fmt="csv") == [("Q?", "A")]
    assert qa("cards.csv", b"Q?\tA, B\n", fmt="quizlet") == [("Q?", "A, B")]
    with pytest.raises(DeckError) as info:
        import_bytes("cards.txt", b"x", fmt="docx")
    assert "unknown format 'docx'" in info.value.message


def test_the_deck_is_named_by_the_name_given_else_the_file() -> None:
    deck = import_bytes("week_3-cells.txt", b"What is it?\nA cell\n")
    assert (deck.id, deck.name, deck.path) == ("week-3-cells", "Week 3 cells", "week_3-cells.txt")
    named = import_bytes("x.txt", b"What is it?\nA cell\n", name="  Biologie: Zellen  ")
    assert (named.id, named.name) == ("biologie-zellen", "Biologie: Zellen")
    assert named.cards[0].deck_id == "biologie-zellen" and named.owner is None


def test_a_yaml_deck_keeps_its_id_and_card_ids_unless_renamed() -> None:
    text = b"deck: {id: capitals, name: Capitals}\ncards:\n  - id: fr\n    question: France?\n    answer: Paris\n"
    deck = import_bytes("upload.yaml", text)
    assert (deck.id, deck.name, deck.cards[0].id) == ("capitals", "Capitals", "fr")
    renamed = import_bytes("upload.yaml", text, name="Capitals 2")
    assert (renamed.id, renamed.cards[0].deck_id, renamed.cards[0].id) == (
        "capitals-2",
        "capitals-2",
        "fr",
    )


def test_text_is_held_to_the_text_limit_and_packages_to_theirs() -> None:
    assert upload_limit("a.txt") == upload_limit("a.yaml") == LIMITS.text_file_bytes
    assert upload_limit("a.apkg") == upload_limit("a.COLPKG") == LIMITS.apkg_file_bytes
    assert upload_limit("a.bin", "apkg") == LIMITS.apkg_file_bytes
    assert LIMITS.apkg_file_bytes == 20 * 1024 * 1024
    small = dataclasses.replace(LIMITS, text_file_bytes=10)
    with pytest.raises(DeckError) as info:
        import_bytes("n.txt", b"What is it?\nA cell\n", limits=small)
    assert info.value.message == "file too large (19 bytes, limit 10)"


def test_text_that_is_not_utf8_names_its_line() -> None:
    with pytest.raises(DeckError) as info:
        import_bytes("n.txt", b"What is it?\nA \xff cell\n")
    assert (info.value.line, info.value.message) == (2, "not valid UTF-8 text")


def test_import_source_size_checks_and_forces(tmp_path: Path) -> None:
    path = tmp_path / "set.txt"
    path.write_text("Q1 - A1\nQ2 - A2\n", encoding="utf-8")
    assert [c.answer for c in import_source(path, "quizlet").cards] == ["A1", "A2"]
    with pytest.raises(DeckError) as info:
        import_source(tmp_path / "slides.pdf")
    assert "cannot import .pdf" in info.value.message


# --- Quizlet ---------------------------------------------------------------------------------


def test_quizlet_export_one_card_a_line() -> None:
    """Tabs between term and definition, no quoting (a quote is text), a line without a tab
    continues the definition above, and a third column is reported once."""
    deck = import_source(FIXTURES / "quizlet.txt")
    assert [(c.line, c.question, c.answer) for c in deck.cards] == [
        (1, '"To be or not to be"', "Hamlet, Act 3"),
        (2, "photosynthesis", "plants making sugar from light"),
        (3, "cell", "the smallest unit of life"),
        (4, "mitosis", "one cell splits into two:\nboth with the same DNA"),
        (6, "osmosis", "water crossing a membrane"),
    ]
    assert [(w.line, w.message) for w in deck.warnings] == [
        (6, "rows have more than two tab-separated fields; the rest is ignored")
    ]
    assert deck.cards[0].id == card_id_for('"To be or not to be"')


def test_quizlet_custom_separators() -> None:
    """Quizlet's other choices: semicolons between rows on one line, " - " or a comma between
    term and definition."""
    deck = import_source(FIXTURES / "quizlet_rows.txt")
    assert [(c.question, c.answer) for c in deck.cards] == [
        ("Bonjour", "Hello"),
        ("Merci", "Thank you"),
        ("Au revoir", "Goodbye, see you"),
    ]
    assert qa("s.txt", b"chien, dog\nchat, cat, feline\n", "quizlet") == [
        ("chien", "dog"),
        ("chat", "cat, feline"),
    ]


def test_quizlet_rows_without_a_separator_name_their_line() -> None:
    with pytest.raises(DeckError) as info:
        import_bytes("s.txt", b"no separator here\nterm\tdefinition\n", fmt="quizlet")
    assert (info.value.line, info.value.message) == (
        1,
        "row has no tab between term and definition",
    )
    with pytest.raises(DeckError) as info:
        import_bytes("s.txt", b"term\tdefinition\nempty\t\n", fmt="quizlet")
    assert (info.value.line, info.value.message) == (2, "row has no answer")


# --- TSV -------------------------------------------------------------------------------------


def test_tsv_with_a_header_row_names_its_columns() -> None:
    text = b'question\tanswer\ttags\nCapital of France?\t"Paris\non the Seine"\tgeo;eu\n'
    deck = import_bytes("c.tsv", text)
    assert [(c.question, c.answer, c.tags, c.line) for c in deck.cards] == [
        ("Capital of France?", "Paris\non the Seine", ("geo", "eu"), 2)
    ]


def test_tsv_without_a_header_is_question_then_answer() -> None:
    assert qa("c.tsv", b"Capital of France?\tParis\nOf Italy?\tRome\textra\n") == [
        ("Capital of France?", "Paris"),
        ("Of Italy?", "Rome"),
    ]


# --- YAML files cannot carry pictures ----------------------------------------------------------


def test_drop_media_keeps_text_and_leaves_picture_only_cards_out() -> None:
    deck = import_bytes("a.apkg", (FIXTURES / "anki_modern.apkg").read_bytes())
    plain = drop_media(deck)
    assert plain.media == () and all(c.image is None for c in plain.cards)
    assert len(plain.cards) == len(deck.cards)
    assert [w.message for w in plain.warnings] == [
        "picture 'cell_diagram.png' left out of the YAML",
        "picture 'membrane.gif' left out of the YAML",
        "picture 'membrane.gif' left out of the YAML",
    ]


# --- any text --------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "Q::A", ":::", "::", "?", "??", "\n", "\n\n", "\t", ";", ",", " - ", "==x==", "^[h]",
        "[^1]", "`", "```", "#flashcards/a", "#flashcards", "<!--SR:!x-->", "<!--", "-->",
        "---", "tags: [flashcards/b]", "![[p.png]]", "![a](https://x.org/a.png)", "[[L|l]]",
        '"', "What is it?", "deck:", "cards:", "\r\n", "\ufeff", "é", "\x00",
    ]
)  # fmt: skip
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT, st.sampled_from(["obsidian", "quizlet", "tsv", None]))
def test_any_text_gives_cards_or_one_error(text: str, fmt: str | None) -> None:
    """Whatever the text, a deck (unique ids, non-empty questions) or one DeckError, and the
    same outcome twice."""

    def outcome() -> object:
        try:
            deck = import_bytes("any.md", text.encode("utf-8"), fmt)
        except DeckError as error:
            assert "\n" not in str(error) and error.line >= 0
            return ("error", error.line, error.message)
        return [(c.id, c.question, c.answer) for c in deck.cards]

    first = outcome()
    assert first == outcome()
    if isinstance(first, list):
        assert len({card_id for card_id, _, _ in first}) == len(first)
        assert all(question.strip() for _, question, _ in first)


def test_the_readme_documents_the_limits_in_force() -> None:
    """README "Deck limits" states the numbers `bot/core/limits.py` enforces."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deck limits", 1)[1].split("\n## ", 1)[0]
    mib = 1024 * 1024
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in section.splitlines()
        if line.startswith("| ") and line.count("|") == 3
    }
    text_row = next(v for k, v in rows.items() if k.startswith("A text file"))
    package_row = next(v for k, v in rows.items() if k.startswith("An Anki package"))
    pictures_row = next(v for k, v in rows.items() if k.startswith("Pictures"))
    assert text_row == f"{LIMITS.text_file_bytes // mib} MiB"
    assert package_row.startswith(
        f"{LIMITS.apkg_file_bytes // mib} MiB / {LIMITS.apkg_inflated_bytes // mib} MiB"
    )
    assert pictures_row.startswith(
        f"{LIMITS.media_files}, {LIMITS.media_file_bytes // mib} MiB each, "
        f"{LIMITS.media_bytes // mib} MiB together"
    )


def test_a_long_deck_name_is_cut_for_display_and_id() -> None:
    deck = import_bytes("n.txt", b"What is it?\nA cell\n", name="Zellbiologie " * 30)
    assert len(deck.name) == 100 and deck.name.endswith("…")
    assert len(deck.id) <= 64 and deck.id.startswith("zellbiologie-zellbiologie")


def test_a_card_may_name_a_picture_stored_with_its_deck_never_a_bare_file() -> None:
    """`media:<file>` is a picture travelling with a chat deck (the YAML a chat deck exports
    back); a bare name or a path after `media:` is refused at its line."""
    good = b"cards:\n  - question: Q?\n    answer: A\n    image: media:cell.png\n"
    assert import_bytes("d.yaml", good).cards[0].media_name == "cell.png"
    for bad in (b"cell.png", b"media:../cell.png", b"media:"):
        text = b"cards:\n  - question: Q?\n    answer: A\n    image: " + bad + b"\n"
        with pytest.raises(DeckError) as info:
            import_bytes("d.yaml", text)
        assert info.value.line == 4
