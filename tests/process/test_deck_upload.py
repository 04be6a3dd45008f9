"""Parsing an upload in a child process with a time budget (bot/process/deck_upload.py)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bot.core.errors import ImportRefused
from bot.core.models import DeckError
from bot.process.deck_upload import UploadParser, _parse_in_child

NOTES = b"What is ATP?\nenergy currency\n\nWhat is a cell?\n"


async def test_an_upload_is_parsed_in_a_child_and_named_like_the_upload() -> None:
    deck = await UploadParser(budget=60)("week 3/Cell Biology.txt", NOTES, None, None)
    assert (deck.id, deck.name, deck.path) == ("cell-biology", "Cell Biology", "Cell Biology.txt")
    assert [c.question for c in deck.cards] == ["What is ATP?"]
    assert [w.line for w in deck.warnings] == [4]
    named = await UploadParser(budget=60)("x.txt", NOTES, None, "Energy, week 3")
    assert (named.id, named.name) == ("energy-week-3", "Energy, week 3")
    assert {c.deck_id for c in named.cards} == {"energy-week-3"}


async def test_an_error_names_the_upload_and_its_line_not_a_temporary_file() -> None:
    yaml = b"deck: {id: bio}\ncards:\n  - {question: 'Q?', answer: 'A'}\n  - {question: 'R?'}\n"
    with pytest.raises(DeckError) as error:
        await UploadParser(budget=60)("bio.yaml", yaml, None, None)
    assert (error.value.path, error.value.line) == ("bio.yaml", 4)
    assert "quizbot-upload" not in str(error.value)


def test_a_forced_format_reads_the_bytes_as_that_kind() -> None:
    rows = b"Capital of France?\tParis\nCapital of Peru?\tLima\n"
    deck = _parse_in_child("capitals.txt", rows, "tsv", None)
    assert [(c.question, c.answer) for c in deck.cards][:1] == [("Capital of France?", "Paris")]
    assert len(deck.cards) == 2


async def test_a_parse_past_its_budget_is_killed_while_the_loop_keeps_answering(
    tmp_path: Path,
) -> None:
    """A child that never finishes: the loop answers other work meanwhile, the upload is
    refused with one line after the budget, and the child is gone."""
    pid_file = tmp_path / "pid"
    parser = UploadParser(budget=3, program="tests.process.stuck_parser")
    upload = asyncio.create_task(parser("huge.apkg", b"PK\x03\x04", None, str(pid_file)))
    for _ in range(10_000):  # until the child runs; the loop turns meanwhile
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.01)
    answered = 0
    for _ in range(20):  # other members' clicks: each a turn of the loop
        await asyncio.sleep(0)
        answered += 1
    assert answered == 20 and not upload.done()
    with pytest.raises(ImportRefused) as refused:
        await upload
    message = str(refused.value)
    assert "huge.apkg" in message and "3 seconds" in message and "\n" not in message
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


async def test_a_crashing_parser_is_refused_with_one_line(tmp_path: Path) -> None:
    parser = UploadParser(budget=60, program="tests.process.no_such_module")
    with pytest.raises(ImportRefused, match="could not be read") as refused:
        await parser("deck.apkg", b"x", None, None)
    assert "\n" not in str(refused.value)
