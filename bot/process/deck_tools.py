"""`quizbot validate` and `quizbot import`: the deck author's tools, kept apart from argparse.

Both return an exit code and write to the streams they are given, so tests (and the CLI in
`bot/process/cli.py`) call them directly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bot.core.decks import load_deck, load_questions
from bot.core.importers import drop_media, import_source, importable_yaml
from bot.core.models import Deck, DeckError


def collect(paths: list[Path]) -> tuple[list[Deck], list[DeckError]]:
    """Decks and errors from files and directories; a deck id seen twice is an error."""
    decks: list[Deck] = []
    errors: list[DeckError] = []
    for path in paths:
        if path.is_dir():
            found, failed = load_questions(path)
            decks.extend(found)
            errors.extend(failed)
        elif path.exists() or path.is_symlink():  # a looping link is reported by the loader
            try:
                decks.append(load_deck(path))
            except DeckError as exc:
                errors.append(exc)
        else:
            errors.append(DeckError(str(path), 0, "no such file or directory"))
    unique: list[Deck] = []
    first: dict[str, str] = {}
    for deck in decks:
        if deck.id in first:
            errors.append(
                DeckError(deck.path, 1, f"deck id '{deck.id}' is already used by {first[deck.id]}")
            )
            continue
        first[deck.id] = deck.path
        unique.append(deck)
    return unique, errors


def run_validate(
    paths: list[Path], as_json: bool, out: TextIO, default_dir: Path | None = None
) -> int:
    """Check decks and report every warning and error; 1 if any deck failed to load, else 0."""
    if not paths:
        paths = [default_dir or Path("questions")]
    decks, errors = collect(paths)
    if as_json:
        report = {
            "decks": [
                {
                    "id": deck.id,
                    "name": deck.name,
                    "path": deck.path,
                    "cards": len(deck.cards),
                    "warnings": [{"line": w.line, "message": w.message} for w in deck.warnings],
                }
                for deck in decks
            ],
            "errors": [{"path": e.path, "line": e.line, "message": e.message} for e in errors],
        }
        out.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        for deck in decks:
            out.write(f"{deck.id} ({len(deck.cards)} cards) {deck.path}\n")
            for warning in deck.warnings:
                out.write(f"{deck.path}:{warning.line}: warning: {warning.message}\n")
        for error in errors:
            out.write(f"{error.path}:{error.line}: error: {error.message}\n")
        warned = sum(len(deck.warnings) for deck in decks)
        out.write(
            f"{len(decks)} deck(s), {sum(len(d.cards) for d in decks)} card(s), "
            f"{warned} warning(s), {len(errors)} error(s)\n"
        )
    return 1 if errors else 0


def run_import(
    source: Path,
    out_path: Path | None,
    out: TextIO,
    err: TextIO | None = None,
    fmt: str | None = None,
) -> int:
    """Convert `source` to a YAML deck (stdout without `out_path`); warnings go to `err`
    and, as comments, to the top of the YAML so a reviewer sees them too. What is written
    always loads: a deck over the limits is refused here, as `validate` and the loader would.
    `fmt` forces the source's format (see `bot.core.importers.FORMATS`). A YAML file cannot
    carry an Anki deck's pictures: they are left out with a warning (the chat import keeps
    them)."""
    err = err if err is not None else sys.stderr
    try:
        deck = drop_media(import_source(source, fmt))
        text = importable_yaml(deck, str(source))
    except DeckError as exc:
        err.write(f"{exc.path}:{exc.line}: error: {exc.message}\n")
        return 1
    for warning in deck.warnings:
        err.write(f"{source}:{warning.line}: warning: {warning.message}\n")
    if out_path is None:
        out.write(text)
        return 0
    try:
        out_path.write_text(text, encoding="utf-8")
    except OSError as exc:
        err.write(f"{out_path}: error: cannot write: {exc.strerror or exc}\n")
        return 1
    out.write(f"wrote {len(deck.cards)} card(s) to {out_path} ({len(deck.warnings)} warning(s))\n")
    return 0
