"""Importing notes, Anki exports and CSV (bot/core/importers.py)."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest

from bot.core.decks import deck_to_yaml, load_deck
from bot.core.importers import html_to_text, import_source, looks_like_anki
from bot.core.models import DeckError
from bot.core.notes import card_id_for
from tests.guard import finishes

FIXTURES = Path(__file__).parent.parent / "fixtures"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_anki_export_with_headers() -> None:
    """An Anki plain-text export keeps questions, answers and tags, with HTML turned to text."""
    deck = import_source(FIXTURES / "anki_export.txt")
    assert deck.id == "anki-export"
    assert [(c.question, c.answer, c.tags, c.line) for c in deck.cards] == [
        ("What is 2 + 2?", "4", ("math", "arithmetic"), 4),
        ("Name the primary colours", "red\ngreen\nblue", ("art",), 5),
        ("What does this sound like?", "a dog & a cat", ("animals",), 6),
        ("Which flag is this?", "", ("geography",), 7),
    ]
    assert deck.cards[3].image == "flag-fr.png"
    assert deck.cards[0].id == card_id_for("What is 2 + 2?")


def test_anki_quoted_fields_with_newlines_and_other_separators(tmp_path: Path) -> None:
    """Quoted fields may hold separators and newlines; line numbers follow the file."""
    text = '#separator:semicolon\n#html:false\n"Q; one?";"line 1\nline 2"\nQ two?;"say ""hi"""\n'
    deck = import_source(write(tmp_path, "semi.txt", text))
    assert [(c.question, c.answer, c.line) for c in deck.cards] == [
        ("Q; one?", "line 1\nline 2", 3),
        ("Q two?", 'say "hi"', 5),
    ]


def test_anki_pipe_separator_and_guid_column(tmp_path: Path) -> None:
    """Special columns (guid, notetype) are not mistaken for the question or answer."""
    text = "#separator:Pipe\n#html:true\n#guid column:1\n#notetype column:2\nabc|Basic|Front?|Back &lt;3\n"
    deck = import_source(write(tmp_path, "pipe.txt", text))
    assert [(c.question, c.answer) for c in deck.cards] == [("Front?", "Back <3")]


def test_anki_export_without_headers_is_tab_separated(tmp_path: Path) -> None:
    """An older export with only tab-separated rows is recognised as Anki, not as notes."""
    path = write(tmp_path, "old.txt", "Sky colour?\tblue\nGrass colour?\tgreen<br>mostly\n")
    assert looks_like_anki(path.read_text())
    deck = import_source(path)
    assert [c.answer for c in deck.cards] == ["blue", "green\nmostly"]


def test_anki_bad_row_names_its_line(tmp_path: Path) -> None:
    """A row without an answer field is an error at its line."""
    path = write(tmp_path, "bad.txt", "#separator:tab\nGood?\tyes\nNo answer here\n")
    with pytest.raises(DeckError) as info:
        import_source(path)
    assert (info.value.path, info.value.line) == (str(path), 3)


def test_html_to_text_keeps_text_safe() -> None:
    """Tags go, entities are unescaped, `[sound:]` is dropped, a lone `<` is text."""
    assert html_to_text("a &lt; b<br/>c &amp; d[sound:x.mp3]") == ("a < b\nc & d", None)
    assert html_to_text("1 < 2 and 3 > 2") == ("1 < 2 and 3 > 2", None)
    assert html_to_text('<div><img src="a.png"></div>') == ("", "a.png")


@pytest.mark.parametrize(
    "field",
    [
        "<b " * 100_000,  # html.parser rescans the open tag: ~8 s for 16 KB
        "<a" * 150_000,
        "<" * 300_000 + ">",
        "[sound:" * 50_000,  # `[^\]]*` rescanned to the end from every "[sound:"
        "<!--" * 50_000,
    ],
    ids=["open-tags", "tag-starts", "many-lt", "sound", "comments"],
)
def test_hostile_html_fields_finish(field: str) -> None:
    """Pathological Anki fields of a few hundred KB finish and keep their text; no hang."""
    text, image = finishes(html_to_text, field)
    assert image is None
    assert len(text) <= len(field)


def test_csv_with_header_accept_and_tags() -> None:
    """CSV columns map by header name; accept and tags split on `|` or `;`; `yes` stays text."""
    deck = import_source(FIXTURES / "cards.csv")
    assert [(c.question, c.answer, c.accept, c.tags, c.line) for c in deck.cards] == [
        ("Capital of France?", "Paris", ("paris", "Paris city"), ("geography", "europe"), 2),
        ("What are the primary colours?", "red\ngreen\nblue", ("red green blue",), ("art",), 3),
        ("Is the Earth round?", "yes", ("yes",), ("science",), 6),
    ]


def test_csv_without_header_is_an_error(tmp_path: Path) -> None:
    """A CSV whose first row is not a header naming question and answer is refused at line 1."""
    path = write(tmp_path, "nohead.csv", "Capital of France?,Paris\n")
    with pytest.raises(DeckError) as info:
        import_source(path)
    assert info.value.line == 1 and "header" in info.value.message


def test_csv_bad_rows_name_their_line(tmp_path: Path) -> None:
    """An empty answer or too many fields is an error at that row's line."""
    empty = write(tmp_path, "empty.csv", "question,answer\nQ1?,A1\nQ2?,\n")
    extra = write(tmp_path, "extra.csv", "question,answer\nQ1?,A1,surprise\n")
    for path, line in ((empty, 3), (extra, 2)):
        with pytest.raises(DeckError) as info:
            import_source(path)
        assert (info.value.path, info.value.line) == (str(path), line)


def test_duplicate_rows_warn_and_keep_the_first(tmp_path: Path) -> None:
    """The same question twice in a CSV keeps the first and warns at the second."""
    deck = import_source(write(tmp_path, "dup.csv", "question,answer\nQ?,one\nQ?,two\n"))
    assert [c.answer for c in deck.cards] == ["one"]
    assert deck.warnings[0].line == 3


def test_notes_import_and_yaml_output_round_trip(tmp_path: Path) -> None:
    """Importing notes gives the 56 cards, and the YAML written from them loads back."""
    deck = import_source(FIXTURES / "virtualization.txt")
    assert len(deck.cards) == 56 and len(deck.warnings) == 5
    out = write(tmp_path, "v.yaml", deck_to_yaml(deck))
    assert [c.id for c in load_deck(out).cards] == [c.id for c in deck.cards]


def test_imported_ids_are_stable(tmp_path: Path) -> None:
    """Importing the same source twice gives the same card ids."""
    first = import_source(FIXTURES / "anki_export.txt")
    again = import_source(FIXTURES / "anki_export.txt")
    assert [c.id for c in first.cards] == [c.id for c in again.cards]


def _apkg(tmp_path: Path, rows: list[tuple[int, str, str]]) -> Path:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, flds TEXT, tags TEXT)")
    db.executemany("INSERT INTO notes VALUES (?, ?, ?)", rows)
    db.commit()
    data = db.serialize()
    db.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", data)
        archive.writestr("media", "{}")
    path = tmp_path / "pack.apkg"
    path.write_bytes(buffer.getvalue())
    return path


def test_apkg_notes_become_cards(tmp_path: Path) -> None:
    """An .apkg's notes give cards from their first two fields, HTML stripped, tags kept."""
    path = _apkg(tmp_path, [(1, "Front?\x1fBack<br>more", " t1 t2 "), (2, "Only one field", "")])
    deck = import_source(path)
    assert [(c.question, c.answer, c.tags) for c in deck.cards] == [
        ("Front?", "Back\nmore", ("t1", "t2"))
    ]
    assert len(deck.warnings) == 1


def test_not_an_apkg_is_an_error(tmp_path: Path) -> None:
    """A file named .apkg that is not a zip is a DeckError, not a crash."""
    path = write(tmp_path, "fake.apkg", "hello")
    with pytest.raises(DeckError):
        import_source(path)


def test_unknown_suffix_is_an_error(tmp_path: Path) -> None:
    """A file type the importer does not know is refused with a message."""
    with pytest.raises(DeckError) as info:
        import_source(write(tmp_path, "deck.docx", "x"))
    assert "cannot import" in info.value.message
