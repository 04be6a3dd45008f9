"""Multiple-choice options: the right answer among plausible wrong ones taken from the deck.

A wrong option is only useful if it could fool someone who half-knows the answer, so the
distractors are other cards' answers that look most like the right one (shared words in the
answer and the question, a shared tag, a similar length). Work is capped so a call on a pool of
10,000 cards stays within a few milliseconds.
"""

from __future__ import annotations

import random
import re
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache

from bot.core.grading import normalise
from bot.core.models import Card, CardKey

MAX_CANDIDATES = 300
FIXED_OPTIONS = 5
"""A card's own choices are shown up to this many (one row of chat buttons), or `n` if more."""
ELLIPSIS = "…"

_WORD = re.compile(r"\w+")
_BULLET = re.compile(r"^\s*(?:->|=>|[-*•]|\d+[.)])\s+")
_CLAUSE = re.compile(r"[;:,.!?)]\s|\s[-–—]\s")
_STOPWORD_TEXT = """
a an the of to in on and or is are be by for with as at it its this
that what which how why when who does do can from into
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def shorten(text: str, limit: int = 80) -> str:
    """A one-line label of at most `limit` characters: the lines joined, cut at a clause or word."""
    limit = max(1, limit)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ELLIPSIS
    # All lines joined, so a two-line answer ("user mode", "kernel mode") reads whole.
    first = "; ".join(_BULLET.sub("", line).strip() or line for line in lines)
    if len(first) <= limit:
        return first
    room = first[: limit - 1]
    # Prefer the end of a clause if it keeps at least half the room, else the last whole word.
    clause_ends = [m.start() + 1 for m in _CLAUSE.finditer(room + " ")]
    clause_ends = [i for i in clause_ends if i >= (limit - 1) // 2]
    if clause_ends:
        cut = room[: clause_ends[-1]]
    elif " " in room.strip():
        cut = room[: room.rstrip().rfind(" ")]
    else:
        cut = room
    cut = cut.rstrip(" ,;:-–—")
    return (cut or room) + ELLIPSIS


@lru_cache(maxsize=65536)
def _tokens(text: str) -> frozenset[str]:
    words = _WORD.findall(text[:400].casefold())
    return frozenset(w for w in words if w not in _STOPWORDS) or frozenset(words)


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _fixed_options(card: Card, rng: random.Random, n: int) -> tuple[tuple[str, ...], int]:
    """The answer and at most `n - 1` of the deck's own choices, shuffled.

    A card may list dozens of choices, more than a chat message has buttons, so the options are
    capped: the listed choices most like the answer (shared words, similar length) compete for
    the slots, ties and the spare places drawn with `rng` for variety. The
    answer is always among them, added if the author left it out.
    """
    right_label = shorten(card.answer)
    taken = {_norm(card.answer), _norm(right_label)}
    answer_tokens = _tokens(card.answer)
    scored: list[tuple[float, float, str]] = []
    for choice in card.choices:
        label = shorten(choice)
        key = _norm(label)
        if key in taken or _norm(choice) in taken:
            continue
        taken.add(key)
        length = min(len(label), len(right_label)) / max(len(label), len(right_label), 1)
        score = 2.0 * _overlap(answer_tokens, _tokens(choice)) + 0.3 * length
        scored.append((score, rng.random(), label))
    scored.sort(reverse=True)
    wanted = max(0, n - 1)
    shortlist = [label for _score, _tie, label in scored[: wanted + SPARE]]
    if len(shortlist) > wanted:
        shortlist = rng.sample(shortlist, wanted)
    labels = [right_label, *shortlist]
    order = list(range(len(labels)))
    rng.shuffle(order)
    return tuple(labels[i] for i in order), order.index(0)


_label = lru_cache(maxsize=65536)(shorten)
_norm = lru_cache(maxsize=65536)(normalise)
"""`bot.core.grading.normalise` of card texts, remembered: ranking a card's distractors
compares the normalised answers of a dozen others, and a deck asks the same texts again."""


def _sample(cards: list[Card], tags: set[str], rng: random.Random) -> list[Card]:
    """At most MAX_CANDIDATES cards, those sharing a tag with the asked card kept first."""
    if len(cards) <= MAX_CANDIDATES:
        return cards
    tagged = [c for c in cards if tags.intersection(c.tags)] if tags else []
    if len(tagged) >= MAX_CANDIDATES:
        return rng.sample(tagged, MAX_CANDIDATES)
    rest = [c for c in cards if not (tags and tags.intersection(c.tags))]
    return tagged + rng.sample(rest, MAX_CANDIDATES - len(tagged))


def make_options(
    card: Card, pool: Sequence[Card], rng: random.Random, n: int = 4
) -> tuple[tuple[str, ...], int]:
    """Option labels for `card` and the index of the right one; deterministic for a seeded rng.

    Fixed `choices` win, capped at `max(n, FIXED_OPTIONS)` options. Otherwise up to `n - 1`
    distinct distractors come from `pool`, the card's own deck first, drawn from the few most
    plausible so a card asked again does not always show the same three; with none to be found
    the answer comes back alone, and the caller should not ask multiple choice.
    """
    if card.choices:
        return _fixed_options(card, rng, max(n, FIXED_OPTIONS))
    right_label = _label(card.answer)
    ranked = _ranked_distractors(card, pool)
    wanted = n - 1
    shortlist = list(ranked[: wanted + SPARE])
    if len(shortlist) > wanted:
        chosen = set(rng.sample(range(len(shortlist)), wanted))
        shortlist = [label for i, label in enumerate(shortlist) if i in chosen]
    labels = [right_label, *shortlist]
    order = list(range(len(labels)))
    rng.shuffle(order)
    return tuple(labels[i] for i in order), order.index(0)


SPARE = 2
"""How many extra plausible distractors compete for the slots, for variety between askings."""

_RANKED: OrderedDict[tuple[int, CardKey], tuple[Sequence[Card], tuple[str, ...]]] = OrderedDict()
_RANKED_SIZE = 20_000


def _ranked_distractors(card: Card, pool: Sequence[Card]) -> tuple[str, ...]:
    """Distinct distractor labels for `card`, most plausible first; cached per card and pool.

    Ranking is the expensive part (token overlap against hundreds of cards), and it depends
    only on the card and the pool, so it is done once per deck snapshot, not per question.
    The cache holds the pool itself, so its id cannot be reused while the entry lives.
    """
    cache_key = (id(pool), card.key)
    hit = _RANKED.get(cache_key)
    if hit is not None and hit[0] is pool:
        _RANKED.move_to_end(cache_key)
        return hit[1]
    ranked = _rank(card, pool, random.Random(f"{card.deck_id}/{card.id}"))
    _RANKED[cache_key] = (pool, ranked)
    if len(_RANKED) > _RANKED_SIZE:
        _RANKED.popitem(last=False)
    return ranked


def _rank(card: Card, pool: Sequence[Card], rng: random.Random, keep: int = 12) -> tuple[str, ...]:
    right_label = _label(card.answer)
    taken = {_norm(card.answer), _norm(right_label)}
    answer_tokens = _tokens(card.answer)
    question_tokens = _tokens(card.question)
    tags = set(card.tags)
    labels: list[str] = []

    same = [c for c in pool if c.deck_id == card.deck_id and c.id != card.id]
    for tier in (same, None):
        if len(labels) >= keep:
            break
        if tier is None:
            tier = [c for c in pool if c.deck_id != card.deck_id]
        scored: list[tuple[float, float, Card]] = []
        for other in _sample(tier, tags, rng):
            label = _label(other.answer)
            length = min(len(label), len(right_label)) / max(len(label), len(right_label), 1)
            score = (
                2.0 * _overlap(answer_tokens, _tokens(other.answer))
                + 1.0 * _overlap(question_tokens, _tokens(other.question))
                + (0.5 if tags.intersection(other.tags) else 0.0)
                + 0.3 * length
            )
            scored.append((score, rng.random(), other))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        for _score, _tie, other in scored:
            if len(labels) >= keep:
                break
            label = _label(other.answer)
            key = _norm(label)
            if key in taken or _norm(other.answer) in taken:
                continue
            taken.add(key)
            labels.append(label)
    return tuple(labels)
