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


def _sample(tier: list[int], pool: Sequence[Card], tags: set[str], rng: random.Random) -> list[int]:
    """At most MAX_CANDIDATES of the pool positions in `tier`, those sharing a tag with the
    asked card kept first."""
    if len(tier) <= MAX_CANDIDATES:
        return tier
    tagged = [i for i in tier if tags.intersection(pool[i].tags)] if tags else []
    if len(tagged) >= MAX_CANDIDATES:
        return rng.sample(tagged, MAX_CANDIDATES)
    rest = [i for i in tier if not (tags and tags.intersection(pool[i].tags))]
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
    shared = _shared(pool)
    right_label = _label(card.answer)
    right_len = len(right_label)
    taken = {_norm(card.answer), _norm(right_label)}
    answer_tokens = _tokens(card.answer)
    question_tokens = _tokens(card.question)
    n_answer, n_question = len(answer_tokens), len(question_tokens)
    tags = set(card.tags)
    labels: list[str] = []
    draw = rng.random
    features = shared.features
    same = [i for i in shared.by_deck.get(card.deck_id, ()) if pool[i].id != card.id]
    for tier in (same, None):
        if len(labels) >= keep:
            break
        if tier is None:
            tier = [i for i, deck in enumerate(shared.decks) if deck != card.deck_id]
        sampled = _sample(tier, pool, tags, rng)
        scored: list[tuple[float, float, int]] = []
        for n, i in enumerate(sampled):
            label_len, answer, question, other_tags = features[i] or shared.fill(i)
            length = min(label_len, right_len) / max(label_len, right_len, 1)
            # _overlap inlined, |a ∪ b| as |a| + |b| - |a ∩ b|: the same ratio of integers.
            if answer_tokens and answer:
                common = len(answer_tokens & answer)
                by_answer = common / (n_answer + len(answer) - common)
            else:
                by_answer = 0.0
            if question_tokens and question:
                common = len(question_tokens & question)
                by_question = common / (n_question + len(question) - common)
            else:
                by_question = 0.0
            score = (
                2.0 * by_answer
                + 1.0 * by_question
                + (0.5 if tags and tags.intersection(other_tags) else 0.0)
                + 0.3 * length
            )
            # -n: equal (score, draw) pairs keep sampling order, as a stable sort on them would.
            scored.append((score, draw(), -n))
        scored.sort(reverse=True)
        for _score, _tie, back in scored:
            if len(labels) >= keep:
                break
            other = pool[sampled[-back]]
            label = _label(other.answer)
            key = _norm(label)
            if key in taken or _norm(other.answer) in taken:
                continue
            taken.add(key)
            labels.append(label)
    return tuple(labels)


class _Shared:
    """What ranking needs of a pool's cards that does not depend on the asked card: positions
    by deck, and per card (filled on first use, so a 10,000-card pool pays only for the cards
    sampled) its label's length and its answer's and question's words. Every card of a deck
    ranks against the same pool, so this is worked out once per pool instead of once per pair.
    """

    __slots__ = ("by_deck", "decks", "features", "pool")

    def __init__(self, pool: Sequence[Card]) -> None:
        self.pool = pool
        self.decks = [card.deck_id for card in pool]
        self.by_deck: dict[str, list[int]] = {}
        for i, deck in enumerate(self.decks):
            self.by_deck.setdefault(deck, []).append(i)
        self.features: list[_Features | None] = [None] * len(pool)

    def fill(self, i: int) -> _Features:
        card = self.pool[i]
        found = (len(_label(card.answer)), _tokens(card.answer), _tokens(card.question), card.tags)
        self.features[i] = found
        return found


_Features = tuple[int, frozenset[str], frozenset[str], tuple[str, ...]]
_SHARED: OrderedDict[int, _Shared] = OrderedDict()
_SHARED_SIZE = 64


def _shared(pool: Sequence[Card]) -> _Shared:
    """The pool's shared ranking data, kept for the most recent pools (an entry holds its pool,
    so the id cannot be reused while it lives)."""
    hit = _SHARED.get(id(pool))
    if hit is not None and hit.pool is pool:
        _SHARED.move_to_end(id(pool))
        return hit
    made = _SHARED[id(pool)] = _Shared(pool)
    if len(_SHARED) > _SHARED_SIZE:
        _SHARED.popitem(last=False)
    return made
