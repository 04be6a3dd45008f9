"""Other people's formats -> a Deck: the one pipeline `quizbot import` and the chat import share.

`import_bytes` takes a file's name and bytes (an upload, or a file `import_source` read) and
returns a plain `Deck`: its format forced or told by extension and content, its size held to
the limit for its kind (`bot.core.limits`), card ids stable across re-imports (the question
hash; an Anki card's note guid and ord; a YAML card's id). Pure: nothing is fetched, and the
only I/O is the temporary copy of an Anki collection SQLite needs.

Formats (FORMATS): quizbot YAML, study notes, Obsidian spaced-repetition markdown, Quizlet's
export, CSV and TSV with a header row, Anki's plain-text export, and Anki packages (.apkg and
.colpkg, "colpkg" is accepted as a name for "apkg").
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path, PurePath

from bot.core.anki_import import read_package
from bot.core.decks import deck_name_from_stem, deck_to_yaml, decode_text, parse_yaml_deck
from bot.core.files import read_regular_file
from bot.core.limits import LIMITS, PACKAGE_SUFFIXES, DeckLimits, long_line
from bot.core.models import Card, Deck, DeckError, DeckWarning, MediaFile
from bot.core.notes import is_question, parse_notes, slugify
from bot.core.obsidian import DECK_TAG, parse_obsidian
from bot.core.tabular import (
    ANKI_HEADER,
    CSV_COLUMNS,
    html_to_text,
    looks_like_anki,
    one_line_rows,
    parse_anki_text,
    parse_csv,
    parse_quizlet,
    tab_rows,
)
from bot.core.text_bounds import one_line

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "HEADER_WARNINGS",
    "detect_format",
    "drop_media",
    "html_to_text",
    "import_apkg",
    "import_bytes",
    "import_source",
    "importable_yaml",
    "looks_like_anki",
    "parse_anki_text",
    "parse_csv",
    "upload_limit",
]

FORMATS = ("yaml", "notes", "obsidian", "quizlet", "csv", "tsv", "anki-text", "apkg")
ALIASES = {"colpkg": "apkg"}
"""Other names `--format` accepts for a format."""
KNOWN_SUFFIXES = frozenset({".yaml", ".yml", ".txt", ".md", ".csv", ".tsv", *PACKAGE_SUFFIXES})
"""Suffixes detected without `--format`; a file without one is told by its content."""
_ZIP_MAGIC = b"PK\x03\x04"
_YAML_START = re.compile(r"^(deck|cards)\s*:", re.MULTILINE)
_FENCES = ("```", "~~~")

NAME_CHARS = 100
"""A deck's name as shown (an Anki deck path can be long); its id is cut to ID_CHARS."""
ID_CHARS = 64

HEADER_WARNINGS = 100
"""Warnings repeated as comments on top of an imported deck; the rest are counted."""


def deck_slug(name: str) -> str:
    """The deck id for a name: its slug, at most ID_CHARS long."""
    return slugify(name)[:ID_CHARS].rstrip("-") or "deck"


def format_name(fmt: str | None, where: str) -> str | None:
    """`fmt` as one of FORMATS (aliases accepted), None for "detect"; DeckError if unknown."""
    if fmt is None:
        return None
    name = ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
    if name not in FORMATS:
        raise DeckError(where, 0, f"unknown format '{fmt}' (one of: {', '.join(FORMATS)})")
    return name


def upload_limit(filename: str, fmt: str | None = None, limits: DeckLimits = LIMITS) -> int:
    """Bytes a file of this name (and forced format) may have: a package, or text."""
    forced = ALIASES.get((fmt or "").lower(), (fmt or "").lower())
    if forced == "apkg" or PurePath(filename).suffix.lower() in PACKAGE_SUFFIXES:
        return limits.apkg_file_bytes
    return limits.text_file_bytes


# --- telling the format ----------------------------------------------------------------------


def looks_like_yaml(text: str) -> bool:
    """A quizbot YAML deck: a top-level `deck:` or `cards:` key."""
    return _YAML_START.search(text) is not None


def looks_like_obsidian(text: str) -> bool:
    """A `#flashcards` tag, or more of the plugin's card lines (`::`, `?`, `??`, `==x==`) than
    notes questions: a notes file with one `std::vector` line stays notes."""
    marks = questions = 0
    in_code = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(_FENCES):
            in_code = not in_code
            continue
        if in_code:
            continue
        if any(token == DECK_TAG or token.startswith(DECK_TAG + "/") for token in stripped.split()):
            return True
        if is_question(stripped):  # "What is std::vector for?" is a notes question
            questions += 1
        elif stripped in ("?", "??") or "::" in stripped or _highlight(stripped):
            marks += 1
    return marks > 0 and marks >= questions


def _highlight(line: str) -> bool:
    at = line.find("==")
    return at != -1 and line.find("==", at + 3) != -1 and not line[at + 2 : at + 3].isspace()


def known_type(filename: str) -> None:
    """DeckError for a suffix no importer detects (a file without one is read by content)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix and suffix not in KNOWN_SUFFIXES:
        raise DeckError(
            filename,
            0,
            f"cannot import {suffix} files (known: {', '.join(sorted(KNOWN_SUFFIXES))}; "
            f"or force a format: {', '.join(FORMATS)})",
        )


def detect_format(filename: str, data: bytes, text: str | None = None) -> str:
    """The format of a file by its extension, then its content; DeckError for a file type
    no importer reads (pass a format to read it anyway)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in PACKAGE_SUFFIXES or data.startswith(_ZIP_MAGIC):
        return "apkg"
    known_type(filename)
    if suffix in (".yaml", ".yml"):
        return "yaml"
    text = text if text is not None else data.decode("utf-8-sig", "replace")
    lines = [line for line in text.splitlines() if line.strip()]
    anki_header = bool(lines) and ANKI_HEADER.match(lines[0].lstrip("\ufeff")) is not None
    if suffix == ".csv":
        return "anki-text" if anki_header else "csv"
    if suffix == ".tsv":
        return "anki-text" if anki_header else "tsv"
    if anki_header:
        return "anki-text"
    if looks_like_yaml(text):
        return "yaml"
    if looks_like_obsidian(text):
        return "obsidian"
    if tab_rows(lines) or one_line_rows(lines):
        return "quizlet"
    return "notes"


# --- the pipeline ----------------------------------------------------------------------------


def import_bytes(
    filename: str,
    data: bytes,
    fmt: str | None = None,
    name: str | None = None,
    limits: DeckLimits = LIMITS,
) -> Deck:
    """A deck from a file's bytes; DeckError(filename, line, message) for anything that cannot
    be imported. `fmt` forces a format (FORMATS), `name` names the deck (its id is the name's
    slug; else the source's own deck name, else the file name). The deck has no owner; Anki
    pictures its cards show are in `Deck.media`."""
    forced = format_name(fmt, filename)
    suffix = PurePath(filename).suffix.lower()
    package = forced == "apkg" or (
        forced is None and (suffix in PACKAGE_SUFFIXES or data.startswith(_ZIP_MAGIC))
    )
    limit = limits.apkg_file_bytes if package else limits.text_file_bytes
    if len(data) > limit:
        raise DeckError(filename, 0, f"file too large ({len(data)} bytes, limit {limit})")
    stem = PurePath(filename).stem or "deck"
    given = one_line(name.strip(), NAME_CHARS) if name and name.strip() else None
    deck_id = deck_slug(given or stem)
    if package:
        cards, warnings, anki_name, media = read_package(data, filename, limits)
        return _deck(filename, cards, warnings, given or anki_name, stem, media)
    if forced is None:
        known_type(filename)  # an unknown file type is refused before decoding
    text = decode_text(data, filename, limits)
    kind = forced or detect_format(filename, data, text)
    if kind == "yaml":
        deck = parse_yaml_deck(text, filename, default_id=deck_id)
        if given is None:
            return deck
        return replace(
            deck,
            id=deck_id,
            name=given,
            cards=tuple(replace(card, deck_id=deck_id) for card in deck.cards),
        )
    if kind == "obsidian":
        cards, warnings, path = parse_obsidian(text, filename, deck_id, limits)
        return _deck(filename, cards, warnings, given or path, stem)
    parse = {
        "notes": lambda: parse_notes(text, filename, deck_id),
        "quizlet": lambda: parse_quizlet(text, filename, deck_id, limits),
        "csv": lambda: parse_csv(text, filename, deck_id, limits),
        "tsv": lambda: parse_csv(text, filename, deck_id, limits, "\t", header_optional=True),
        "anki-text": lambda: parse_anki_text(text, filename, deck_id, limits),
    }[kind]
    cards, warnings = parse()
    return _deck(filename, cards, warnings, given, stem)


def _deck(
    filename: str,
    cards: list[Card],
    warnings: list[DeckWarning],
    name: str | None,
    stem: str,
    media: tuple[MediaFile, ...] = (),
) -> Deck:
    shown = one_line(name or deck_name_from_stem(stem), NAME_CHARS)
    deck_id = deck_slug(shown)
    cards_of = tuple(c if c.deck_id == deck_id else replace(c, deck_id=deck_id) for c in cards)
    return Deck(
        deck_id,
        shown,
        cards_of,
        path=filename,
        warnings=tuple(warnings),
        media=media,
    )


def import_source(path: Path, fmt: str | None = None, limits: DeckLimits = LIMITS) -> Deck:
    """Read `path` (a regular file, size-checked before it is read) and import it."""
    where = str(path)
    forced = format_name(fmt, where)
    if forced is None and path.suffix.lower() not in PACKAGE_SUFFIXES:
        known_type(where)  # refused before anything is read
    data = read_regular_file(path, upload_limit(where, forced, limits))
    return import_bytes(where, data, forced, None, limits)


def drop_media(deck: Deck) -> Deck:
    """The deck without its pictures, for a YAML file (which cannot carry them): a card keeps
    its text, a picture-only card is left out; a warning for each card that lost something."""
    if not any(card.media_name for card in deck.cards):
        return replace(deck, media=())
    cards: list[Card] = []
    warnings = list(deck.warnings)
    for card in deck.cards:
        if card.media_name is None:
            cards.append(card)
            continue
        line = card.line or 0
        if card.answer.strip():
            cards.append(replace(card, image=None))
            warnings.append(DeckWarning(line, f"picture '{card.media_name}' left out of the YAML"))
        else:
            warnings.append(DeckWarning(line, f"card {card.id} is only a picture; left out"))
    warnings.sort(key=lambda w: w.line)
    return replace(deck, cards=tuple(cards), media=(), warnings=tuple(warnings))


def import_apkg(path: Path, limits: DeckLimits = LIMITS) -> Deck:
    """An Anki package on disk (see `bot.core.apkg` for the traps it avoids)."""
    data = read_regular_file(path, limits.apkg_file_bytes)
    return import_bytes(str(path), data, "apkg", None, limits)


def importable_yaml(deck: Deck, source: str, limits: DeckLimits = LIMITS) -> str:
    """The YAML `quizbot import` writes, warnings on top as comments, proven to load: it is
    read back by the loader under the same limits, so an import never writes a refused deck."""
    shown = deck.warnings[:HEADER_WARNINGS]
    header = "".join(f"# warning: {one_line(source)}:{w.line}: {w.message}\n" for w in shown)
    if len(deck.warnings) > len(shown):
        header += f"# ... and {len(deck.warnings) - len(shown)} more warning(s)\n"
    text = header + deck_to_yaml(deck)
    size = len(text.encode("utf-8"))
    if size > limits.text_file_bytes:
        raise DeckError(
            source,
            0,
            f"as YAML the deck would be {size} bytes, over the {limits.text_file_bytes} byte "
            "limit; split the source",
        )
    try:
        if found := long_line(text, limits):
            raise DeckError(source, found[0], f"a YAML line would be {found[1]} characters long")
        parse_yaml_deck(text, source, deck.id)
    except DeckError as exc:
        raise DeckError(source, 0, f"the YAML written would not load: {exc.message}") from exc
    return text
