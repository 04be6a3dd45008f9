"""Plain study notes -> cards (bot/core/notes.py)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.models import DeckError
from bot.core.notes import card_id_for, is_question, normalise_question, parse_notes, slugify
from tests.guard import finishes

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEED = (FIXTURES / "virtualization.txt").read_text(encoding="utf-8")


def parse(text: str, deck_id: str = "notes"):
    return parse_notes(text, "notes.txt", deck_id)


def by_question(cards, question: str):
    return next(c for c in cards if c.question == question)


def test_seed_notes_give_56_cards_and_5_warnings() -> None:
    """The virtualization notes give exactly 56 answerable cards and 5 warnings."""
    cards, warnings = parse(SEED, "virtualization")
    assert len(cards) == 56
    assert len({c.id for c in cards}) == 56
    assert [w.line for w in warnings] == [85, 102, 107, 264, 265]


def test_seed_warnings_name_the_ambiguous_lines() -> None:
    """Each warning quotes the image title, the cut-off question or the footer it is about."""
    _, warnings = parse(SEED)
    texts = [w.message for w in warnings]
    assert "Flow of memory virtualizatoin in VM" in texts[0]
    assert "Scheme of para virtualization" in texts[1]
    assert "Scheme hardware assisted virtualiation" in texts[2]
    assert "What are elemets of" in texts[3] and "cut off" in texts[3]
    assert "Last changed2 years ago" in texts[4] and "footer" in texts[4]


def test_image_titles_are_not_part_of_the_answer() -> None:
    """An image-only card's title is dropped from the previous card's answer."""
    cards, _ = parse(SEED)
    card = by_question(cards, "How is virtual memory applied in VMs?")
    assert card.answer.endswith(
        "shadow paging takes 3 to 400 times more cycles than native sutiations"
    )
    assert "Flow of memory" not in card.answer


def test_cut_off_last_question_and_footer_are_not_in_the_last_answer() -> None:
    """The truncated question and the footer do not leak into the last card."""
    cards, _ = parse(SEED)
    assert cards[-1].question == "What is vmware - vsphere?"
    assert cards[-1].answer.splitlines()[-1] == "enables to manage IT resources"


def test_slip_after_question_mark_is_dropped() -> None:
    """`...work?=` becomes a question ending in `?`, and its answer follows."""
    cards, _ = parse(SEED)
    card = by_question(cards, "How does Type I / Bare metal virtualization work?")
    assert card.answer == "usually harder to setup"
    assert card.line == 51


def test_arrow_and_lowercase_lines_ending_in_question_mark_stay_in_answers() -> None:
    """`-> what to use?` and a lower-case line ending in `?` never start a card."""
    cards, _ = parse(SEED)
    assert by_question(cards, "What are cgroups?").answer.endswith("-> what to use?")
    features = by_question(cards, "What are featuers of a memory cgroup?").answer
    assert "how much memory pages are utilized by specific group of running processes?" in features
    assert not is_question("-> what to use?")
    assert not is_question("=> Why?")


def test_one_line_answer_is_kept() -> None:
    """A one-line answer that looks like a title (`OS`) is still the answer."""
    cards, _ = parse(SEED)
    assert by_question(cards, "How manages processes and threads?").answer == "OS"


def test_crlf_bom_trailing_spaces_and_blank_lines_give_the_same_cards() -> None:
    """Windows line endings, a BOM, blank lines and trailing spaces change nothing."""
    messy = "\ufeff" + "\r\n".join(line + "  " for line in SEED.split("\n"))
    messy = messy.replace("What is para virtualization?", "\r\n\r\nWhat is para virtualization?")
    cards, warnings = parse(messy)
    clean_cards, clean_warnings = parse(SEED)
    assert [(c.id, c.question, c.answer) for c in cards] == [
        (c.id, c.question, c.answer) for c in clean_cards
    ]
    assert len(warnings) == len(clean_warnings) == 5


def test_blank_line_before_image_title_still_detected() -> None:
    """Blank lines between cards do not hide an image title before the next question."""
    text = "What is A?\nfirst\nsecond\nScheme of A\n\n\nWhat is B?\nb\n"
    cards, warnings = parse(text)
    assert [c.answer for c in cards] == ["first\nsecond", "b"]
    assert [w.line for w in warnings] == [4]


def test_other_subject_notes() -> None:
    """Notes on another subject parse the same way, with preamble, title and duplicate warned."""
    cards, warnings = parse((FIXTURES / "biology.txt").read_text(encoding="utf-8"), "biology")
    assert [c.question for c in cards] == [
        "What is the powerhouse of the cell?",
        "What does DNA stand for?",
        "Which organelle makes proteins?",
        "What is osmosis?",
    ]
    assert "is it passive?" in cards[3].answer
    assert {w.line: w.message.split(" ")[0] for w in warnings} == {
        1: "1",
        13: '"Diagram',
        18: "duplicate",
    }
    assert all(c.deck_id == "biology" for c in cards)


def test_duplicate_question_keeps_the_first() -> None:
    """A question asked twice keeps the first card and warns at the second's line."""
    cards, warnings = parse("What is X?\none\nWhat is  x ?\ntwo\n")
    assert [c.answer for c in cards] == ["one"]
    assert warnings[0].line == 3 and "first at line 1" in warnings[0].message


def test_question_without_answer_is_a_warning() -> None:
    """A question followed directly by another question is reported, never dropped silently."""
    cards, warnings = parse("What is X?\nWhat is Y?\ny\n")
    assert [c.question for c in cards] == ["What is Y?"]
    assert warnings[0].line == 1 and "no answer" in warnings[0].message


def test_ids_are_stable_across_reload_and_whitespace() -> None:
    """Card ids come from the normalised question: spacing, case and the slip do not matter."""
    first, _ = parse(SEED)
    again, _ = parse(SEED)
    assert [c.id for c in first] == [c.id for c in again]
    assert card_id_for("What is  Docker?") == card_id_for("what is docker ?=")
    assert card_id_for("What is Docker?") != card_id_for("What is Podman?")
    assert len(card_id_for("x")) == 10


def test_slugify_makes_deck_ids() -> None:
    """A file stem becomes a lower-case dashed deck id."""
    assert slugify("Virtualization") == "virtualization"
    assert slugify("OS Basics_2024 (v2)") == "os-basics-2024-v2"
    assert slugify("***") == "deck"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_never_raises_and_is_deterministic(text: str) -> None:
    """Any text parses without an exception, to the same result twice, warnings in line order."""
    first = parse(text)
    assert first == parse(text)
    cards, warnings = first
    assert all(c.answer.strip() and c.question.endswith("?") for c in cards)
    assert [w.line for w in warnings] == sorted(w.line for w in warnings)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SEED.split("\n")[:120]), max_size=40))
def test_parse_of_shuffled_seed_lines_never_raises(lines: list[str]) -> None:
    """Recombined real note lines parse without an exception and keep every card answerable."""
    cards, _ = parse("\n".join(lines))
    assert all(c.answer for c in cards)


# --- long pathological lines -----------------------------------------------------------------


def test_card_id_of_a_megabyte_of_punctuation_is_computed() -> None:
    """A question line with a 1 MB run of dots inside finishes (the old `[...]+$` never did)."""
    question = "What" + "." * 1_000_000 + "x?"
    assert finishes(normalise_question, question) == "what" + "." * 1_000_000 + "x"


def test_notes_with_long_punctuation_lines_are_refused_at_their_line() -> None:
    """A 100 KB dotted question line is refused (too long) at its line, promptly and briefly."""
    text = "What is it?\nanswer\n" + "Why" + ". " * 50_000 + "y?\nbecause\n"
    line, message = finishes(_refusal, text)
    assert line == 3 and "question is" in message and len(message) <= 300


def _refusal(text: str) -> tuple[int, str]:
    try:
        parse(text)
    except DeckError as error:
        return error.line, error.message
    raise AssertionError("a question over the limit was accepted")


@given(st.text(alphabet=" ?=:;.,!aZé\t\u3000", max_size=40))
@settings(max_examples=300, deadline=None)
def test_card_ids_are_unchanged_by_the_linear_rewrite(text: str) -> None:
    """Same normal form as the old pattern, so learners keep their progress on every card."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    assert normalise_question(text) == re.sub(r"[\s?=:;.,!]+$", "", folded)
