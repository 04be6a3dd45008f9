"""Multiple-choice options: short labels, plausible distractors, always one right answer."""

from __future__ import annotations

import random

import pytest

from bot.core.distractors import FIXED_OPTIONS, make_options, shorten
from bot.core.grading import normalise
from bot.core.models import Card
from tests.guard import finishes


def _card(
    card_id: str, answer: str, question: str = "", deck: str = "d", tags: tuple[str, ...] = ()
) -> Card:
    return Card(
        deck_id=deck, id=card_id, question=question or f"Q {card_id}?", answer=answer, tags=tags
    )


POOL = (
    _card("1", "Type 1 hypervisor", "Which hypervisor runs on bare metal?", tags=("hv",)),
    _card("2", "Type 2 hypervisor", "Which hypervisor runs on a host OS?", tags=("hv",)),
    _card(
        "3",
        "Paravirtualization",
        "What modifies the guest OS to call the hypervisor?",
        tags=("hv",),
    ),
    _card(
        "4",
        "Shadow page tables",
        "How were guest page tables virtualized before EPT?",
        tags=("mem",),
    ),
    _card(
        "5", "Extended page tables", "What hardware feature walks guest page tables?", tags=("mem",)
    ),
    _card("6", "Ring 0", "Which ring does the kernel use?"),
    _card("7", "Trap and emulate", "How are privileged instructions handled?"),
)


# --- shorten --------------------------------------------------------------------------------


def test_short_answer_is_unchanged() -> None:
    """A one-line answer that fits is shown as it is."""
    assert shorten("Ring 0") == "Ring 0"


def test_multi_line_answer_reads_as_one_label() -> None:
    """A short multi-line answer shows every line, arrows dropped, so no part is hidden."""
    assert shorten("user mode\nkernel mode") == "user mode; kernel mode"
    assert shorten("Type 1 hypervisor\n-> runs on hardware\n-> Xen, ESXi") == (
        "Type 1 hypervisor; runs on hardware; Xen, ESXi"
    )
    assert shorten("first line\n" + "word " * 40, limit=40).endswith("…")


def test_bullet_marker_is_dropped() -> None:
    """Arrows and bullets from notes do not clutter a button label."""
    assert shorten("-> runs on bare metal") == "runs on bare metal"


def test_long_line_cut_at_word_boundary() -> None:
    """A long line is cut between words, never inside one, and fits the limit."""
    text = "the quick brown fox jumps over the lazy dog " * 5
    label = shorten(text, 40)
    assert len(label) <= 40
    assert label.endswith("…")
    assert text.startswith(label[:-1])
    assert text[len(label) - 1] == " "


def test_long_line_prefers_clause_end() -> None:
    """A long line ends at a clause when one falls late enough."""
    text = "It traps privileged instructions, then emulates them in the hypervisor for the guest"
    assert shorten(text, 50) == "It traps privileged instructions…"


def test_label_is_never_empty() -> None:
    """Even an empty answer gives a visible label, and a huge word still fits."""
    assert shorten("") == "…"
    assert shorten("   \n  ") == "…"
    assert len(shorten("x" * 200, 80)) == 80


# --- make_options ---------------------------------------------------------------------------


def test_right_answer_is_at_the_returned_index() -> None:
    """The index points at the card's own answer, and there are n distinct options."""
    card = POOL[0]
    options, index = make_options(card, POOL, random.Random(1))
    assert len(options) == 4
    assert options[index] == "Type 1 hypervisor"
    assert len({normalise(o) for o in options}) == 4


def test_distractors_are_plausible() -> None:
    """The closest answers in the deck are offered: 'Type 2 hypervisor' against 'Type 1'."""
    options, _ = make_options(POOL[0], POOL, random.Random(1))
    assert "Type 2 hypervisor" in options
    assert "Paravirtualization" in options


def test_same_seed_same_options() -> None:
    """A given seed always yields the same options in the same order."""
    assert make_options(POOL[3], POOL, random.Random(5)) == make_options(
        POOL[3], POOL, random.Random(5)
    )


def test_position_of_answer_varies() -> None:
    """The right answer is not always on the same button."""
    positions = {make_options(POOL[0], POOL, random.Random(seed))[1] for seed in range(40)}
    assert len(positions) > 1


def test_distractor_equal_to_answer_is_skipped() -> None:
    """Another card with the same answer (up to case and punctuation) is never a wrong option."""
    twin = _card("9", "type-1 Hypervisor!", "Xen is what?")
    options, index = make_options(POOL[0], (*POOL, twin), random.Random(2))
    assert sum(normalise(o) == "type 1 hypervisor" for o in options) == 1
    assert options[index] == "Type 1 hypervisor"


def test_duplicate_distractors_are_dropped() -> None:
    """Two cards with the same answer give one option, not two identical buttons."""
    pool = (_card("a", "Alpha"), _card("b", "Beta"), _card("c", "beta"), _card("e", "BETA."))
    options, _ = make_options(pool[0], pool, random.Random(0))
    assert sorted(normalise(o) for o in options) == ["alpha", "beta"]


def test_fewer_candidates_fewer_options() -> None:
    """A tiny deck gives fewer options; a lone card gives only its answer."""
    pool = (_card("a", "Alpha"), _card("b", "Beta"))
    options, index = make_options(pool[0], pool, random.Random(0))
    assert sorted(options) == ["Alpha", "Beta"] and options[index] == "Alpha"
    assert make_options(pool[0], pool[:1], random.Random(0)) == (("Alpha",), 0)


def test_same_deck_preferred() -> None:
    """Distractors come from the card's own deck when it has enough."""
    other = tuple(_card(f"o{i}", f"Type {i} hypervisor", deck="other") for i in range(3, 9))
    options, index = make_options(POOL[0], (*POOL, *other), random.Random(3))
    assert not any(o in {c.answer for c in other} for o in options)
    assert options[index] == "Type 1 hypervisor"


def test_other_decks_fill_in() -> None:
    """When the deck is too small, answers from other decks fill the options."""
    mine = (_card("a", "Alpha"),)
    theirs = (
        _card("b", "Beta", deck="x"),
        _card("c", "Gamma", deck="x"),
        _card("e", "Delta", deck="x"),
    )
    options, _ = make_options(mine[0], (*mine, *theirs), random.Random(0))
    assert len(options) == 4


def test_fixed_choices_are_used_and_shuffled() -> None:
    """A card's own choices are the options, with the answer among them."""
    card = Card("d", "c", "Which ring?", "Ring 0", choices=("Ring 0", "Ring 1", "Ring 2", "Ring 3"))
    options, index = make_options(card, POOL, random.Random(4))
    assert sorted(options) == ["Ring 0", "Ring 1", "Ring 2", "Ring 3"]
    assert options[index] == "Ring 0"
    orders = {make_options(card, POOL, random.Random(s))[0] for s in range(20)}
    assert len(orders) > 1


def test_fixed_choices_missing_answer_still_offer_it() -> None:
    """If the author left the answer out of the choices, it is added."""
    card = Card("d", "c", "Which ring?", "Ring 0", choices=("Ring 1", "Ring 3"))
    options, index = make_options(card, POOL, random.Random(4))
    assert len(options) == 3 and options[index] == "Ring 0"


def test_many_fixed_choices_are_capped_and_always_offer_the_answer() -> None:
    """A card listing 30 choices shows at most 5 options, and one of them is the right answer."""
    choices = tuple(f"Port {p}" for p in range(20, 50))
    card = Card("d", "c", "Which port does SSH use?", "Port 22", choices=choices)
    shown: set[str] = set()
    for seed in range(200):
        options, index = make_options(card, POOL, random.Random(seed))
        assert len(options) == FIXED_OPTIONS == 5 and len(set(options)) == 5
        assert options[index] == "Port 22"
        shown.update(options)
    assert len(shown) > 5, "the other options vary between askings"


def test_capped_choices_prefer_the_ones_most_like_the_answer() -> None:
    """Among many listed choices, those sharing words with the answer fill the slots."""
    unlike = tuple(f"Unrelated {w}" for w in "abcdefghijklmnopqrstuvwxyz")
    alike = tuple(f"Type {n} hypervisor" for n in range(2, 8))
    card = Card("d", "c", "Bare metal?", "Type 1 hypervisor", choices=(*unlike, *alike))
    for seed in range(50):
        options, index = make_options(card, POOL, random.Random(seed))
        others = [o for i, o in enumerate(options) if i != index]
        assert options[index] == "Type 1 hypervisor"
        assert set(others) <= set(alike)


def test_capped_choices_without_the_answer_still_offer_it() -> None:
    """Thirty choices that leave the answer out: it is added, and the total stays capped."""
    card = Card("d", "c", "Q?", "Zebra", choices=tuple(f"Horse {i}" for i in range(30)))
    options, index = make_options(card, POOL, random.Random(1), n=6)
    assert len(options) == 6 and options[index] == "Zebra"


def test_long_answers_become_short_labels() -> None:
    """Options fit a button even when answers are paragraphs."""
    pool = tuple(_card(str(i), f"Answer number {i} " + "word " * 40 + "\nmore") for i in range(6))
    options, _ = make_options(pool[0], pool, random.Random(0))
    assert all(0 < len(o) <= 80 for o in options)


def test_large_pool_gives_four_options_with_the_answer() -> None:
    """Ten thousand cards still give four options, the right one among them (how fast is
    bench/distractors.py's job: no clock in tests)."""
    rng = random.Random(0)
    words = [f"w{i}" for i in range(500)]
    pool = tuple(
        _card(
            str(i),
            " ".join(rng.sample(words, 4)),
            " ".join(rng.sample(words, 8)) + "?",
            tags=(f"t{i % 20}",),
        )
        for i in range(10_000)
    )
    for seed in range(20):
        options, index = make_options(pool[seed], pool, random.Random(seed))
        assert len(options) == 4 and options[index] == shorten(pool[seed].answer)
        assert len(set(options)) == 4


@pytest.mark.parametrize(
    "answer",
    [" " * 500_000 + "x", "1" * 500_000 + ") x", "; " * 500_000, "a - " * 200_000],
    ids=["spaces", "numbered", "clauses", "dashes"],
)
def test_labels_of_huge_answers_finish(answer: str) -> None:
    """A label is cut from a pathological half-megabyte answer without stalling."""
    label = finishes(shorten, answer)
    assert 0 < len(label) <= 80
