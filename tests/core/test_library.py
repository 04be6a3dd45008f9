"""Library views: each workspace sees the global decks and its own, never another's."""

from __future__ import annotations

from bot.core.library import Library, chat_deck_id, deck_slug, owner_tag
from bot.core.models import PRIVATE, Card, Deck


def deck(deck_id: str, owner: tuple[str, str] | None = None, n: int = 2) -> Deck:
    cards = tuple(Card(deck_id, f"c{i}", f"Q{i}?", f"A{i}") for i in range(n))
    return Deck(deck_id, deck_id.title(), cards, owner=owner)


G1 = ("discord", "G1")
G2 = ("discord", "G2")
BIO_G1 = chat_deck_id("bio", G1)
BIO_G2 = chat_deck_id("bio", G2)


def library() -> Library:
    return Library.of([deck("geo"), deck(BIO_G1, G1), deck(BIO_G2, G2, 3), deck("virt")])


def ids(lib: Library) -> list[str]:
    return [d.id for d in lib.decks]


def test_a_workspace_sees_the_global_decks_and_its_own() -> None:
    lib = library()
    assert ids(lib.seen_from(*G1)) == ["geo", BIO_G1, "virt"]
    assert ids(lib.seen_from(*G2)) == ["geo", BIO_G2, "virt"]
    assert ids(lib.seen_from("discord", "G3")) == ["geo", "virt"]
    assert ids(lib.seen_from("slack", "G1")) == ["geo", "virt"]  # same id, other platform
    assert ids(lib.seen_from("discord", PRIVATE)) == ["geo", "virt"]


def test_a_view_holds_no_card_of_another_workspace() -> None:
    view = library().seen_from(*G1)
    assert view.card((BIO_G2, "c0")) is None and view.deck(BIO_G2) is None
    assert {c.deck_id for c in view.cards()} == {"geo", BIO_G1, "virt"}
    assert [s.id for s in view.search("bio")] == [BIO_G1]


def test_views_are_cached_per_snapshot_and_shared_when_nothing_is_hidden() -> None:
    lib = library()
    assert lib.seen_from(*G1) is lib.seen_from(*G1)
    assert lib.seen_from("discord", "G3") is lib.seen_from("slack", "G9")  # global only
    only_global = Library.of([deck("geo")])
    assert only_global.seen_from(*G1) is only_global


def test_with_and_without_deck_build_a_new_snapshot() -> None:
    lib = library()
    bigger = deck(BIO_G1, G1, n=4)
    new = lib.with_deck(bigger)
    assert ids(new) == ids(lib)  # replaced in place
    assert len(new.cards(BIO_G1)) == 4 and len(lib.cards(BIO_G1)) == 2
    assert new.card((BIO_G1, "c3")) is not None and lib.card((BIO_G1, "c3")) is None
    assert new.serial != lib.serial
    assert len(new.seen_from(*G1).cards(BIO_G1)) == 4
    fewer = new.with_deck(deck(BIO_G1, G1, n=1))
    assert fewer.card((BIO_G1, "c1")) is None  # a card gone from the deck is gone
    added = lib.with_deck(deck("chem@x", G1))
    assert ids(added)[-1] == "chem@x" and ids(added.seen_from(*G2)) == ["geo", BIO_G2, "virt"]
    gone = added.without_deck(BIO_G1)
    assert BIO_G1 not in ids(gone) and gone.card((BIO_G1, "c0")) is None
    assert gone.without_deck("nothing") is gone
    assert len(gone.cards()) == sum(len(d.cards) for d in gone.decks)


def test_chat_deck_ids_are_stable_and_differ_per_workspace() -> None:
    assert chat_deck_id("bio", G1) == chat_deck_id("bio", G1)
    assert chat_deck_id("bio", G1) != chat_deck_id("bio", G2)
    assert f"bio@{owner_tag(G1)}" == BIO_G1 and len(owner_tag(G1)) == 6
    assert deck_slug(BIO_G1) == "bio" and deck_slug("geo") == "geo"
