"""Plain study notes -> cards.

Notes are what people actually write while studying: a question line, then answer lines, with
no markup. The rules below were checked against a reference parser on
`tests/fixtures/virtualization.txt` (56 cards, 5 warnings); anything ambiguous becomes a
`DeckWarning` with its line number instead of being dropped silently, so `quizbot validate`
can point the author at it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePath

from bot.core.limits import LIMITS, card_problem, too_many_cards
from bot.core.models import Card, DeckError, DeckWarning
from bot.core.text_bounds import snippet

# A question ends with "?", optionally followed by one slip of the finger ("?=", "?:").
_QUESTION_END = re.compile(r"\?[=:;.,]?$")
_ARROWS = ("->", "=>")
_CLOSING = ".!?:;"
_TITLE_MAX_WORDS = 8
_TRAILING = " ?=:;.,!"
"""End punctuation a card id ignores; stripped with `str.rstrip`, linear on any run of it."""
_FOOTER = re.compile(r"^last (changed|edited|modified|updated)", re.IGNORECASE)
# Words that open a question: a title-like line starting with one is a question cut off.
_QUESTION_WORDS = frozenset(
    [
        "what",
        "how",
        "why",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "name",
        "list",
        "explain",
        "describe",
        "define",
    ]
)


def normalise_question(question: str) -> str:
    """The text a card id is derived from: case, spacing and end punctuation do not count."""
    text = unicodedata.normalize("NFKC", question).casefold()
    text = " ".join(text.split())
    # Not `re.sub(r"[...]+$")`: that retries the run from every start, quadratic on "....x".
    return text.rstrip(_TRAILING)


def card_id_for(question: str) -> str:
    """A short id that stays the same while the question's wording does, so progress survives."""
    return hashlib.sha1(normalise_question(question).encode("utf-8")).hexdigest()[:10]


def slugify(name: str) -> str:
    """A deck id from a file stem: lower case, ASCII letters, digits and dashes."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "deck"


def is_question(line: str) -> bool:
    """An upper-case start and a final "?" (allowing one slip); arrows and lower case never are."""
    text = line.strip()
    return bool(text) and text[0].isupper() and _QUESTION_END.search(text) is not None


def clean_question(line: str) -> str:
    """The question as shown: the slip after the "?" is dropped."""
    text = line.strip()
    return text[: text.rindex("?") + 1]


def _looks_like_title(line: str) -> bool:
    text = line.strip()
    return (
        bool(text)
        and text[0].isupper()
        and not any(arrow in text for arrow in _ARROWS)
        and text[-1] not in _CLOSING
        and len(text.split()) <= _TITLE_MAX_WORDS
    )


def _starts_like_question(line: str) -> bool:
    first = line.split()[0].casefold().strip(",:")
    return first in _QUESTION_WORDS


def _split_lines(text: str) -> list[str]:
    """Lines without BOM or line endings (CRLF, CR, LF) or trailing spaces."""
    text = text.removeprefix("\ufeff")
    return [line.rstrip() for line in re.split(r"\r\n|\r|\n", text)]


def parse_notes(text: str, path: str, deck_id: str) -> tuple[list[Card], list[DeckWarning]]:
    """Cards in the order written, and a warning for every line that did not become one.

    Warnings carry line numbers (1-based), the caller adds the path when it reports them; a card
    over a limit of `bot.core.limits` is a DeckError naming `path` and the card's line.
    """
    lines = _split_lines(text)
    warnings: list[DeckWarning] = []

    # A trailing "Last changed ..." footer (exported notes) is reported and not read as text.
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    if numbered and _FOOTER.match(numbered[-1][1].strip()):
        n, line = numbered.pop()
        warnings.append(DeckWarning(n, f'footer "{snippet(line.strip())}" ignored'))

    # Group lines into blocks: a question and the answer lines up to the next question.
    blocks: list[tuple[int, str, list[tuple[int, str]]]] = []
    preamble: list[int] = []
    for n, line in numbered:
        if is_question(line):
            blocks.append((n, clean_question(line), []))
        elif blocks:
            blocks[-1][2].append((n, line))
        else:
            preamble.append(n)
    if preamble:
        warnings.append(
            DeckWarning(preamble[0], f"{len(preamble)} line(s) before the first question ignored")
        )

    cards: list[Card] = []
    first_line: dict[str, int] = {}
    for q_line, question, body in blocks:
        if len(body) >= 2 and _looks_like_title(body[-1][1]):
            n, title = body.pop()
            warnings.append(_title_warning(n, title.strip()))
        if not body:
            warnings.append(
                DeckWarning(q_line, f'question "{snippet(question)}" has no answer; skipped')
            )
            continue
        card_id = card_id_for(question)
        if card_id in first_line:
            warnings.append(
                DeckWarning(
                    q_line,
                    f'duplicate question "{snippet(question)}" (first at line {first_line[card_id]}); '
                    "skipped",
                )
            )
            continue
        first_line[card_id] = q_line
        answer = "\n".join(line for _, line in body)
        card = Card(deck_id, card_id, question, answer, line=q_line)
        if problem := card_problem(card):
            raise DeckError(path, q_line, problem[1])
        if len(cards) == LIMITS.cards:
            raise DeckError(path, q_line, too_many_cards())
        cards.append(card)
    if not cards:
        warnings.append(DeckWarning(1, f"no cards found in {PurePath(path).name}"))
    warnings.sort(key=lambda w: w.line)
    return cards, warnings


def _title_warning(line: int, title: str) -> DeckWarning:
    if _starts_like_question(title):
        return DeckWarning(
            line,
            f'"{snippet(title)}" looks like a question cut off (no "?") with no answer; skipped',
        )
    return DeckWarning(
        line,
        f'"{snippet(title)}" looks like the title of an image-only card (no text answer); skipped',
    )
