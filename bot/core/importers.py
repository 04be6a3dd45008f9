"""Other people's formats -> a Deck: notes, Anki plain-text export, Anki .apkg, CSV.

Everything becomes a plain `Deck` so `deck_to_yaml` can write it out for a person to review;
card ids are the question hash, so importing the same source again keeps learners' progress.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

from bot.core.decks import deck_name_from_stem, load_deck, read_text
from bot.core.html_text import html_to_text as field_text
from bot.core.models import Card, Deck, DeckError, DeckWarning
from bot.core.notes import card_id_for, parse_notes, slugify

_SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
_ANKI_HEADER = re.compile(r"^#([a-z ]+):(.*)$", re.IGNORECASE)
_HTML_HINT = re.compile(r"<(br|div|p|img|b|i|u|span|ul|ol|li)\b|&(nbsp|amp|lt|gt|quot);", re.I)
_SOUND = re.compile(r"\[sound:[^\[\]]*\]")
r"""Stops at the next "[": `[^\]]*` rescanned "[sound:[sound:..." to its end from every start."""
_LIST_SPLIT = re.compile(r"[|;]")
CSV_COLUMNS = ("id", "question", "answer", "accept", "choices", "tags", "image")
MAX_APKG_MEMBER_BYTES = 50 * 1024 * 1024


def import_source(path: Path) -> Deck:
    """Read `path` by its kind; raises DeckError naming file and line for anything unreadable."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_deck(path)
    if suffix == ".apkg":
        return import_apkg(path)
    text = read_text(path)
    deck_id, name = slugify(path.stem), deck_name_from_stem(path.stem)
    if suffix == ".csv":
        return _deck(deck_id, name, path, *parse_csv(text, str(path), deck_id))
    if suffix in (".txt", ".tsv") and looks_like_anki(text):
        return _deck(deck_id, name, path, *parse_anki_text(text, str(path), deck_id))
    if suffix in (".txt", ".md"):
        cards, warnings = parse_notes(text, str(path), deck_id)
        return _deck(deck_id, name, path, cards, warnings)
    raise DeckError(str(path), 0, f"cannot import {suffix or 'files without a suffix'}")


def _deck(
    deck_id: str, name: str, path: Path, cards: list[Card], warnings: list[DeckWarning]
) -> Deck:
    return Deck(deck_id, name, tuple(cards), path=str(path), warnings=tuple(warnings))


def looks_like_anki(text: str) -> bool:
    """Anki headers (`#separator:tab`), or tab-separated rows: notes have no tabs."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    if _ANKI_HEADER.match(lines[0].lstrip("\ufeff")):
        return True
    return sum("\t" in line for line in lines) * 2 > len(lines)


# --- HTML fields -------------------------------------------------------------------------------


def html_to_text(field: str) -> tuple[str, str | None]:
    """The field's text (tidy lines) and its first image, `[sound:...]` dropped."""
    return field_text(_SOUND.sub("", field))


def _plain(field: str, html: bool) -> tuple[str, str | None]:
    if html:
        return html_to_text(field)
    return _SOUND.sub("", field).strip(), None


def _make_card(
    deck_id: str,
    path: str,
    line: int,
    question_field: str,
    answer_field: str,
    html: bool,
    **extra: tuple[str, ...],
) -> Card:
    question, q_image = _plain(question_field, html)
    answer, a_image = _plain(answer_field, html)
    if not question:
        raise DeckError(path, line, "row has no question")
    if not answer and not a_image:
        raise DeckError(path, line, "row has no answer")
    return Card(
        deck_id,
        card_id_for(question),
        question,
        answer,
        image=a_image or q_image,
        line=line,
        **extra,
    )


def _add(cards: list[Card], warnings: list[DeckWarning], seen: dict[str, int], card: Card) -> None:
    """Keep the first card of a question; a repeat is a warning, as in notes."""
    line = card.line or 0
    if card.id in seen:
        warnings.append(
            DeckWarning(
                line, f'duplicate question "{card.question}" (first at line {seen[card.id]})'
            )
        )
        return
    seen[card.id] = line
    cards.append(card)


# --- Anki plain text ---------------------------------------------------------------------------


def parse_anki_text(text: str, path: str, deck_id: str) -> tuple[list[Card], list[DeckWarning]]:
    """Anki "Notes in Plain Text" export: `#key:value` headers, then one note per record."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    headers: dict[str, str] = {}
    start = 0
    while start < len(lines) and (match := _ANKI_HEADER.match(lines[start].rstrip("\r\n"))):
        headers[match.group(1).strip().lower()] = match.group(2).strip()
        start += 1
    body = "".join(lines[start:])
    separator = _separator(headers.get("separator"), body, path)
    html = headers["html"].lower() == "true" if "html" in headers else bool(_HTML_HINT.search(body))
    special = {
        name: int(value) - 1
        for name, value in (
            (key.removesuffix(" column"), headers[key])
            for key in headers
            if key.endswith(" column")
        )
        if value.isdigit() and int(value) > 0
    }
    tags_col = special.get("tags")
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=separator, quotechar='"')
    cards: list[Card] = []
    warnings: list[DeckWarning] = []
    seen: dict[str, int] = {}
    previous = 0
    try:
        for row in reader:
            line = start + previous + 1
            previous = reader.line_num
            if not any(field.strip() for field in row):
                continue
            fields = [f for i, f in enumerate(row) if i not in special.values()]
            if len(fields) < 2:
                raise DeckError(
                    path, line, f"row has {len(fields)} field(s), need question and answer"
                )
            tags = (
                tuple(row[tags_col].split()) if tags_col is not None and tags_col < len(row) else ()
            )
            card = _make_card(deck_id, path, line, fields[0], fields[1], html, tags=tags)
            _add(cards, warnings, seen, card)
    except csv.Error as exc:
        raise DeckError(path, start + reader.line_num, f"bad row: {exc}") from exc
    return cards, warnings


def _separator(value: str | None, body: str, path: str) -> str:
    if value is None:
        return "\t" if "\t" in body else ","
    named = _SEPARATORS.get(value.lower())
    if named:
        return named
    if len(value) == 1:
        return value
    raise DeckError(path, 1, f"unknown #separator '{value}'")


# --- CSV ---------------------------------------------------------------------------------------


def parse_csv(text: str, path: str, deck_id: str) -> tuple[list[Card], list[DeckWarning]]:
    """CSV with a header row naming its columns: question, answer, and optionally accept, tags."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as exc:
        raise DeckError(path, 1, f"bad header row: {exc}") from exc
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown or "question" not in header or "answer" not in header:
        raise DeckError(
            path,
            1,
            "header row must name question,answer (optional: accept, tags, choices, image, id)"
            + (f"; unknown column(s): {', '.join(unknown)}" if unknown else ""),
        )
    cards: list[Card] = []
    warnings: list[DeckWarning] = []
    seen: dict[str, int] = {}
    previous = reader.line_num
    try:
        for row in reader:
            line, previous = previous + 1, reader.line_num
            if not any(field.strip() for field in row):
                continue
            if len(row) > len(header):
                raise DeckError(path, line, f"row has {len(row)} fields, header has {len(header)}")
            cells = dict(zip(header, row, strict=False))
            card = _make_card(
                deck_id,
                path,
                line,
                cells.get("question", ""),
                cells.get("answer", ""),
                False,
                accept=_split_list(cells.get("accept", "")),
                choices=_split_list(cells.get("choices", "")),
                tags=_split_list(cells.get("tags", "")),
            )
            if cells.get("image", "").strip():
                card = replace(card, image=cells["image"].strip())
            if cells.get("id", "").strip():
                card = replace(card, id=cells["id"].strip())
            _add(cards, warnings, seen, card)
    except csv.Error as exc:
        raise DeckError(path, reader.line_num, f"bad row: {exc}") from exc
    return cards, warnings


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in _LIST_SPLIT.split(value) if item.strip())


# --- Anki .apkg --------------------------------------------------------------------------------


def import_apkg(path: Path) -> Deck:
    """An Anki package: a zip holding an SQLite collection; the first two fields of each note."""
    deck_id, name = slugify(path.stem), deck_name_from_stem(path.stem)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            member = next(
                (n for n in ("collection.anki21", "collection.anki2") if n in names), None
            )
            if member is None:
                raise DeckError(
                    str(path), 0, ".apkg in the new format: export as plain text from Anki"
                )
            info = archive.getinfo(member)
            if info.file_size > MAX_APKG_MEMBER_BYTES:
                raise DeckError(str(path), 0, "collection too large")
            data = archive.read(member)
    except (OSError, zipfile.BadZipFile) as exc:
        raise DeckError(str(path), 0, f"not a readable .apkg: {exc}") from exc
    db = sqlite3.connect(":memory:")
    try:
        db.deserialize(data)
        rows = db.execute("SELECT id, flds, tags FROM notes ORDER BY id").fetchall()
    except sqlite3.Error as exc:
        raise DeckError(str(path), 0, f"not an Anki collection: {exc}") from exc
    finally:
        db.close()
    cards: list[Card] = []
    warnings: list[DeckWarning] = []
    seen: dict[str, int] = {}
    for number, (_note_id, fields, tags) in enumerate(rows, start=1):
        parts = str(fields).split("\x1f")
        if len(parts) < 2:
            warnings.append(DeckWarning(number, "note has fewer than two fields; skipped"))
            continue
        try:
            card = _make_card(
                deck_id, str(path), number, parts[0], parts[1], True, tags=tuple(str(tags).split())
            )
        except DeckError as exc:
            warnings.append(DeckWarning(number, f"note skipped: {exc.message}"))
            continue
        _add(cards, warnings, seen, card)
    return Deck(deck_id, name, tuple(cards), path=str(path), warnings=tuple(warnings))
