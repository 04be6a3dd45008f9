"""Other people's formats -> a Deck: notes, Anki plain-text export, Anki .apkg, CSV.

Everything becomes a plain `Deck` so `deck_to_yaml` can write it out for a person to review;
card ids are the question hash, so importing the same source again keeps learners' progress.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import closing
from dataclasses import replace
from pathlib import Path, PurePath

from bot.core.apkg import note_rows
from bot.core.decks import deck_name_from_stem, deck_to_yaml, load_deck, parse_yaml_deck, read_text
from bot.core.html_text import html_to_text as field_text
from bot.core.limits import (
    LIMITS,
    DeckLimits,
    card_problem,
    image_problem,
    long_line,
    too_many_cards,
)
from bot.core.models import Card, Deck, DeckError, DeckWarning
from bot.core.notes import card_id_for, parse_notes, slugify
from bot.core.text_bounds import one_line, snippet

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


def _no_cards(cards: list[Card], warnings: list[DeckWarning], path: str) -> None:
    if not cards:
        warnings.append(DeckWarning(1, f"no cards found in {PurePath(path).name}"))


HEADER_WARNINGS = 100
"""Warnings repeated as comments on top of an imported deck; the rest are counted."""


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
    warnings: list[DeckWarning],
    **extra: tuple[str, ...],
) -> Card | None:
    """A card from two fields, or None (with a warning) for an image-only note whose image
    cannot be shown; DeckError for a row with no question or answer, or over a limit."""
    question, q_image = _plain(question_field, html)
    answer, a_image = _plain(answer_field, html)
    if not question:
        raise DeckError(path, line, "row has no question")
    image = a_image or q_image
    if image is not None and image_problem(image):
        # Anki keeps media as files beside the notes; a file name is no URL a chat can show.
        warnings.append(DeckWarning(line, f"image '{snippet(image)}' is not an https URL; dropped"))
        image = None
        if not answer:
            warnings.append(DeckWarning(line, "image-only note without a usable image; skipped"))
            return None
    if not answer and not image:
        raise DeckError(path, line, "row has no answer")
    card = Card(deck_id, card_id_for(question), question, answer, image=image, line=line, **extra)
    if problem := card_problem(card):
        raise DeckError(path, line, problem[1])
    return card


def _add(
    cards: list[Card],
    warnings: list[DeckWarning],
    seen: dict[str, int],
    card: Card | None,
    path: str,
) -> None:
    """Keep the first card of a question; a repeat is a warning, as in notes."""
    if card is None:
        return
    line = card.line or 0
    if card.id in seen:
        warnings.append(
            DeckWarning(
                line,
                f'duplicate question "{snippet(card.question)}" (first at line {seen[card.id]})',
            )
        )
        return
    if len(cards) == LIMITS.cards:
        raise DeckError(path, line, too_many_cards())
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
            card = _make_card(deck_id, path, line, fields[0], fields[1], html, warnings, tags=tags)
            _add(cards, warnings, seen, card, path)
    except csv.Error as exc:
        raise DeckError(path, start + reader.line_num, f"bad row: {exc}") from exc
    _no_cards(cards, warnings, path)
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
        named = ", ".join(snippet(name) for name in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise DeckError(
            path,
            1,
            "header row must name question,answer (optional: accept, tags, choices, image, id)"
            + (f"; unknown column(s): {named}{more}" if unknown else ""),
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
                warnings,
                accept=_split_list(cells.get("accept", "")),
                choices=_split_list(cells.get("choices", "")),
                tags=_split_list(cells.get("tags", "")),
            )
            if card is not None and cells.get("image", "").strip():
                card = replace(card, image=cells["image"].strip())
                if problem := image_problem(card.image or ""):
                    raise DeckError(path, line, problem)
            if card is not None and cells.get("id", "").strip():
                card = replace(card, id=cells["id"].strip())
            _add(cards, warnings, seen, card, path)
    except csv.Error as exc:
        raise DeckError(path, reader.line_num, f"bad row: {exc}") from exc
    _no_cards(cards, warnings, path)
    return cards, warnings


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in _LIST_SPLIT.split(value) if item.strip())


# --- Anki .apkg --------------------------------------------------------------------------------


def import_apkg(path: Path, limits: DeckLimits = LIMITS) -> Deck:
    """An Anki package: the first two fields of each note (see `bot.core.apkg` for the traps)."""
    deck_id, name = slugify(path.stem), deck_name_from_stem(path.stem)
    cards: list[Card] = []
    warnings: list[DeckWarning] = []
    seen: dict[str, int] = {}
    with closing(note_rows(path, limits)) as rows:
        for number, (fields, tags) in enumerate(rows, start=1):
            parts = str(fields).split("\x1f")
            if len(parts) < 2:
                warnings.append(DeckWarning(number, "note has fewer than two fields; skipped"))
                continue
            try:
                card = _make_card(
                    deck_id,
                    str(path),
                    number,
                    parts[0],
                    parts[1],
                    True,
                    warnings,
                    tags=tuple(str(tags).split()),
                )
            except DeckError as exc:
                warnings.append(DeckWarning(number, f"note skipped: {exc.message}"))
                continue
            _add(cards, warnings, seen, card, str(path))
    _no_cards(cards, warnings, str(path))
    return Deck(deck_id, name, tuple(cards), path=str(path), warnings=tuple(warnings))
