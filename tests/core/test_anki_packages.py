"""Anki packages as Anki writes them (tests/fixtures/anki_*.apkg, made by the `anki` package
with tests/fixtures/make_anki_fixtures.py), and hostile ones, through `import_bytes`."""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
import zstandard

from bot.core.importers import import_bytes, import_source
from bot.core.limits import LIMITS, DeckLimits
from bot.core.models import Deck, DeckError, MediaFile
from tests.fixtures.make_anki_fixtures import CELL_PNG, GIF
from tests.guard import finishes

FIXTURES = Path(__file__).parents[1] / "fixtures"
PACKAGES = ("anki_modern.apkg", "anki_legacy.apkg", "anki_oldest.apkg", "anki_modern.colpkg")
CARDS = [
    (
        "qb_3a_Basic_2f_1-0",
        "What does this organelle do?",
        "It makes ATP & heat",
        ("biology", "cells::organelles"),
        "media:cell_diagram.png",
    ),
    ("qbReversed2-0", "Nucleus", "Holds the cell's DNA", ("biology",), None),
    ("qbReversed2-1", "Holds the cell's DNA", "Nucleus", ("biology",), None),
    ("qbTyped3-0", "Powerhouse of the cell?", "mitochondria", (), None),
    (
        "qbCloze4-1",
        "[organelle] build proteins from amino acids in the cytoplasm.",
        "Ribosomes",
        ("biology", "cloze"),
        "media:membrane.gif",
    ),
    (
        "qbCloze4-2",
        "Ribosomes build proteins from [...] in the cytoplasm.",
        "amino acids",
        ("biology", "cloze"),
        "media:membrane.gif",
    ),
    ("qbSub5-0", "Cell membrane is made of?", "A lipid bilayer", ("biology",), None),
]
MEDIA = (
    MediaFile("cell_diagram.png", "image/png", CELL_PNG),
    MediaFile("membrane.gif", "image/gif", GIF),
)


def load(name: str, limits: DeckLimits = LIMITS) -> Deck:
    return import_bytes(name, (FIXTURES / name).read_bytes(), limits=limits)


def members(name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(FIXTURES / name) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def package(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return buffer.getvalue()


def error_of(data: bytes, limits: DeckLimits = LIMITS, name: str = "hostile.apkg") -> DeckError:
    with pytest.raises(DeckError) as info:
        import_bytes(name, data, limits=limits)
    assert "\n" not in str(info.value) and len(info.value.message) <= LIMITS.message_chars
    return info.value


def edited(name: str, *statements: str) -> bytes:
    """The fixture with SQL run on its real collection (zstd undone and redone if modern)."""
    files = members(name)
    member = "collection.anki21b" if "collection.anki21b" in files else "collection.anki21"
    raw = files[member]
    if member.endswith("b"):
        raw = zstandard.ZstdDecompressor().decompressobj().decompress(raw)
    db = sqlite3.connect(":memory:")
    db.deserialize(raw[:18] + b"\x01\x01" + raw[20:])  # WAL off: an in-memory copy is edited
    for statement in statements:
        db.execute(statement)
    db.commit()
    raw = db.serialize()
    db.close()
    files[member] = zstandard.ZstdCompressor().compress(raw) if member.endswith("b") else raw
    return package(files)


# --- packages as Anki writes them ----------------------------------------------------------


@pytest.mark.parametrize("name", PACKAGES)
def test_every_card_of_a_real_package(name: str) -> None:
    """Basic, reversed (two cards), typed and cloze notes (one card per deletion, the hint or
    [...] in the question, the deletion the answer) from modern, legacy and 2.0-era packages
    alike: HTML as text, tags kept, sounds dropped, the Anki deck name, pictures as media."""
    deck = load(name)
    assert [(c.id, c.question, c.answer, c.tags, c.image) for c in deck.cards] == CARDS
    assert (deck.id, deck.name) == ("biology-cells", "Biology::Cells")
    assert deck.media == MEDIA
    assert deck.warnings == ()
    assert {c.deck_id for c in deck.cards} == {"biology-cells"}


def test_the_modern_package_is_what_current_anki_writes() -> None:
    """The fixture really is the modern layout: meta 3, zstd anki21b, the dummy anki2, a zstd
    protobuf media map; the legacy one has meta 2, anki21 and a JSON map."""
    modern, legacy = members("anki_modern.apkg"), members("anki_legacy.apkg")
    assert modern["meta"] == b"\x08\x03" and legacy["meta"] == b"\x08\x02"
    assert {"collection.anki21b", "collection.anki2", "media"} <= set(modern)
    assert modern["collection.anki21b"].startswith(b"\x28\xb5\x2f\xfd")  # zstd frame
    assert modern["media"].startswith(b"\x28\xb5\x2f\xfd")
    listing = json.loads(legacy["media"])  # {"0": "cell diagram.png", ...}, in any order
    assert sorted(listing) == ["0", "1", "2"]
    assert sorted(listing.values()) == ["cell diagram.png", "membrane.gif", "ribosome.mp3"]


def test_the_please_update_dummy_is_never_imported() -> None:
    """Modern packages carry a dummy collection.anki2 with one "please update" note: the
    collection `meta` names is read instead, and without it the dummy is no fallback."""
    for name in ("anki_modern.apkg", "anki_legacy.apkg"):
        assert not any("update" in c.question.lower() for c in load(name).cards)
    dummy = members("anki_modern.apkg")["collection.anki2"]
    db = sqlite3.connect(":memory:")
    db.deserialize(dummy)
    assert "Please update" in db.execute("SELECT flds FROM notes").fetchone()[0]
    files = members("anki_modern.apkg")
    del files["collection.anki21b"]
    assert "names collection.anki21b, which it lacks" in error_of(package(files)).message


def test_card_ids_are_stable_across_imports_and_formats() -> None:
    """Ids come from note guid and card ord (cloze number): importing again, or the same notes
    exported another way, keeps every learner's progress."""
    first = [c.id for c in load("anki_modern.apkg").cards]
    assert first == [c.id for c in load("anki_modern.apkg").cards]
    assert first == [c.id for c in load("anki_legacy.apkg").cards]


def test_colpkg_and_a_forced_format_and_a_given_name() -> None:
    """A .colpkg is read as a package; a package under another name is found by its bytes or
    forced; a name given at import names the deck and its id."""
    data = (FIXTURES / "anki_modern.colpkg").read_bytes()
    assert len(import_bytes("upload.bin", data, fmt="colpkg").cards) == 7
    assert len(import_bytes("upload.txt", data).cards) == 7
    named = import_bytes("x.apkg", data, name="Cells, week 3")
    assert (named.id, named.name) == ("cells-week-3", "Cells, week 3")
    assert {c.deck_id for c in named.cards} == {"cells-week-3"}


def test_import_source_reads_a_package_from_disk() -> None:
    deck = import_source(FIXTURES / "anki_legacy.apkg")
    assert deck.path == str(FIXTURES / "anki_legacy.apkg") and len(deck.cards) == 7


def test_a_legacy_package_without_meta_reads_anki21_not_the_dummy() -> None:
    """Anki 2.1 packages before `meta` existed: collection.anki21 beside the dummy anki2."""
    files = members("anki_legacy.apkg")
    del files["meta"]
    deck = import_bytes("old.apkg", package(files))
    assert [c.id for c in deck.cards] == [card[0] for card in CARDS]


# --- pictures ---------------------------------------------------------------------------------


def test_only_pictures_cards_show_travel_with_the_deck() -> None:
    """The package's sound file is no picture and no card shows it: it stays behind."""
    deck = load("anki_modern.apkg")
    assert [m.name for m in deck.media] == ["cell_diagram.png", "membrane.gif"]
    assert {c.media_name for c in deck.cards} == {None, "cell_diagram.png", "membrane.gif"}


def test_a_path_like_picture_name_is_refused_and_the_card_kept() -> None:
    data = edited(
        "anki_modern.apkg",
        "UPDATE notes SET flds = replace(flds, 'cell diagram.png', '../../etc/passwd') "
        "WHERE guid = 'qb:Basic/1'",
    )
    deck = import_bytes("p.apkg", data)
    card = deck.card("qb_3a_Basic_2f_1-0")
    assert card is not None and card.image is None
    assert [m.name for m in deck.media] == ["membrane.gif"]
    assert any("'../../etc/passwd' is a path" in w.message for w in deck.warnings)


def test_a_file_that_is_no_picture_is_not_taken() -> None:
    data = edited(
        "anki_legacy.apkg",
        "UPDATE notes SET flds = replace(flds, 'cell diagram.png', 'ribosome.mp3')",
    )
    deck = import_bytes("p.apkg", data)
    assert [m.name for m in deck.media] == ["membrane.gif"]
    assert any("not a PNG, JPEG, GIF or WebP" in w.message for w in deck.warnings)


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ({"media_files": 1}, "already has 1 pictures"),
        ({"media_file_bytes": 60}, "inflates past 60 bytes"),
        ({"media_bytes": 100}, "would pass 100 bytes"),
    ],
)
def test_picture_caps_drop_pictures_not_cards(limit: dict[str, int], message: str) -> None:
    deck = load("anki_modern.apkg", dataclasses.replace(LIMITS, **limit))
    assert len(deck.cards) == 7 and len(deck.media) == 1
    assert any(message in w.message for w in deck.warnings)


def test_a_zstd_bomb_as_media_map_drops_the_pictures_only() -> None:
    files = members("anki_modern.apkg")
    files["media"] = zstandard.ZstdCompressor().compress(b"\0" * (64 << 20))
    deck = finishes(import_bytes, "bomb.apkg", package(files))
    assert len(deck.cards) == 7 and deck.media == ()
    assert any("media map is unreadable" in w.message for w in deck.warnings)


# --- hostile packages -------------------------------------------------------------------------


def _stream_bomb(size: int) -> bytes:
    """zstd of `size` zero bytes, written without a content size in the frame header."""
    out = io.BytesIO()
    compressor = zstandard.ZstdCompressor(write_content_size=False)
    with compressor.stream_writer(out, closefd=False) as writer:
        chunk = b"\0" * (1 << 20)
        for _ in range(size >> 20):
            writer.write(chunk)
    return out.getvalue()


def test_a_zstd_bomb_collection_is_refused_at_the_inflate_cap() -> None:
    """100 MiB of zstd in a few KB: refused once 64 MiB are really inflated."""
    files = members("anki_modern.apkg")
    files["collection.anki21b"] = _stream_bomb(100 << 20)
    data = package(files)
    assert len(data) < 64 << 10
    error = finishes(error_of, data)
    assert f"the collection inflates past {LIMITS.apkg_inflated_bytes} bytes" in error.message


def test_a_zip_bomb_with_a_lying_size_header_is_refused() -> None:
    """A deflated collection of 32 MiB whose headers claim 1 KB: zipfile stops at the claim
    and the CRC fails, so nothing past the claimed size is trusted."""
    files = {"collection.anki21": b"\0" * (32 << 20), **members("anki_legacy.apkg")}
    data = bytearray(package(files))  # the collection is the first member
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset : at + offset + 4] = (1024).to_bytes(4, "little")
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("collection.anki21").file_size == 1024
    assert "not a readable .apkg" in finishes(error_of, bytes(data)).message


def test_path_like_member_names_are_refused() -> None:
    files = members("anki_modern.apkg")
    files["../../home/x/.bashrc"] = b"boom"
    assert "is a path" in error_of(package(files)).message


def test_a_view_among_the_note_type_tables_is_refused_without_running_it() -> None:
    endless = (
        "CREATE VIEW notetypes AS WITH RECURSIVE r(id) AS (SELECT 1 UNION ALL SELECT id + 1 "
        "FROM r) SELECT id, 'x' AS name, x'' AS config FROM r"
    )
    data = edited("anki_modern.apkg", "DROP TABLE notetypes", endless)
    error = finishes(error_of, data)
    assert "'notetypes' is a view, not a table" in error.message


def test_a_package_without_meta_but_with_anki21b_is_refused() -> None:
    files = members("anki_modern.apkg")
    del files["meta"]
    assert "collection.anki21b but no meta" in error_of(package(files)).message


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        (b"\x08\x09", "package version 9 is unknown"),
        (b"\x08", "meta is unreadable"),
        (b"\x0a\xff\xff\xff\xff\x0f", "meta is unreadable"),
    ],
)
def test_an_odd_meta_is_refused(meta: bytes, message: str) -> None:
    files = members("anki_modern.apkg")
    files["meta"] = meta
    assert message in error_of(package(files)).message


def test_not_a_zip_and_no_collection_are_one_line_errors() -> None:
    assert "not a readable .apkg" in error_of(b"PK\x03\x04 not really a zip").message
    assert "no Anki collection" in error_of(package({"media": b"{}"})).message


def test_a_package_over_the_size_limit_is_refused_before_reading() -> None:
    data = (FIXTURES / "anki_modern.apkg").read_bytes()
    small = dataclasses.replace(LIMITS, apkg_file_bytes=1000)
    assert f"file too large ({len(data)} bytes, limit 1000)" in error_of(data, small).message


@pytest.mark.parametrize(
    ("count", "name_chars", "message"),
    [(30_000, 80, "its file list is"), (70_000, 1, "zip64 package")],
)
def test_a_huge_file_list_is_refused_before_zipfile_reads_it(
    count: int, name_chars: int, message: str
) -> None:
    """Many empty members: zipfile would build an object for each, so the directory's size
    (or zip64, which Anki never needs at 20 MiB) is refused first."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(count):
            archive.writestr(str(number).zfill(name_chars), b"")
    assert message in finishes(error_of, buffer.getvalue()).message


def test_a_media_map_naming_a_missing_member_drops_the_picture() -> None:
    files = members("anki_legacy.apkg")
    cell = next(k for k, v in json.loads(files["media"]).items() if v == "cell diagram.png")
    files["media"] = json.dumps({cell: "cell diagram.png", "7": "membrane.gif"}).encode()
    deck = import_bytes("m.apkg", package(files))
    assert [m.name for m in deck.media] == ["cell_diagram.png"]
    assert any("'7' is missing from the package" in w.message for w in deck.warnings)


def test_a_note_without_cards_is_reported_not_invented() -> None:
    """The cards table says which cards Anki made: a note with none gives none, with a warning."""
    data = edited(
        "anki_modern.apkg",
        "DELETE FROM cards WHERE nid = (SELECT id FROM notes WHERE guid = 'qbSub5')",
    )
    deck = import_bytes("c.apkg", data)
    assert len(deck.cards) == 6
    assert [(w.line, w.message) for w in deck.warnings] == [(5, "note has no cards; skipped")]


def test_more_card_rows_than_any_deck_may_have_is_refused_before_reading_notes() -> None:
    error = error_of(
        (FIXTURES / "anki_modern.apkg").read_bytes(), dataclasses.replace(LIMITS, cards=1)
    )
    assert "more than 1 cards" in error.message


def test_a_notes_view_in_a_modern_package_is_refused_without_running_it() -> None:
    endless = (
        "CREATE VIEW notes AS WITH RECURSIVE r(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM r) "
        "SELECT id, 'g' AS guid, 0 AS mid, 'Q' || char(31) || 'A' AS flds, '' AS tags FROM r"
    )
    data = edited("anki_modern.apkg", "DROP TABLE notes", endless)
    assert "'notes' is a view, not a table" in finishes(error_of, data).message


def test_a_note_over_a_limit_is_skipped_with_its_picture() -> None:
    deck = load("anki_modern.apkg", dataclasses.replace(LIMITS, question_chars=10))
    assert [c.question for c in deck.cards] == ["Nucleus"]
    assert deck.media == ()
    assert (
        1,
        "note skipped: question is 28 characters long (limit 10): 'What does this organelle do?'",
    ) in [(w.line, w.message) for w in deck.warnings]
