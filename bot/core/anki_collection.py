"""What an Anki collection holds, read into plain values: note types, decks, notes, cards.

Two schemas are in use. Packages from current Anki (collection.anki21b) are schema 18: note
types, their fields and templates, and decks live in the `notetypes`, `fields`, `templates` and
`decks` tables, the templates' formats and the note type's kind in protobuf `config` columns,
deck names joined by "\\x1f". Legacy packages (collection.anki21 / .anki2) are schema 11: note
types and decks are JSON in the `col` row, deck names joined by "::". Both are read here; a
collection with neither (a bare `notes` table) is read as "first two fields of each note".
Values from the file are never trusted to have their declared types.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.core import wire
from bot.core.apkg import Package
from bot.core.limits import too_many_cards

FIELD_SEPARATOR = "\x1f"
_CLOZE_KIND = 1
_MODELS_JSON_CHARS = 8 << 20
"""The `col` row's JSON of note types and decks: far more than any real collection needs."""
CARD_ROWS_PER_LIMIT = 5
"""Card rows read per card a deck may have: a package with more is over the limit anyway."""


@dataclass(frozen=True, slots=True)
class Template:
    ord: int
    name: str
    front: str
    back: str


@dataclass(frozen=True, slots=True)
class NoteType:
    id: int
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: tuple[Template, ...]


@dataclass(frozen=True, slots=True)
class Note:
    number: int
    """1-based position in id order: the "line" warnings name."""
    id: int
    guid: str
    notetype: int | None
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Collection:
    notetypes: dict[int, NoteType]
    decks: dict[int, str]
    """Deck id -> name, "Parent::Child"."""
    cards: dict[int, list[tuple[int, int]]] | None
    """Note id -> its cards as (ord, deck id), in ord order; None if the table is missing."""


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return -1


def read_collection(package: Package) -> Collection:
    """Note types, deck names and cards; DeckError if what is there is not plain tables."""
    if not package.table("notes"):
        raise package.error("not an Anki collection: it has no 'notes' table")
    if package.table("notetypes"):
        notetypes, decks = _schema18(package)
    elif package.table("col"):
        notetypes, decks = _schema11(package)
    else:
        notetypes, decks = {}, {}
    cards: dict[int, list[tuple[int, int]]] | None = None
    if package.table("cards"):
        cards = {}
        most = package.limits.cards * CARD_ROWS_PER_LIMIT
        rows = package.rows(
            "SELECT nid, ord, did FROM cards ORDER BY nid, ord LIMIT ?", (most + 1,)
        )
        for number, (nid, ord_, did) in enumerate(rows, start=1):
            if number > most:
                raise package.error(too_many_cards(package.limits))
            cards.setdefault(_int(nid), []).append((_int(ord_), _int(did)))
    return Collection(notetypes, decks, cards)


def _schema18(package: Package) -> tuple[dict[int, NoteType], dict[int, str]]:
    for name in ("fields", "templates", "decks"):
        if not package.table(name):
            raise package.error(f"not an Anki collection: it has no '{name}' table")
    fields: dict[int, list[str]] = {}
    for ntid, name in package.rows("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(_int(ntid), []).append(_text(name))
    templates: dict[int, list[Template]] = {}
    rows = package.rows("SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord")
    for ntid, ord_, name, config in rows:
        front, back = _template_formats(package, config)
        templates.setdefault(_int(ntid), []).append(Template(_int(ord_), _text(name), front, back))
    notetypes: dict[int, NoteType] = {}
    for ntid, name, config in package.rows("SELECT id, name, config FROM notetypes"):
        key = _int(ntid)
        try:
            kind = wire.number(config if isinstance(config, bytes) else b"", 1)
        except ValueError as exc:
            raise package.error(f"note type '{_text(name)[:60]}' is unreadable ({exc})") from exc
        notetypes[key] = NoteType(
            key,
            _text(name),
            kind == _CLOZE_KIND,
            tuple(fields.get(key, ())),
            tuple(templates.get(key, ())),
        )
    decks = {
        _int(did): _text(name).replace(FIELD_SEPARATOR, "::")
        for did, name in package.rows("SELECT id, name FROM decks")
    }
    return notetypes, decks


def _template_formats(package: Package, config: object) -> tuple[str, str]:
    """(question format, answer format) from a template's protobuf config."""
    try:
        data = config if isinstance(config, bytes) else b""
        return wire.text(data, 1), wire.text(data, 2)
    except (ValueError, UnicodeDecodeError) as exc:
        raise package.error(f"a card template is unreadable ({exc})") from exc


def _schema11(package: Package) -> tuple[dict[int, NoteType], dict[int, str]]:
    columns = package.columns("col")
    if not {"models", "decks"} <= columns:
        return {}, {}
    row = next(package.rows("SELECT models, decks FROM col LIMIT 1"), None)
    if row is None:
        return {}, {}
    models, decks = (
        _json_object(package, value, what)
        for value, what in zip(row, ("note types", "decks"), strict=True)
    )
    notetypes: dict[int, NoteType] = {}
    for key, model in models.items():
        if not isinstance(model, dict):
            continue
        ntid = _int(model.get("id", key))
        notetypes[ntid] = NoteType(
            ntid,
            _text(model.get("name")),
            model.get("type") == _CLOZE_KIND,
            tuple(_text(f.get("name")) for f in _ordered(model.get("flds"))),
            tuple(
                Template(
                    _int(t.get("ord")),
                    _text(t.get("name")),
                    _text(t.get("qfmt")),
                    _text(t.get("afmt")),
                )
                for t in _ordered(model.get("tmpls"))
            ),
        )
    names = {
        _int(deck.get("id", key)): _text(deck.get("name"))
        for key, deck in decks.items()
        if isinstance(deck, dict)
    }
    return notetypes, names


def _json_object(package: Package, value: object, what: str) -> dict[str, Any]:
    text = _text(value)
    if len(text) > _MODELS_JSON_CHARS:
        raise package.error(f"the collection's {what} are over {_MODELS_JSON_CHARS} characters")
    try:
        found = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise package.error(f"the collection's {what} are unreadable JSON") from exc
    if not isinstance(found, dict):
        raise package.error(f"the collection's {what} are not a JSON object")
    return found


def _ordered(items: object) -> list[dict[str, Any]]:
    """A JSON list of fields or templates, dicts only, in their `ord` order."""
    if not isinstance(items, list):
        return []
    found = [item for item in items if isinstance(item, dict)]
    return sorted(found, key=lambda item: _int(item.get("ord", 0)))


def notes(package: Package) -> Iterator[Note]:
    """Every note in id order (its position is the "line" of warnings)."""
    columns = package.columns("notes")
    full = {"guid", "mid"} <= columns
    sql = (
        "SELECT id, guid, mid, flds, tags FROM notes ORDER BY id"
        if full
        else "SELECT id, NULL, NULL, flds, tags FROM notes ORDER BY id"
    )
    for number, (nid, guid, mid, flds, tags) in enumerate(package.rows(sql), start=1):
        yield Note(
            number,
            _int(nid),
            _text(guid) if full else "",
            _int(mid) if full else None,
            tuple(_text(flds).split(FIELD_SEPARATOR)),
            tuple(_text(tags).split()),
        )
