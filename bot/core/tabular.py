"""Rows of cards: Anki's plain-text export, CSV/TSV with a header row, Quizlet's export.

Card ids are the question hash, so importing the same file again keeps learners' progress. A
row that cannot be a card (no question, no answer, over a limit) is a DeckError at its line;
an image that is a file name (Anki keeps pictures beside the notes, not at a URL) is dropped
with a warning, since no chat can show a bare file name.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

from bot.core.collect import Collector
from bot.core.html_text import field_text
from bot.core.limits import LIMITS, DeckLimits, card_problem, image_problem
from bot.core.models import Card, DeckError, DeckWarning
from bot.core.notes import card_id_for
from bot.core.text_bounds import snippet

_SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
ANKI_HEADER = re.compile(r"^#([a-z ]+):(.*)$", re.IGNORECASE)
_HTML_HINT = re.compile(r"<(br|div|p|img|b|i|u|span|ul|ol|li)\b|&(nbsp|amp|lt|gt|quot);", re.I)
_SOUND = re.compile(r"\[sound:[^\[\]]*\]")
_LIST_SPLIT = re.compile(r"[|;]")
CSV_COLUMNS = ("id", "question", "answer", "accept", "choices", "tags", "image")
QUIZLET_TERM_SEPARATORS = ("\t", " - ", ",")
"""Quizlet's export puts a tab (or a comma, or a custom text) between term and definition."""


def looks_like_anki(text: str) -> bool:
    """Anki headers (`#separator:tab`), or tab-separated rows: notes have no tabs."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    if ANKI_HEADER.match(lines[0].lstrip("\ufeff")):
        return True
    return tab_rows(lines)


def tab_rows(lines: list[str]) -> bool:
    """Most non-empty lines hold a tab: rows of fields, not prose."""
    return sum("\t" in line for line in lines) * 2 > len(lines)


def html_to_text(field: str) -> tuple[str, str | None]:
    """The field's text (tidy lines) and its first image, `[sound:...]` dropped."""
    return field_text(field)


def _plain(field: str, html: bool) -> tuple[str, str | None]:
    if html:
        return html_to_text(field)
    return _SOUND.sub("", field).strip(), None


def make_card(
    deck_id: str,
    found: Collector,
    line: int,
    question_field: str,
    answer_field: str,
    html: bool,
    **extra: tuple[str, ...],
) -> Card | None:
    """A card from two fields, or None (with a warning) for an image-only note whose image
    cannot be shown; DeckError for a row with no question or answer, or over a limit."""
    question, q_image = _plain(question_field, html)
    answer, a_image = _plain(answer_field, html)
    if not question:
        raise DeckError(found.path, line, "row has no question")
    image = a_image or q_image
    if image is not None and image_problem(image, found.limits):
        # Anki keeps media as files beside the notes; a file name is no URL a chat can show.
        found.warn(line, f"image '{snippet(image)}' is not an https URL; dropped")
        image = None
        if not answer:
            found.warn(line, "image-only note without a usable image; skipped")
            return None
    if not answer and not image:
        raise DeckError(found.path, line, "row has no answer")
    card = Card(deck_id, card_id_for(question), question, answer, image=image, line=line, **extra)
    if problem := card_problem(card, found.limits):
        raise DeckError(found.path, line, problem[1])
    return card


# --- Anki plain text ---------------------------------------------------------------------------


def parse_anki_text(
    text: str, path: str, deck_id: str, limits: DeckLimits = LIMITS
) -> tuple[list[Card], list[DeckWarning]]:
    """Anki "Notes in Plain Text" export: `#key:value` headers, then one note per record."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    headers: dict[str, str] = {}
    start = 0
    while start < len(lines) and (match := ANKI_HEADER.match(lines[start].rstrip("\r\n"))):
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
    found = Collector(path, limits)
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
            found.add(make_card(deck_id, found, line, fields[0], fields[1], html, tags=tags))
    except csv.Error as exc:
        raise DeckError(path, start + reader.line_num, f"bad row: {exc}") from exc
    return found.result()


def _separator(value: str | None, body: str, path: str) -> str:
    if value is None:
        return "\t" if "\t" in body else ","
    named = _SEPARATORS.get(value.lower())
    if named:
        return named
    if len(value) == 1:
        return value
    raise DeckError(path, 1, f"unknown #separator '{value}'")


# --- CSV and TSV with a header row --------------------------------------------------------------


def parse_csv(
    text: str,
    path: str,
    deck_id: str,
    limits: DeckLimits = LIMITS,
    delimiter: str | None = None,
    header_optional: bool = False,
) -> tuple[list[Card], list[DeckWarning]]:
    """CSV with a header row naming its columns: question, answer, and optionally accept, tags,
    choices, image, id. The delimiter is guessed from the header row (`,`, `;` or tab) unless
    given; with `header_optional` (TSV) a first row that names no columns is a card."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        row = next(reader, [])
    except csv.Error as exc:
        raise DeckError(path, 1, f"bad header row: {exc}") from exc
    header = [name.strip().lower() for name in row]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    found = Collector(path, limits)
    previous = reader.line_num
    if header_optional and (unknown or "question" not in header):
        header, previous = ["question", "answer"], 0
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    elif unknown or "question" not in header or "answer" not in header:
        named = ", ".join(snippet(name) for name in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise DeckError(
            path,
            1,
            "header row must name question,answer (optional: accept, tags, choices, image, id)"
            + (f"; unknown column(s): {named}{more}" if unknown else ""),
        )
    try:
        for row in reader:
            line, previous = previous + 1, reader.line_num
            if not any(field.strip() for field in row):
                continue
            if len(row) > len(header) and not header_optional:
                raise DeckError(path, line, f"row has {len(row)} fields, header has {len(header)}")
            found.add(_csv_card(deck_id, found, line, dict(zip(header, row, strict=False))))
    except csv.Error as exc:
        raise DeckError(path, reader.line_num, f"bad row: {exc}") from exc
    return found.result()


def _csv_card(deck_id: str, found: Collector, line: int, cells: dict[str, str]) -> Card | None:
    card = make_card(
        deck_id,
        found,
        line,
        cells.get("question", ""),
        cells.get("answer", ""),
        False,
        accept=_split_list(cells.get("accept", "")),
        choices=_split_list(cells.get("choices", "")),
        tags=_split_list(cells.get("tags", "")),
    )
    if card is not None and cells.get("image", "").strip():
        card = replace(card, image=cells["image"].strip())
        if problem := image_problem(card.image or "", found.limits):
            raise DeckError(found.path, line, problem)
    if card is not None and cells.get("id", "").strip():
        card = replace(card, id=cells["id"].strip())
    return card


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in _LIST_SPLIT.split(value) if item.strip())


# --- Quizlet -----------------------------------------------------------------------------------


def parse_quizlet(
    text: str, path: str, deck_id: str, limits: DeckLimits = LIMITS
) -> tuple[list[Card], list[DeckWarning]]:
    """Quizlet's export: a term, a separator, its definition, one card a row; no quoting.

    The separator is a tab (Quizlet's default), else " - " or a comma when every row has one;
    rows end at a line break, or at ";" when the export put every row on one line (Quizlet's
    "semicolon between rows"). A line without a separator continues the definition above it
    (Quizlet writes a definition's line breaks as they are). Old Anki exports without headers
    are such rows too, in HTML: HTML is read as HTML only when it appears.
    """
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    rows = one_line_rows(lines) or list(enumerate(lines, start=1))
    separator = _term_separator([row for _, row in rows if row.strip()])
    html = bool(_HTML_HINT.search(text))
    found = Collector(path, limits)
    pending: list[tuple[int, str, list[str]]] = []
    extra_line = 0
    for line, row in rows:
        if not row.strip():
            continue
        if separator not in row:
            if not pending:
                raise DeckError(
                    path, line, f"row has no {_named(separator)} between term and definition"
                )
            pending[-1][2].append(row)
            continue
        term, definition = row.split(separator, 1)
        if separator == "\t" and "\t" in definition:
            definition = definition.split("\t", 1)[0]
            extra_line = extra_line or line
        pending.append((line, term, [definition]))
    if extra_line:
        found.warn(extra_line, "rows have more than two tab-separated fields; the rest is ignored")
    for line, term, definition in pending:
        answer = "\n".join(part.strip() for part in definition).strip()
        found.add(make_card(deck_id, found, line, term, answer, html))
    return found.result()


def one_line_rows(lines: list[str]) -> list[tuple[int, str]] | None:
    """The rows of an export with every row on one line, ";" between rows (Quizlet's
    "semicolon" option), when each row has a term separator; else None."""
    filled = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if len(filled) != 1:
        return None
    number, line = filled[0]
    pieces = [piece for piece in line.split(";") if piece.strip()]
    if len(pieces) < 2 or not any(all(sep in p for p in pieces) for sep in QUIZLET_TERM_SEPARATORS):
        return None
    return [(number, piece) for piece in pieces]


def _term_separator(rows: list[str]) -> str:
    if not rows or any("\t" in row for row in rows):
        return "\t"
    return next((sep for sep in QUIZLET_TERM_SEPARATORS[1:] if all(sep in r for r in rows)), "\t")


def _named(separator: str) -> str:
    return {"\t": "tab", ",": "comma"}.get(separator, f"'{separator.strip()}'")
