"""Distractor ranking shares per-pool work between a deck's cards; it must still choose exactly
what the plain pairwise ranking (kept here as the specification) chose, card for card."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from bot.core import distractors
from bot.core.decks import load_questions
from bot.core.models import Card

QUESTIONS = Path(__file__).resolve().parents[2] / "questions"


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _sample(cards: list[Card], tags: set[str], rng: random.Random) -> list[Card]:
    if len(cards) <= distractors.MAX_CANDIDATES:
        return cards
    tagged = [c for c in cards if tags.intersection(c.tags)] if tags else []
    if len(tagged) >= distractors.MAX_CANDIDATES:
        return rng.sample(tagged, distractors.MAX_CANDIDATES)
    rest = [c for c in cards if not (tags and tags.intersection(c.tags))]
    return tagged + rng.sample(rest, distractors.MAX_CANDIDATES - len(tagged))


def plain_rank(card: Card, pool: Sequence[Card], rng: random.Random, keep: int = 12) -> tuple:
    """Every pair scored from the cards themselves, as ranking was first written."""
    label_of, norm, tokens = distractors._label, distractors._norm, distractors._tokens
    right_label = label_of(card.answer)
    taken = {norm(card.answer), norm(right_label)}
    answer_tokens, question_tokens = tokens(card.answer), tokens(card.question)
    tags = set(card.tags)
    labels: list[str] = []
    same = [c for c in pool if c.deck_id == card.deck_id and c.id != card.id]
    for tier in (same, None):
        if len(labels) >= keep:
            break
        if tier is None:
            tier = [c for c in pool if c.deck_id != card.deck_id]
        scored = []
        for other in _sample(tier, tags, rng):
            label = label_of(other.answer)
            length = min(len(label), len(right_label)) / max(len(label), len(right_label), 1)
            score = (
                2.0 * _overlap(answer_tokens, tokens(other.answer))
                + 1.0 * _overlap(question_tokens, tokens(other.question))
                + (0.5 if tags.intersection(other.tags) else 0.0)
                + 0.3 * length
            )
            scored.append((score, rng.random(), other))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        for _score, _tie, other in scored:
            if len(labels) >= keep:
                break
            label = label_of(other.answer)
            if norm(label) in taken or norm(other.answer) in taken:
                continue
            taken.add(norm(label))
            labels.append(label)
    return tuple(labels)


def _mixed_pool() -> tuple[Card, ...]:
    """Three decks, repeated ids and answers, shared tags, stopword-only texts, and more cards
    than MAX_CANDIDATES so sampling is exercised."""
    rng = random.Random(5)
    words = ["alpha", "beta", "page", "table", "kernel", "mode", "the", "of", "trap", "ring"]
    return tuple(
        Card(
            f"d{i % 3}",
            f"c{i % 40}",
            " ".join(rng.choices(words, k=rng.randint(0, 6))) + "?",
            " ".join(rng.choices(words, k=rng.randint(1, 4))) if i % 17 else "beta",
            tags=tuple(rng.sample(["x", "y", "z"], rng.randint(0, 2))),
        )
        for i in range(1000)
    )


def _same_choices(pool: tuple[Card, ...]) -> None:
    for card in pool:
        seed = f"{card.deck_id}/{card.id}"
        expected = plain_rank(card, pool, random.Random(seed))
        assert distractors._rank(card, pool, random.Random(seed)) == expected, card.key


def test_bundled_decks_rank_as_the_plain_pairwise_ranking() -> None:
    decks, errors = load_questions(QUESTIONS)
    assert decks and not errors
    _same_choices(tuple(card for deck in decks for card in deck.cards))


def test_mixed_decks_with_tags_and_sampling_rank_as_the_plain_ranking() -> None:
    _same_choices(_mixed_pool())
