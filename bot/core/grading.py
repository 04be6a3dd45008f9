"""Grading an answer: whether it is right, the FSRS rating it maps to, and its points.

Self-graded flashcards keep the learner's own rating but score little (nobody can check them);
multiple choice and typed answers are checked here: right is Good, wrong is Again. A fast right
answer earns bonus points on the leaderboard but never rates Easy: speed in a chat says little
about memory (`bot.core.evidence` decides what a rating does to the schedule).
Typed answers are compared forgivingly (case, accents of form, articles, typos) but never
loosely on what matters: numbers must be exact and words must be whole words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz

from bot.core.models import AskedCard, Card, Format, Rating, Response

MAX_TYPED_CHARS = 500
EXTRA_WORDS = 3
"""How many words beyond the answer a typed reply may carry ("it is the ...") and still match."""

FLASHCARD_POINTS = {Rating.AGAIN: 0, Rating.HARD: 1, Rating.GOOD: 2, Rating.EASY: 3}
CHOICE_POINTS = 10
TYPED_POINTS = 15
FAST_BONUS = 5

_ARTICLES = frozenset({"a", "an", "the"})
_THOUSANDS = re.compile(r"(?<=\d)[,_'](?=\d{3}(?!\d))")
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DECIMAL_MARK = "\ue000"  # a private-use stand-in that survives punctuation removal


@dataclass(frozen=True, slots=True)
class Grade:
    correct: bool
    rating: Rating
    points: int
    similarity: float | None = None


def normalise(text: str) -> str:
    """A canonical form for comparing typed answers: case, width, punctuation and articles go."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.replace("&", " and ")
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL.sub(_DECIMAL_MARK, text)
    text = text.replace("'", "").replace("\u2019", "")
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    text = text.replace(_DECIMAL_MARK, ".")
    words = text.split()
    kept = [w for w in words if w not in _ARTICLES]
    # An answer made only of articles ("A", as in vitamin A) keeps them rather than vanishing.
    return " ".join(kept or words)


def _numbers(text: str) -> list[str]:
    return sorted(_NUMBER.findall(text))


def _similarity(a: str, b: str) -> float:
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def _match_one(given: str, accepted: str, threshold: float) -> tuple[bool, float]:
    """Compare with the whole reply, and with each run of whole words as long as the answer."""
    want = accepted.split()
    words = given.split()
    numbers = _numbers(accepted)
    # Numbers are never fuzzy, and a reply naming other numbers too is hedging, not right.
    if numbers and _numbers(given) != numbers:
        return False, _similarity(given, accepted)
    best_score = _similarity(given, accepted)
    best_ok = best_score >= threshold and _numbers(given) == numbers
    if len(want) < len(words) <= len(want) + EXTRA_WORDS:
        for i in range(len(words) - len(want) + 1):
            window = " ".join(words[i : i + len(want)])
            score = _similarity(window, accepted)
            ok = score >= threshold and _numbers(window) == numbers
            if (ok, score) > (best_ok, best_score):
                best_ok, best_score = ok, score
    return best_ok, best_score


def match_typed(
    text: str | None, accepted: Sequence[str], threshold: float = 85
) -> tuple[bool, float]:
    """Whether a typed reply matches any accepted answer, and the best similarity (0-100)."""
    if not text or len(text) > MAX_TYPED_CHARS:
        return False, 0.0
    given = normalise(text)
    if not given:
        return False, 0.0
    best_ok, best_score = False, 0.0
    for answer in accepted:
        want = normalise(answer)
        if not want:
            continue
        ok, score = _match_one(given, want, threshold)
        if (ok, score) > (best_ok, best_score):
            best_ok, best_score = ok, score
    return best_ok, float(best_score)


def _is_fast(asked: AskedCard, answered_at: datetime, fast_seconds: float) -> bool:
    elapsed = (answered_at - asked.asked_at).total_seconds()
    return 0 <= elapsed <= fast_seconds


def grade(
    card: Card,
    asked: AskedCard,
    response: Response,
    answered_at: datetime,
    fast_seconds: float = 8.0,
) -> Grade:
    """Grade the learner's response to the card as it was asked."""
    if asked.format == Format.FLASHCARD:
        if response.rating is None:
            raise ValueError("a flashcard answer needs the learner's own rating")
        rating = Rating(response.rating)
        return Grade(rating >= Rating.GOOD, rating, FLASHCARD_POINTS[rating])

    similarity: float | None = None
    if asked.format == Format.CHOICE:
        correct = (
            response.choice is not None
            and asked.correct_option is not None
            and response.choice == asked.correct_option
        )
        base = CHOICE_POINTS
    else:
        correct, similarity = match_typed(response.text, card.accept or (card.answer,))
        base = TYPED_POINTS

    if not correct:
        return Grade(False, Rating.AGAIN, 0, similarity)
    bonus = FAST_BONUS if _is_fast(asked, answered_at, fast_seconds) else 0
    return Grade(True, Rating.GOOD, base + bonus, similarity)
