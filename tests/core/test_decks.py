"""YAML decks -> validated Deck, a questions folder, and writing decks back (bot/core/decks.py)."""

from __future__ import annotations

import dataclasses
import os
import textwrap
from pathlib import Path

import pytest

from bot.core import decks as decks_module
from bot.core.decks import deck_to_yaml, load_deck, load_questions
from bot.core.models import Card, Deck, DeckError
from bot.core.notes import card_id_for

FIXTURES = Path(__file__).parent.parent / "fixtures"

GOOD = """\
deck:
  id: capitals
  name: Capitals
  description: European capitals
  tags: [geography]
cards:
  - id: fr
    question: Capital of France?
    answer: Paris
    accept: [paris]
    choices: [Paris, Lyon, Nice]
    tags: [europe]
  - question: Capital of Spain?
    answer: Madrid
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path) -> DeckError:
    with pytest.raises(DeckError) as info:
        load_deck(path)
    return info.value


def test_good_deck_loads_with_all_fields(tmp_path: Path) -> None:
    """Every field of the schema reaches the Card, with its line number."""
    deck = load_deck(write(tmp_path, "capitals.yaml", GOOD))
    assert (deck.id, deck.name, deck.description, deck.tags) == (
        "capitals",
        "Capitals",
        "European capitals",
        ("geography",),
    )
    fr = deck.card("fr")
    assert fr is not None
    assert (fr.question, fr.answer, fr.accept, fr.choices, fr.tags, fr.line) == (
        "Capital of France?",
        "Paris",
        ("paris",),
        ("Paris", "Lyon", "Nice"),
        ("europe",),
        7,
    )
    assert deck.cards[1].id == card_id_for("Capital of Spain?")
    assert deck.path.endswith("capitals.yaml")


def test_defaults_from_file_name(tmp_path: Path) -> None:
    """Without a `deck:` block the id is the slugified file stem and the name is the id."""
    deck = load_deck(write(tmp_path, "My Capitals.yml", "cards:\n- {question: 'Q?', answer: A}\n"))
    assert (deck.id, deck.name) == ("my-capitals", "my-capitals")


def test_yaml_booleans_numbers_and_dates_stay_as_written(tmp_path: Path) -> None:
    """`yes`, `no`, `42`, `3.5`, `0.10`, a date and `null`-looking quoted text keep their source text."""
    path = write(
        tmp_path,
        "d.yaml",
        """\
        cards:
          - question: Is water wet?
            answer: yes
            accept: [yes, y, on]
          - question: Is fire cold?
            answer: no
          - question: The answer to everything?
            answer: 42
            id: 0042
          - question: Pi to one decimal?
            answer: 3.5
            choices: [3.5, 0.10, 1e3]
          - question: Launch day?
            answer: 2024-01-02
          - question: Quoted null?
            answer: "null"
        """,
    )
    cards = load_deck(path).cards
    assert [c.answer for c in cards] == ["yes", "no", "42", "3.5", "2024-01-02", "null"]
    assert cards[0].accept == ("yes", "y", "on")
    assert cards[2].id == "0042"
    assert cards[3].choices == ("3.5", "0.10", "1e3")


def test_notes_file_loads_as_a_deck() -> None:
    """A notes .txt loads through the notes parser, id and name from its file name, warnings kept."""
    deck = load_deck(FIXTURES / "virtualization.txt")
    assert (deck.id, deck.name, len(deck.cards), len(deck.warnings)) == (
        "virtualization",
        "Virtualization",
        56,
        5,
    )


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("cards:\n  - question: Q?\n    answer: [unclosed\n", 4, "bad YAML"),
        ("cards:\n  - question: 'Q?\n", 3, "bad YAML"),
        ("cards:\n  - answer: A\n", 2, "no question"),
        ("cards:\n  - question: Q?\n    answer:\n", 3, "no answer"),
        ("cards:\n  - question: Q?\n", 2, "no answer"),
        (
            "cards:\n  - {id: a, question: 'Q?', answer: A}\n  - {id: a, question: 'R?', answer: B}\n",
            3,
            "duplicate card id 'a'",
        ),
        (
            "cards:\n  - {question: 'Q?', answer: A}\n  - {question: 'q ?', answer: B}\n",
            3,
            "duplicate card id",
        ),
        ("deck:\n  id: x\n  colour: red\ncards: []\n", 3, "unknown key 'colour'"),
        ("cards:\n  - question: Q?\n    answer: A\n    hint: h\n", 4, "unknown key 'hint'"),
        ("decks: []\n", 1, "unknown key 'decks'"),
        ("cards:\n  - question: Q?\n    answer: A\n    accept: a\n", 4, "accept must be a list"),
        ("cards:\n  - question: [Q]\n    answer: A\n", 2, "question must be text"),
        ("cards:\n  - question: Q?\n    answer: {a: 1}\n", 3, "answer must be text"),
        ("cards: {question: 'Q?'}\n", 1, "cards must be a list"),
        ("cards:\n  - just text\n", 2, "a card must be a mapping"),
        ("deck: {id: Bad Id}\ncards: []\n", 1, "deck id"),
        ("deck: {name: X}\n", 1, "no 'cards:'"),
        ("cards:\n  - question: Q?\n    question: R?\n    answer: A\n", 3, "duplicate key"),
        ("", 1, "empty deck file"),
        ("- a\n- b\n", 1, "must be a mapping"),
    ],
)
def test_each_error_names_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    """Every kind of bad deck raises DeckError with the file, the line and what is wrong."""
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    error = error_of(path)
    assert error.path == str(path)
    assert error.line == line, error
    assert words in error.message
    assert str(error).startswith(f"{path}:{line}: ")


def test_not_utf8_is_an_error_with_line(tmp_path: Path) -> None:
    """A file that is not UTF-8 is reported at the line of the first bad byte."""
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"cards:\n  - question: Caf\xe9?\n")
    assert error_of(path).line == 2


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deck file over the size limit is an error, not read into memory."""
    monkeypatch.setattr(decks_module, "MAX_DECK_BYTES", 100)
    path = write(tmp_path, "big.yaml", GOOD)
    assert "too large" in error_of(path).message


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    """Nested YAML aliases ("billion laughs") are rejected at their line, never expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 10)]
    path = write(
        tmp_path,
        "bomb.yaml",
        "cards:\n  - question: Q?\n    answer: A\n    tags:\n      - {" + ", ".join(lines) + "}\n",
    )
    error = error_of(path)
    assert error.line == 5 and "must be text" in error.message


def test_node_budget_limits_huge_decks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A deck with more YAML nodes than the budget is refused instead of hogging the bot."""
    monkeypatch.setattr(decks_module, "MAX_NODES", 50)
    cards = "".join(
        f"  - {{question: 'Q{i}?', answer: A, accept: &a{i} [x, y]}}\n" for i in range(20)
    )
    error = error_of(write(tmp_path, "huge.yaml", "cards:\n" + cards))
    assert "too complex" in error.message


def test_broken_deck_beside_good_ones_lets_them_load(tmp_path: Path) -> None:
    """load_questions collects a broken deck as an error and still loads the others."""
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b_broken.yaml", "cards:\n  - question: Q?\n")
    write(tmp_path, "sub/c.txt", "What is C?\nc\n")
    decks, errors = load_questions(tmp_path)
    assert [d.id for d in decks] == ["capitals", "c"]
    assert [(Path(e.path).name, e.line) for e in errors] == [("b_broken.yaml", 2)]


def test_duplicate_deck_id_is_an_error_naming_the_second_file(tmp_path: Path) -> None:
    """Two decks with one id: the first loads, the second is an error naming its file."""
    write(tmp_path, "a.yaml", GOOD)
    second = write(tmp_path, "b.yaml", GOOD)
    decks, errors = load_questions(tmp_path)
    assert [d.path for d in decks] == [str(tmp_path / "a.yaml")]
    assert errors[0].path == str(second) and "capitals" in errors[0].message


def test_hidden_files_readme_and_other_files_are_skipped(tmp_path: Path) -> None:
    """Hidden files and folders, README.md, the schema and unknown suffixes are not decks."""
    write(tmp_path, ".hidden.yaml", "not: [valid")
    write(tmp_path, ".git/x.yaml", "not: [valid")
    write(tmp_path, "README.md", "What is this?\nthe readme\n")
    write(tmp_path, "deck.schema.json", "{}")
    write(tmp_path, "notes.rst", "x")
    write(tmp_path, "ok.yml", GOOD)
    decks, errors = load_questions(tmp_path)
    assert [d.id for d in decks] == ["capitals"] and errors == []


def test_symlink_outside_the_folder_is_skipped_with_an_error(tmp_path: Path) -> None:
    """A deck symlinked from outside the questions folder is never read."""
    outside = write(tmp_path, "outside/secret.yaml", GOOD)
    folder = tmp_path / "questions"
    folder.mkdir()
    os.symlink(outside, folder / "linked.yaml")
    os.symlink(tmp_path / "outside", folder / "linked_dir")
    decks, errors = load_questions(folder)
    assert decks == []
    assert [Path(e.path).name for e in errors] == ["linked.yaml"]
    assert "outside" in errors[0].message


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    """Pointing at a folder that does not exist reports it instead of loading nothing silently."""
    decks, errors = load_questions(tmp_path / "nope")
    assert decks == [] and errors[0].message == "not a directory"


def _without_lines(deck: Deck) -> list[Card]:
    return [dataclasses.replace(c, line=None) for c in deck.cards]


def test_deck_to_yaml_round_trips(tmp_path: Path) -> None:
    """A written deck loads back to the same cards, multi-line answers in `|` blocks."""
    deck = Deck(
        id="mixed",
        name="Mixed — ünïcode",
        description="tricky values",
        tags=("t",),
        cards=(
            Card("mixed", "1234567890", "Is it?", "yes", accept=("yes", "no", "0.10")),
            Card("mixed", "abc", "List:", "one\ntwo\n  indented", tags=("x", "y")),
            Card("mixed", "img", "Which flag?", "", image="flag.png"),
            Card("mixed", "colon", "Key: value?", "a: b # not a comment", choices=("a: b", "c")),
        ),
    )
    text = deck_to_yaml(deck)
    assert "answer: |-" in text and "ünïcode" in text
    assert text.index("id: mixed") < text.index("name:") < text.index("cards:")
    path = tmp_path / "mixed.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_deck(path)
    assert (loaded.id, loaded.name, loaded.description, loaded.tags) == (
        deck.id,
        deck.name,
        deck.description,
        deck.tags,
    )
    assert _without_lines(loaded) == list(deck.cards)


def test_notes_round_trip_through_yaml_keeps_ids(tmp_path: Path) -> None:
    """Notes written as YAML and read back keep every card id, question and answer."""
    deck = load_deck(FIXTURES / "virtualization.txt")
    path = tmp_path / "virtualization.yaml"
    path.write_text(deck_to_yaml(deck), encoding="utf-8")
    assert _without_lines(load_deck(path)) == _without_lines(deck)
