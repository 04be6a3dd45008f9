"""Grading: ratings, points, and forgiving-but-strict typed answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.grading import Grade, grade, match_typed, normalise
from bot.core.models import AskedCard, Card, Format, Rating, Response
from tests.guard import finishes

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
SLOW = T0 + timedelta(seconds=30)
FAST = T0 + timedelta(seconds=3)

CARD = Card(deck_id="d", id="c", question="Where does the kernel run?", answer="Kernel mode")


def _asked(fmt: Format, correct_option: int | None = None) -> AskedCard:
    options = ("User mode", "Kernel mode") if fmt == Format.CHOICE else ()
    return AskedCard("d", "c", fmt, options, correct_option, T0)


# --- normalise ------------------------------------------------------------------------------


def test_normalise_folds_case_width_and_punctuation() -> None:
    """Case, full-width letters and punctuation do not make an answer different."""
    assert normalise("ＫＥＲＮＥＬ-Mode!") == "kernel mode"


def test_normalise_drops_invisible_characters() -> None:
    """Zero-width and bidi control characters pasted from elsewhere are ignored."""
    assert normalise("ker\u200bnel\u200f mode\u2066") == "kernel mode"


def test_normalise_drops_articles_and_spells_ampersand() -> None:
    """'The' and 'a' do not count, and '&' reads as 'and'."""
    assert normalise("The  CPU & a   disk") == "cpu and disk"


def test_normalise_keeps_an_answer_made_of_an_article() -> None:
    """A one-letter answer such as 'A' does not vanish."""
    assert normalise("A") == "a"


def test_normalise_keeps_numbers_readable() -> None:
    """Thousands separators go, decimal points stay."""
    assert normalise("1,000 pages at 3.5 GHz.") == "1000 pages at 3.5 ghz"


# --- match_typed ----------------------------------------------------------------------------


def test_typo_is_forgiven() -> None:
    """A small typo such as 'kernal mode' still counts as right."""
    ok, score = match_typed("kernal mode", ["kernel mode"])
    assert ok
    assert 85 <= score < 100


def test_exact_answer_scores_100() -> None:
    """The exact answer, in any case, scores full marks."""
    assert match_typed("KERNEL MODE", ["kernel mode"]) == (True, 100.0)


def test_word_order_is_forgiven() -> None:
    """'mode kernel' has the right words in another order."""
    assert match_typed("mode kernel", ["kernel mode"])[0]


def test_numbers_must_match_exactly() -> None:
    """'243' is wrong when the answer is '242', however close it looks."""
    assert match_typed("242", ["242"])[0]
    assert not match_typed("243", ["242"])[0]
    assert not match_typed("ring 3", ["ring 0"])[0]


def test_hedging_with_numbers_is_wrong() -> None:
    """Naming two numbers to cover both is not the answer."""
    assert not match_typed("242 or 243", ["242"])[0]


def test_single_word_is_not_a_substring() -> None:
    """'air' is not 'chair' and 'chair' is not 'air'."""
    assert not match_typed("chair", ["air"])[0]
    assert not match_typed("air", ["chair"])[0]


def test_single_word_inside_a_short_sentence() -> None:
    """'It is the hypervisor' answers 'hypervisor'."""
    assert match_typed("It is the hypervisor", ["Hypervisor"]) == (True, 100.0)


def test_long_rambling_reply_does_not_match_one_word() -> None:
    """A long reply that merely contains the word somewhere is not accepted."""
    reply = "user mode or maybe the hypervisor or the kernel or something else entirely"
    assert not match_typed(reply, ["kernel"])[0]


def test_any_accepted_answer_counts_and_best_score_is_returned() -> None:
    """Every short answer the deck accepts is tried, and the closest one reports its score."""
    assert match_typed("ring zero", ["ring 0", "ring zero"]) == (True, 100.0)
    assert match_typed("wrong", ["ring 0", "ring zero"])[1] < 85


@pytest.mark.parametrize("text", [None, "", "   ", "?!", "x" * 501])
def test_empty_or_huge_input_is_simply_wrong(text: str | None) -> None:
    """Nothing typed, only punctuation, or a wall of text is wrong, never an error."""
    assert match_typed(text, ["kernel mode"]) == (False, 0.0)


def test_threshold_is_adjustable() -> None:
    """A stricter threshold rejects a typo a lenient one lets through."""
    assert match_typed("kernal mode", ["kernel mode"], threshold=85)[0]
    assert not match_typed("kernal mode", ["kernel mode"], threshold=95)[0]


@given(st.text(max_size=600), st.lists(st.text(max_size=60), max_size=4))
def test_match_typed_never_raises(text: str, accepted: list[str]) -> None:
    """Whatever is typed, grading returns a verdict and a score in 0..100."""
    ok, score = match_typed(text, accepted)
    assert isinstance(ok, bool)
    assert 0.0 <= score <= 100.0


# --- grade ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "correct", "points"),
    [
        (Rating.AGAIN, False, 0),
        (Rating.HARD, False, 1),
        (Rating.GOOD, True, 2),
        (Rating.EASY, True, 3),
    ],
)
def test_flashcard_keeps_self_rating(rating: Rating, correct: bool, points: int) -> None:
    """A self-graded flashcard keeps the learner's rating and scores little."""
    result = grade(CARD, _asked(Format.FLASHCARD), Response(rating=rating), FAST)
    assert result == Grade(correct, rating, points)


def test_flashcard_without_rating_is_refused() -> None:
    """A flashcard answer must carry the learner's own rating."""
    with pytest.raises(ValueError):
        grade(CARD, _asked(Format.FLASHCARD), Response(), SLOW)


def test_choice_right_slow_is_good() -> None:
    """Picking the right option scores 10 and rates Good."""
    assert grade(CARD, _asked(Format.CHOICE, 1), Response(choice=1), SLOW) == Grade(
        True, Rating.GOOD, 10
    )


def test_choice_right_fast_is_good_with_bonus_points() -> None:
    """A fast right pick earns the speed bonus but rates Good: a guess can be quick too."""
    assert grade(CARD, _asked(Format.CHOICE, 1), Response(choice=1), FAST) == Grade(
        True, Rating.GOOD, 15
    )


def test_choice_wrong_is_again() -> None:
    """A wrong option, or none, scores nothing and rates Again."""
    assert grade(CARD, _asked(Format.CHOICE, 1), Response(choice=0), FAST) == Grade(
        False, Rating.AGAIN, 0
    )
    assert not grade(CARD, _asked(Format.CHOICE, 1), Response(), FAST).correct


def test_typed_right_uses_accept_list() -> None:
    """Typed answers are checked against the card's accepted short answers."""
    card = Card(
        "d", "c", "Where does the kernel run?", "In kernel mode, ring 0", accept=("kernel mode",)
    )
    result = grade(card, _asked(Format.TYPED), Response(text="kernal mode"), SLOW)
    assert result.correct and result.rating == Rating.GOOD and result.points == 15
    assert result.similarity is not None and result.similarity >= 85


def test_typed_falls_back_to_answer() -> None:
    """Without an accept list, the answer itself is what must be typed."""
    result = grade(CARD, _asked(Format.TYPED), Response(text="kernel mode"), FAST)
    assert result == Grade(True, Rating.GOOD, 20, 100.0)


def test_typed_wrong_keeps_similarity() -> None:
    """A wrong typed answer scores nothing but says how close it was."""
    result = grade(CARD, _asked(Format.TYPED), Response(text="user mode"), FAST)
    assert not result.correct and result.rating == Rating.AGAIN and result.points == 0
    assert result.similarity is not None and result.similarity < 85


def test_fast_window_is_adjustable() -> None:
    """An answer after the fast window earns no speed bonus."""
    asked = _asked(Format.CHOICE, 1)
    assert grade(CARD, asked, Response(choice=1), FAST, fast_seconds=2).points == 10


@pytest.mark.parametrize(
    "text",
    ["1," * 300_000, "1" * 300_000 + ".x", "1." * 300_000, "9'999_" * 100_000],
    ids=["thousands", "digits", "decimals", "separators"],
)
def test_normalising_huge_number_like_text_finishes(text: str) -> None:
    """Deck answers are normalised whole (typed replies are capped); long digit runs stay linear."""
    assert isinstance(finishes(normalise, text), str)
