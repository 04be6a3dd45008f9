"""YAML decks -> validated Deck, a questions folder, and writing decks back (bot/core/decks.py)."""

from __future__ import annotations

import dataclasses
import os
import textwrap
from pathlib import Path

import pytest

from bot.core.decks import deck_to_yaml, load_deck, load_questions
from bot.core.limits import LIMITS
from bot.core.models import Card, Deck, DeckError
from bot.core.notes import card_id_for
from tests.guard import finishes

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


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    """A deck file over the size limit is an error, not read into memory."""
    path = write(tmp_path, "big.yaml", GOOD + "#" + "x" * 1000 + "\n" * LIMITS.text_file_bytes)
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


def test_node_budget_limits_huge_decks(tmp_path: Path) -> None:
    """A deck with more YAML nodes than the budget is refused instead of hogging the bot."""
    tags = "    tags:\n" + "      - t\n" * (LIMITS.yaml_nodes + 1)
    error = error_of(
        write(tmp_path, "huge.yaml", "cards:\n  - question: Q?\n    answer: A\n" + tags)
    )
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
            Card("mixed", "img", "Which flag?", "", image="https://example.org/flag.png"),
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


# --- what the folder holds besides decks ------------------------------------------------------


def test_fifo_named_like_a_deck_is_reported_and_never_opened(tmp_path: Path) -> None:
    """A named pipe called `*.yaml` is skipped with an error; opening it would block forever."""
    write(tmp_path, "good.yaml", GOOD)
    os.mkfifo(tmp_path / "pipe.yaml")
    decks, errors = finishes(load_questions, tmp_path)
    assert [d.id for d in decks] == ["capitals"]
    assert [(Path(e.path).name, e.line) for e in errors] == [("pipe.yaml", 0)]
    assert "named pipe" in errors[0].message


def test_fifo_given_by_name_is_refused_without_blocking(tmp_path: Path) -> None:
    """`quizbot validate pipe.yaml` reports it instead of waiting for a writer."""
    os.mkfifo(tmp_path / "pipe.yaml")
    assert "named pipe" in finishes(_message_of, tmp_path / "pipe.yaml")


def _message_of(path: Path) -> str:
    return error_of(path).message


def test_symlink_loops_are_reported_and_the_rest_loads(tmp_path: Path) -> None:
    """A symlink loop (and a link to itself) is one error each; the good deck still loads."""
    write(tmp_path, "good.yaml", GOOD)
    os.symlink(tmp_path / "b.yaml", tmp_path / "a.yaml")
    os.symlink(tmp_path / "a.yaml", tmp_path / "b.yaml")
    os.symlink(tmp_path / "self.yml", tmp_path / "self.yml")
    os.symlink(tmp_path, tmp_path / "sub")  # a folder loop is never entered
    decks, errors = load_questions(tmp_path)
    assert [d.id for d in decks] == ["capitals"]
    assert sorted((Path(e.path).name, e.message) for e in errors) == [
        ("a.yaml", "symlink loop"),
        ("b.yaml", "symlink loop"),
        ("self.yml", "symlink loop"),
    ]
    assert all("\n" not in str(e) for e in errors)


def test_symlink_to_a_deck_inside_the_folder_is_followed(tmp_path: Path) -> None:
    """A link to a regular deck file in the same folder loads like the file itself."""
    write(tmp_path, "decks/capitals.yaml", GOOD)
    os.symlink(tmp_path / "decks" / "capitals.yaml", tmp_path / "alias.yaml")
    decks, errors = load_questions(tmp_path)
    assert [d.path for d in decks] == [str(tmp_path / "alias.yaml")]
    assert [Path(e.path).name for e in errors] == ["capitals.yaml"]  # same deck id twice
    assert "already used" in errors[0].message


def test_dangling_symlink_is_reported(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone.yaml", tmp_path / "dangling.yaml")
    decks, errors = load_questions(tmp_path)
    assert decks == [] and "no such file" in errors[0].message


# --- limits and messages ---------------------------------------------------------------------


def test_nul_byte_is_reported_on_its_own_line_in_one_line(tmp_path: Path) -> None:
    """A control character on line 4 is an error at line 4, and the message is a single line."""
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"cards:\n  - question: Q?\n    answer: A\n  - question: B\x00?\n")
    error = error_of(path)
    assert error.line == 4
    assert "\n" not in str(error) and "U+0000" in error.message


def test_a_megabyte_scalar_gives_a_short_message(tmp_path: Path) -> None:
    """`cards: <1 MB>` is refused with a message of bounded length naming line 1."""
    path = write(tmp_path, "big.yaml", "cards: " + "x" * 1_000_000 + "\n")
    error = error_of(path)
    assert error.line == 1 and len(str(error)) < len(str(path)) + 400


def test_scalar_quoted_in_a_message_is_cut_short(tmp_path: Path) -> None:
    path = write(tmp_path, "short.yaml", "cards: " + "x" * 10_000 + "\n")
    error = error_of(path)
    assert error.line == 1 and "…" in error.message and len(error.message) <= LIMITS.message_chars


def test_card_over_a_length_limit_is_refused_with_its_line(tmp_path: Path) -> None:
    """An answer longer than the limit names the line of the answer."""
    long_answer = "word " * (LIMITS.answer_chars // 5 + 1)
    path = write(tmp_path, "long.yaml", f"cards:\n  - question: Q?\n    answer: {long_answer}\n")
    error = error_of(path)
    assert error.line == 3 and "answer is" in error.message and "limit" in error.message


def test_too_many_cards_is_refused_at_the_first_card_over(tmp_path: Path) -> None:
    cards = "".join(f"- {{question: 'Q{i}?', answer: A}}\n" for i in range(LIMITS.cards + 1))
    error = error_of(write(tmp_path, "many.yaml", "cards:\n" + cards))
    assert error.line == LIMITS.cards + 2 and f"more than {LIMITS.cards} cards" in error.message


@pytest.mark.parametrize(
    "image",
    [
        "paste-logo.png",
        "http://example.org/a.png",
        "file:///etc/passwd",
        "https://",
        "javascript:x",
    ],
)
def test_image_that_is_not_an_https_url_is_an_error(tmp_path: Path, image: str) -> None:
    """Discord refuses an embed image that is not a URL; validate says so at the image line."""
    text = f"cards:\n  - question: Q?\n    answer: A\n    image: '{image}'\n"
    error = error_of(write(tmp_path, "img.yaml", text))
    assert error.line == 4 and "https" in error.message


def test_https_image_is_kept(tmp_path: Path) -> None:
    text = "cards:\n  - question: Q?\n    answer: ''\n    image: https://example.org/a.png\n"
    assert (
        load_deck(write(tmp_path, "img.yaml", text)).cards[0].image == "https://example.org/a.png"
    )


def test_empty_notes_file_warns_no_cards_found(tmp_path: Path) -> None:
    """An empty notes file loads as a 0-card deck with a warning naming the file."""
    deck = load_deck(write(tmp_path, "empty.txt", ""))
    assert deck.cards == ()
    assert [w.message for w in deck.warnings] == ["no cards found in empty.txt"]
