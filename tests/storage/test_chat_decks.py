"""The chat-deck store on each back-end (SQLite, PostgreSQL): every card field kept, ids
unique, pictures replaced or kept, removals cascade, one transaction each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.ports import ChatDeckStorage, stores_of
from bot.core.library import chat_deck_id
from bot.core.models import Card, Deck, DeckWarning, MediaFile
from bot.core.ports import DuplicateCard, Repository
from tests.backends import SQL_BACKENDS, open_repository
from tests.storage.people_data import Raw, raw_of

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
G1 = ("discord", "G1")
G2 = ("discord", "G2")
FULL = Card(
    "bio",
    "c1",
    "Which organelle?\nsecond line",
    "mitochondria",
    accept=("mito", "mitochondrion"),
    choices=("mitochondria", "ribosome"),
    tags=("cells", "week-3"),
    image="https://example.org/cell.png",
    line=7,
)


def deck(*cards: Card, media: tuple[MediaFile, ...] = ()) -> Deck:
    return Deck(
        "bio",
        "Biology",
        cards or (FULL,),
        description="Week 3",
        tags=("science",),
        warnings=(DeckWarning(3, "odd line"),),
        media=media,
    )


@pytest.fixture(params=SQL_BACKENDS)
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repository]:
    repo = await open_repository(request.param, tmp_path)
    yield repo
    await repo.close()


@pytest.fixture
def store(repo: Repository) -> ChatDeckStorage:
    return stores_of(repo).chat_deck_store()


@pytest.fixture
def raw(repo: Repository) -> Raw:
    return raw_of(repo)


async def test_a_deck_comes_back_with_every_card_field(store: ChatDeckStorage) -> None:
    deck_id, previous = await store.save(deck(), G1, "bio", source="bio.yaml", by="u1", now=T0)
    assert previous is None and deck_id == chat_deck_id("bio", G1)
    (back,) = await store.decks()
    assert back.cards == (replace(FULL, deck_id=deck_id),)
    assert (back.id, back.owner, back.name, back.description) == (deck_id, G1, "Biology", "Week 3")
    assert back.tags == ("science",) and back.warnings == (DeckWarning(3, "odd line"),)
    assert back.path == "bio.yaml" and back.media == ()
    (info,) = (await store.infos(G1)).values()
    assert (info.source, info.imported_by, info.updated_at) == ("bio.yaml", "u1", T0)


async def test_the_same_slug_replaces_the_deck_and_its_pictures(store: ChatDeckStorage) -> None:
    old = MediaFile("a.png", "image/png", b"old")
    first, _ = await store.save(deck(media=(old,)), G1, "bio", source="x", by="u1", now=T0)
    card2 = Card("bio", "c2", "Q2?", "A2")
    new = MediaFile("b.png", "image/png", b"new")
    again, previous = await store.save(
        deck(card2, media=(new,)), G1, "bio", source="y", by="u2", now=T0
    )
    assert again == first and previous is not None and [c.id for c in previous] == ["c1"]
    assert await store.media(first, "a.png") is None
    assert await store.media(first, "b.png") == new
    other, _ = await store.save(deck(), G2, "bio", source="x", by="u3", now=T0)
    assert other != first and len(await store.decks()) == 2


async def test_a_clash_of_short_tags_gets_a_longer_id(store: ChatDeckStorage, raw: Raw) -> None:
    """Another workspace holding the id this one's tag gives (a 24-bit clash) is left alone."""
    taken = chat_deck_id("bio", G1)
    sql = (
        "INSERT INTO chat_decks (id, platform, workspace, slug, name, cards, source,"
        " imported_by, imported_at, updated_at) VALUES (?, 'slack', 'T9', 'bio', 'Theirs',"
        " '[]', 'x', 'u9', ?, ?)"
    )
    await raw.script([(sql, (taken, raw.time(T0), raw.time(T0)))])
    deck_id, _ = await store.save(deck(), G1, "bio", source="x", by="u1", now=T0)
    assert deck_id == chat_deck_id("bio", G1, 12) and deck_id.startswith(taken)
    again, previous = await store.save(deck(), G1, "bio", source="x", by="u1", now=T0)
    assert again == deck_id and previous is not None
    assert await raw.value("SELECT name FROM chat_decks WHERE id = ?", taken) == "Theirs"


async def test_racing_imports_of_one_slug_make_one_deck(store: ChatDeckStorage) -> None:
    saves = [store.save(deck(), G1, "bio", source="x", by=f"u{i}", now=T0) for i in range(5)]
    ids = {deck_id for deck_id, _ in await asyncio.gather(*saves)}
    assert len(ids) == 1 and len(await store.decks()) == 1


async def test_append_adds_once_and_creates_a_deck(store: ChatDeckStorage) -> None:
    deck_id, created = await store.append(G1, "new", "New", FULL, by="u1", now=T0)
    assert created and deck_id == chat_deck_id("new", G1)
    with pytest.raises(DuplicateCard):
        await store.append(G1, "new", "New", FULL, by="u1", now=T0)
    card2 = Card("x", "c2", "Q2?", "A2")
    assert await store.append(G1, "new", "New", card2, by="u1", now=T0) == (deck_id, False)
    back = await store.deck(deck_id)
    assert back is not None and [c.id for c in back.cards] == ["c1", "c2"]
    assert back.cards[0].accept == FULL.accept and back.cards[1].deck_id == deck_id


async def test_removing_a_deck_removes_its_pictures_and_share_code(
    store: ChatDeckStorage, raw: Raw
) -> None:
    media = (MediaFile("a.png", "image/png", b"x"),)
    deck_id, _ = await store.save(deck(media=media), G1, "bio", source="x", by="u1", now=T0)
    assert await store.share(G1, deck_id, "CODE", by="u1", now=T0) == "CODE"
    assert await store.share(G1, deck_id, "OTHER", by="u2", now=T0) == "CODE"
    assert await store.share(G2, deck_id, "MINE", by="u3", now=T0) is None  # not theirs
    assert await store.shared("CODE") == deck_id
    assert not await store.remove(G2, deck_id)
    assert await store.remove(G1, deck_id)
    assert await store.shared("CODE") is None and await store.media(deck_id, "a.png") is None
    for table in ("chat_decks", "chat_deck_media", "chat_deck_shares"):
        assert await raw.value(f"SELECT count(*) FROM {table}") == 0, table


async def test_a_replace_keeps_the_pictures_its_cards_name_without_bringing_them(
    store: ChatDeckStorage,
) -> None:
    """A YAML export imported again names `media:` pictures without their bytes: those stay;
    a picture no card names any more goes; a picture brought again is replaced."""
    a, b, c = (MediaFile(n, "image/png", n.encode()) for n in ("a.png", "b.png", "c.png"))
    cards = (
        Card("bio", "c1", "Q1?", "A1", image="media:a.png"),
        Card("bio", "c2", "Q2?", "A2", image="media:b.png"),
        Card("bio", "c3", "Q3?", "A3", image="media:c.png"),
    )
    deck_id, _ = await store.save(
        deck(*cards, media=(a, b, c)), G1, "bio", source="x", by="u1", now=T0
    )
    c2 = MediaFile("c.png", "image/png", b"new c")
    await store.save(deck(cards[0], cards[2], media=(c2,)), G1, "bio", source="y", by="u1", now=T0)
    assert await store.all_media(deck_id) == (a, c2)


async def test_racing_appends_to_one_deck_keep_every_card(store: ChatDeckStorage) -> None:
    """Admins adding cards at once (on PostgreSQL from several processes): one deck made, no
    card lost to another's write."""
    cards = [Card("x", f"c{i}", f"Q{i}?", f"A{i}") for i in range(6)]
    results = await asyncio.gather(
        *(store.append(G1, "new", "New", c, by="u1", now=T0) for c in cards)
    )
    assert len({deck_id for deck_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    back = await store.deck(results[0][0])
    assert back is not None and sorted(c.id for c in back.cards) == [c.id for c in cards]


async def test_racing_shares_of_one_deck_give_one_code(store: ChatDeckStorage) -> None:
    deck_id, _ = await store.save(deck(), G1, "bio", source="x", by="u1", now=T0)
    codes = await asyncio.gather(
        *(store.share(G1, deck_id, f"CODE{i}", by="u1", now=T0) for i in range(5))
    )
    assert len(set(codes)) == 1 and await store.shared(codes[0]) == deck_id  # type: ignore[arg-type]
