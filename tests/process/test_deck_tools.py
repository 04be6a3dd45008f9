"""`quizbot validate` and `quizbot import` (bot/deck_tools.py)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from bot.core.decks import load_deck
from bot.core.limits import LIMITS
from bot.process.cli import build_parser
from bot.process.deck_tools import run_import, run_validate

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOOD = "deck: {id: good, name: Good}\ncards:\n  - question: Q?\n    answer: A\n"


def validate(paths: list[Path], as_json: bool = False, default_dir: Path | None = None):
    out = io.StringIO()
    code = run_validate(paths, as_json, out, default_dir=default_dir)
    return code, out.getvalue()


def test_validate_json_shape_and_exit_code_with_a_broken_deck(tmp_path: Path) -> None:
    """--json prints one object with decks and errors; a broken deck makes the exit code 1."""
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("cards:\n  - question: Q?\n", encoding="utf-8")
    code, text = validate([tmp_path], as_json=True)
    report = json.loads(text)
    assert code == 1
    assert report == {
        "decks": [
            {
                "id": "good",
                "name": "Good",
                "path": str(tmp_path / "good.yaml"),
                "cards": 1,
                "warnings": [],
            }
        ],
        "errors": [
            {"path": str(tmp_path / "bad.yaml"), "line": 2, "message": "card has no answer"}
        ],
    }


def test_validate_notes_reports_warnings_with_lines_and_exits_0() -> None:
    """Warnings are listed as path:line but do not fail validation."""
    code, text = validate([FIXTURES / "virtualization.txt"], as_json=True)
    deck = json.loads(text)["decks"][0]
    assert code == 0
    assert (deck["id"], deck["cards"]) == ("virtualization", 56)
    assert [w["line"] for w in deck["warnings"]] == [85, 102, 107, 264, 265]


def test_validate_human_report(tmp_path: Path) -> None:
    """The text report lists each deck, each warning and each error as path:line."""
    notes = FIXTURES / "virtualization.txt"
    code, text = validate([notes, tmp_path / "missing.yaml"])
    assert code == 1
    assert f"virtualization (56 cards) {notes}" in text
    assert f"{notes}:85: warning: " in text
    assert f"{tmp_path / 'missing.yaml'}:0: error: no such file or directory" in text


def test_validate_defaults_to_the_questions_folder() -> None:
    """Without paths it checks the questions folder it is given, and the shipped one passes."""
    code, text = validate([], as_json=True, default_dir=Path(__file__).parents[2] / "questions")
    assert code == 0
    assert "virtualization" in [d["id"] for d in json.loads(text)["decks"]]


def test_validate_same_deck_id_in_two_paths_is_an_error(tmp_path: Path) -> None:
    """The same deck given twice is an error naming the second file."""
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    code, text = validate([tmp_path / "a.yaml", tmp_path / "b.yaml"], as_json=True)
    assert code == 1
    assert json.loads(text)["errors"][0]["path"] == str(tmp_path / "b.yaml")


def test_import_to_stdout_puts_warnings_on_top_as_comments() -> None:
    """Without --out the YAML goes to stdout, led by the warnings as comments, and loads."""
    out, err = io.StringIO(), io.StringIO()
    assert run_import(FIXTURES / "virtualization.txt", None, out, err) == 0
    text = out.getvalue()
    assert text.startswith("# warning: ")
    assert text.count("# warning: ") == 5
    assert err.getvalue().count("warning") == 5
    assert "cards:\n  - id: " in text


def test_import_to_file_round_trips(tmp_path: Path) -> None:
    """With --out the deck is written to the file and loads back with the same cards."""
    target = tmp_path / "capitals.yaml"
    out, err = io.StringIO(), io.StringIO()
    assert run_import(FIXTURES / "cards.csv", target, out, err) == 0
    assert "wrote 3 card(s)" in out.getvalue()
    assert [c.answer for c in load_deck(target).cards] == ["Paris", "red\ngreen\nblue", "yes"]


def test_import_error_returns_1_with_file_and_line(tmp_path: Path) -> None:
    """A bad source prints path:line and returns 1, writing nothing."""
    source = tmp_path / "bad.csv"
    source.write_text("question,answer\nQ?,\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run_import(source, tmp_path / "out.yaml", out, err) == 1
    assert err.getvalue().startswith(f"{source}:2: error: ")
    assert not (tmp_path / "out.yaml").exists()


def test_validate_import_and_load_refuse_the_same_oversized_deck(tmp_path: Path) -> None:
    """A 100,000-card notes file is over the card limit for validate, import and the loader
    alike, at the line of the first card over; import writes nothing."""
    source = tmp_path / "huge.txt"
    source.write_text("".join(f"Question {i}?\nanswer {i}\n" for i in range(100_000)), "utf-8")
    over = 2 * LIMITS.cards + 1  # the question line of card number limit + 1
    code, report = validate([source])
    assert code == 1 and f"{source}:{over}: error: more than {LIMITS.cards} cards" in report
    out, err = io.StringIO(), io.StringIO()
    assert run_import(source, tmp_path / "huge.yaml", out, err) == 1
    assert err.getvalue().startswith(f"{source}:{over}: error: more than")
    assert not (tmp_path / "huge.yaml").exists()


def test_validate_warns_about_an_empty_notes_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    code, report = validate([empty])
    assert code == 0 and f"{empty}:1: warning: no cards found in empty.txt" in report


def test_every_report_line_is_one_line(tmp_path: Path) -> None:
    """A NUL byte and a 1 MB value still give one short line per problem."""
    (tmp_path / "nul.yaml").write_bytes(b"cards:\n  - question: Q?\n    answer: A\n  - q\x00\n")
    (tmp_path / "big.yaml").write_text("cards: " + "x" * 1_000_000 + "\n", encoding="utf-8")
    code, report = validate([tmp_path])
    lines = report.splitlines()
    assert code == 1 and len(lines) == 3  # two errors and the summary
    assert f"{tmp_path / 'nul.yaml'}:4: error:" in report
    assert all(len(line) < 500 for line in lines)


def test_validate_reports_a_symlink_loop_and_a_fifo_given_by_name(tmp_path: Path) -> None:
    """Paths named on the command line get the same one-line errors as in a folder."""
    loop, pipe = tmp_path / "loop.yaml", tmp_path / "pipe.yaml"
    loop.symlink_to(loop)
    os.mkfifo(pipe)
    code, report = validate([loop, pipe])
    assert code == 1
    assert f"{loop}:0: error: symlink loop" in report
    assert f"{pipe}:0: error: not a deck: a named pipe" in report


def test_import_format_option_forces_the_reader(tmp_path: Path) -> None:
    """`quizbot import --format quizlet` reads a file notes detection would not."""
    source = tmp_path / "french.txt"
    source.write_text("chien - dog\nchat - cat\n", encoding="utf-8")
    assert build_parser().parse_args(["import", str(source), "--format", "quizlet"]).fmt == (
        "quizlet"
    )
    out, err = io.StringIO(), io.StringIO()
    assert run_import(source, tmp_path / "f.yaml", out, err, fmt="quizlet") == 0
    assert [(c.question, c.answer) for c in load_deck(tmp_path / "f.yaml").cards] == [
        ("chien", "dog"),
        ("chat", "cat"),
    ]
    assert build_parser().parse_args(["import", "x.bin", "--format", "colpkg"]).fmt == "colpkg"


def test_import_an_anki_package_writes_yaml_that_loads_with_the_same_ids(tmp_path: Path) -> None:
    """A package from current Anki becomes a YAML deck with its Anki ids; its pictures cannot
    travel in YAML, so they are left out with a warning at the note's line."""
    target = tmp_path / "cells.yaml"
    out, err = io.StringIO(), io.StringIO()
    assert run_import(FIXTURES / "anki_modern.apkg", target, out, err) == 0
    assert "wrote 7 card(s)" in out.getvalue()
    assert f"{FIXTURES / 'anki_modern.apkg'}:1: warning: picture 'cell_diagram.png' left out" in (
        err.getvalue()
    )
    deck = load_deck(target)
    assert (deck.id, deck.name) == ("biology-cells", "Biology::Cells")
    assert [c.id for c in deck.cards][:3] == [
        "qb_3a_Basic_2f_1-0",
        "qbReversed2-0",
        "qbReversed2-1",
    ]
    assert all(c.image is None for c in deck.cards)


def test_import_refuses_an_unknown_format_name_in_one_line(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("Q::A\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert run_import(source, None, out, err, fmt="docx") == 1
    assert err.getvalue().count("\n") == 1 and "unknown format 'docx'" in err.getvalue()
