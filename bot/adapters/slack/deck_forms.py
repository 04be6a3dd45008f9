"""The deck modals' ids and what a submission of them says, read strictly.

A view submission is untrusted: its state is read by block and action id, its private_metadata
parsed as the JSON this module wrote, and anything missing or odd becomes a field error the modal
shows (Slack keeps it open) or None.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

IMPORT_VIEW = "deck.import"
ADD_VIEW = "deck.add"
REMOVE = "deck.remove"
KEEP = "deck.keep"

FILE_BLOCK, FILE_INPUT = "file", "file"
PASTE_BLOCK, PASTE_INPUT = "paste", "text"
NAME_BLOCK, NAME_INPUT = "name", "name"
CODE_BLOCK, CODE_INPUT = "code", "code"
QUESTION_BLOCK, QUESTION_INPUT = "question", "text"
ANSWER_BLOCK, ANSWER_INPUT = "answer", "text"
ACCEPT_BLOCK, ACCEPT_INPUT = "accept", "text"

FILETYPES = ("apkg", "colpkg", "txt", "md", "csv", "tsv", "yaml", "yml")
PASTE_CHARS = 3000
"""Slack's most for a text input: a paste is a few cards, a file is for more."""
NAME_CHARS = 100
CODE_CHARS = 64
CARD_CHARS = 3000
ACCEPT_ITEMS = 25

NEED_SOMETHING = "Choose a file, paste some cards, or enter a share code."
ONLY_ONE = "Use one of the three: a file, pasted cards, or a share code."
NEED_NAME = "Name the pasted deck: its id is made from the name."
_VALUE = re.compile(r"^(U[A-Z0-9]{1,20}|W[A-Z0-9]{1,20}):(\d{1,12}):(.{1,300})$", re.S)


@dataclass(frozen=True, slots=True)
class Where:
    """Where a modal's outcome is told: the command's response_url (ephemeral), its channel."""

    response_url: str = ""
    channel: str = ""

    def dump(self, **extra: str) -> str:
        return json.dumps({"u": self.response_url, "c": self.channel, **extra})


def parse_where(text: str) -> tuple[Where, dict[str, Any]]:
    """The Where and the rest of a modal's private_metadata; an empty Where if malformed."""
    try:
        data = json.loads(text)
        url, channel = str(data.get("u", "")), str(data.get("c", ""))
    except (ValueError, AttributeError, TypeError):
        return Where(), {}
    if url and not url.startswith(("https://", "http://")):
        url = ""
    return Where(url, channel), data


def _state(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    """One input's state; {} for anything not shaped as Slack sends it."""
    found: Any = view
    for key in ("state", "values", block, action):
        found = found.get(key) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def _text(view: dict[str, Any], block: str, action: str) -> str:
    value = _state(view, block, action).get("value")
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class ImportForm:
    """A submitted import modal: one source (a file id, pasted text or a share code)."""

    where: Where
    file_id: str = ""
    text: str = ""
    code: str = ""
    name: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def read_import(view: dict[str, Any]) -> ImportForm:
    where, _ = parse_where(str(view.get("private_metadata") or ""))
    files = _state(view, FILE_BLOCK, FILE_INPUT).get("files")
    file_id = ""
    if isinstance(files, list) and files and isinstance(files[0], dict):
        file_id = str(files[0].get("id") or "")
    text = _text(view, PASTE_BLOCK, PASTE_INPUT)
    code = _text(view, CODE_BLOCK, CODE_INPUT)
    name = " ".join(_text(view, NAME_BLOCK, NAME_INPUT).split())
    given = [b for b, v in ((FILE_BLOCK, file_id), (PASTE_BLOCK, text), (CODE_BLOCK, code)) if v]
    errors: dict[str, str] = {}
    if not given:
        errors[FILE_BLOCK] = NEED_SOMETHING
    for block in given[1:]:
        errors[block] = ONLY_ONE
    if text and not name and not errors:
        errors[NAME_BLOCK] = NEED_NAME
    return ImportForm(where, file_id, text, code, name, errors)


@dataclass(frozen=True, slots=True)
class CardForm:
    """A submitted add-a-card modal."""

    where: Where
    deck_id: str
    question: str
    answer: str
    accept: tuple[str, ...]
    errors: dict[str, str] = field(default_factory=dict)


def read_card(view: dict[str, Any]) -> CardForm:
    where, data = parse_where(str(view.get("private_metadata") or ""))
    deck_id = str(data.get("d", ""))
    question = _text(view, QUESTION_BLOCK, QUESTION_INPUT)
    answer = _text(view, ANSWER_BLOCK, ANSWER_INPUT)
    accept = split_accept(_text(view, ACCEPT_BLOCK, ACCEPT_INPUT))
    errors: dict[str, str] = {}
    if not question:
        errors[QUESTION_BLOCK] = "Write the question."
    if not answer:
        errors[ANSWER_BLOCK] = "Write the answer."
    if len(accept) > ACCEPT_ITEMS:
        errors[ACCEPT_BLOCK] = f"At most {ACCEPT_ITEMS} short answers."
    if not deck_id and not errors:
        errors[QUESTION_BLOCK] = "This form lost its deck; close it and run the command again."
    return CardForm(where, deck_id, question, answer, accept, errors)


def split_accept(text: str) -> tuple[str, ...]:
    """Short answers, one a line (commas also separate), blanks and repeats dropped."""
    items = (part.strip() for line in text.splitlines() for part in line.split(","))
    return tuple(dict.fromkeys(item for item in items if item))


def remove_value(user: str, until: int, deck_id: str) -> str:
    return f"{user}:{until}:{deck_id}"


def parse_remove(value: object) -> tuple[str, int, str] | None:
    """(who asked, until when, deck id) from a Remove/Keep button; None if it was not ours."""
    match = _VALUE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    return match.group(1), int(match.group(2)), match.group(3)
