"""Importing notes, Anki exports and CSV (bot/core/importers.py)."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import struct
import zipfile
from pathlib import Path

import pytest

from bot.core.decks import deck_to_yaml, load_deck
from bot.core.importers import (
    html_to_text,
    import_apkg,
    import_source,
    importable_yaml,
    looks_like_anki,
)
from bot.core.limits import LIMITS, DeckLimits
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
    ]
    assert deck.cards[0].id == card_id_for("What is 2 + 2?")


def test_anki_images_that_are_files_are_dropped_with_a_warning() -> None:
    """`<img src="flag-fr.png">` names a media file, which no chat can show: the image is
    dropped with a warning at its line, and an image-only note is skipped, never written."""
    deck = import_source(FIXTURES / "anki_export.txt")
    assert all(c.image is None for c in deck.cards)
    assert [(w.line, w.message) for w in deck.warnings] == [
        (7, "image 'flag-fr.png' is not an https URL; dropped"),
        (7, "image-only note without a usable image; skipped"),
    ]


def test_anki_https_image_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", '#html:true\nFlag?\t<img src="https://x.org/f.png">fr\n')
    assert import_source(path).cards[0].image == "https://x.org/f.png"


def test_csv_image_that_is_not_a_url_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "question,answer,image\nQ?,A,https://x.org/a.png\nR?,B,b.png\n")
    with pytest.raises(DeckError) as info:
        import_source(path)
    assert info.value.line == 3 and "https" in info.value.message


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


# --- hostile packages ------------------------------------------------------------------------


def _package(tmp_path: Path, members: dict[str, bytes], name: str = "hostile.apkg") -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


def _collection(*statements: str) -> bytes:
    db = sqlite3.connect(":memory:")
    for statement in statements:
        db.execute(statement)
    db.commit()
    data = db.serialize()
    db.close()
    return data


def _import_error(path: Path, limits: DeckLimits = LIMITS) -> str:
    try:
        import_apkg(path, limits)
    except DeckError as error:
        return error.message
    raise AssertionError("the hostile package was imported")


def test_a_view_named_notes_is_refused_without_running_it(tmp_path: Path) -> None:
    """A package whose `notes` is an endless recursive view is refused, never queried."""
    endless = (
        "CREATE VIEW notes AS WITH RECURSIVE r(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM r) "
        "SELECT id, 'Q?' || char(31) || 'A' AS flds, '' AS tags FROM r"
    )
    path = _package(tmp_path, {"collection.anki2": _collection(endless)})
    assert "'notes' is a view, not a table" in finishes(_import_error, path)


def test_reading_the_collection_is_bounded_in_time(tmp_path: Path) -> None:
    """Past the time budget the query is interrupted and the package refused."""
    rows = [f"INSERT INTO notes VALUES ({i}, 'Q{i}?' || char(31) || 'A', '')" for i in range(3000)]
    data = _collection("CREATE TABLE notes (id INTEGER PRIMARY KEY, flds TEXT, tags TEXT)", *rows)
    path = _package(tmp_path, {"collection.anki2": data})
    assert len(import_apkg(path).cards) == 3000
    message = _import_error(path, dataclasses.replace(LIMITS, apkg_seconds=0.0))
    assert "took over 0 s" in message


def test_inflated_bytes_are_capped(tmp_path: Path) -> None:
    """A member of highly compressible data past the cap is refused while inflating."""
    path = _package(tmp_path, {"collection.anki2": b"\0" * (4 << 20)})
    assert path.stat().st_size < 64 << 10
    message = _import_error(path, dataclasses.replace(LIMITS, apkg_inflated_bytes=1 << 20))
    assert f"inflates past {1 << 20} bytes" in message


def test_a_zip_header_that_lies_about_the_size_is_refused(tmp_path: Path) -> None:
    """Headers claiming 1 KB for 32 MB of zeros: the package is refused, memory stays small."""
    path = _package(tmp_path, {"collection.anki2": b"\0" * (32 << 20)})
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        struct.pack_into("<I", data, at + offset, 1024)
    path.write_bytes(bytes(data))
    assert zipfile.ZipFile(path).getinfo("collection.anki2").file_size == 1024
    assert "not a readable .apkg" in finishes(_import_error, path)


def test_path_like_member_names_are_refused(tmp_path: Path) -> None:
    data = _collection("CREATE TABLE notes (id INTEGER PRIMARY KEY, flds TEXT, tags TEXT)")
    path = _package(tmp_path, {"collection.anki2": data, "../../etc/cron.d/x": b"boom"})
    assert "is a path" in _import_error(path)


# --- one set of limits ----------------------------------------------------------------------


def test_a_csv_header_of_ten_thousand_columns_gives_a_short_message(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(10_000)) + ",question,answer\n"
    path = tmp_path / "wide.csv"
    path.write_text(header, encoding="utf-8")
    with pytest.raises(DeckError) as info:
        import_source(path)
    assert info.value.line == 1 and len(info.value.message) <= LIMITS.message_chars


def test_import_refuses_yaml_the_loader_would_refuse() -> None:
    """What import would write is loaded back under the same limits: too big is refused."""
    deck = import_source(FIXTURES / "anki_export.txt")
    assert "cards:" in importable_yaml(deck, "anki_export.txt")
    with pytest.raises(DeckError) as info:
        importable_yaml(deck, "anki_export.txt", dataclasses.replace(LIMITS, text_file_bytes=200))
    assert "over the 200 byte limit" in info.value.message
