"""ChatDeckStore on a real SQLite file: every card field kept, ids unique, one write each."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.library import chat_deck_id
from bot.core.models import Card, Deck, DeckWarning, MediaFile
from bot.storage.chat_decks import ChatDeckStore, DuplicateCard
from bot.storage.sqlite import SqliteRepository

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


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ChatDeckStore]:
    repo = await SqliteRepository.open(tmp_path / "q.sqlite3")
    yield ChatDeckStore(repo)
    await repo.close()


async def test_a_deck_comes_back_with_every_card_field(store: ChatDeckStore) -> None:
    deck_id, previous = await store.save(deck(), G1, "bio", source="bio.yaml", by="u1", now=T0)
    assert previous is None and deck_id == chat_deck_id("bio", G1)
    (back,) = await store.decks()
    assert back.cards == (replace(FULL, deck_id=deck_id),)
    assert (back.id, back.owner, back.name, back.description) == (deck_id, G1, "Biology", "Week 3")
    assert back.tags == ("science",) and back.warnings == (DeckWarning(3, "odd line"),)
    assert back.path == "bio.yaml" and back.media == ()
    (info,) = (await store.infos(G1)).values()
    assert (info.source, info.imported_by, info.updated_at) == ("bio.yaml", "u1", T0)


async def test_the_same_slug_replaces_the_deck_and_its_pictures(store: ChatDeckStore) -> None:
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


async def test_a_clash_of_short_tags_gets_a_longer_id(store: ChatDeckStore) -> None:
    """Another workspace holding the id this one's tag gives (a 24-bit clash) is left alone."""
    taken = chat_deck_id("bio", G1)
    sql = (
        "INSERT INTO chat_decks (id, platform, workspace, slug, name, cards, source,"
        " imported_by, imported_at, updated_at) VALUES (?, 'slack', 'T9', 'bio', 'Theirs',"
        " '[]', 'x', 'u9', '2025', '2025')"
    )
    await store.repo.write(_Sql(sql, (taken,)))
    deck_id, _ = await store.save(deck(), G1, "bio", source="x", by="u1", now=T0)
    assert deck_id == chat_deck_id("bio", G1, 12) and deck_id.startswith(taken)
    again, previous = await store.save(deck(), G1, "bio", source="x", by="u1", now=T0)
    assert again == deck_id and previous is not None


async def test_racing_imports_of_one_slug_make_one_deck(store: ChatDeckStore) -> None:
    saves = [store.save(deck(), G1, "bio", source="x", by=f"u{i}", now=T0) for i in range(5)]
    ids = {deck_id for deck_id, _ in await asyncio.gather(*saves)}
    assert len(ids) == 1 and len(await store.decks()) == 1


async def test_append_adds_once_and_creates_a_deck(store: ChatDeckStore) -> None:
    deck_id, created = await store.append(G1, "new", "New", FULL, by="u1", now=T0)
    assert created and deck_id == chat_deck_id("new", G1)
    with pytest.raises(DuplicateCard):
        await store.append(G1, "new", "New", FULL, by="u1", now=T0)
    card2 = Card("x", "c2", "Q2?", "A2")
    assert await store.append(G1, "new", "New", card2, by="u1", now=T0) == (deck_id, False)
    back = await store.deck(deck_id)
    assert back is not None and [c.id for c in back.cards] == ["c1", "c2"]
    assert back.cards[0].accept == FULL.accept and back.cards[1].deck_id == deck_id


async def test_removing_a_deck_removes_its_pictures_and_share_code(store: ChatDeckStore) -> None:
    media = (MediaFile("a.png", "image/png", b"x"),)
    deck_id, _ = await store.save(deck(media=media), G1, "bio", source="x", by="u1", now=T0)
    assert await store.share(G1, deck_id, "CODE", by="u1", now=T0) == "CODE"
    assert await store.share(G1, deck_id, "OTHER", by="u2", now=T0) == "CODE"
    assert await store.share(G2, deck_id, "MINE", by="u3", now=T0) is None  # not theirs
    assert await store.shared("CODE") == deck_id
    assert not await store.remove(G2, deck_id)
    assert await store.remove(G1, deck_id)
    assert await store.shared("CODE") is None and await store.media(deck_id, "a.png") is None
    with sqlite3.connect(store.repo.path) as conn:
        for table in ("chat_decks", "chat_deck_media", "chat_deck_shares"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


class _Sql:
    def __init__(self, sql: str, params: tuple[object, ...]) -> None:
        self.sql, self.params = sql, params

    def apply(self, conn: sqlite3.Connection, ids: object) -> None:
        conn.execute(self.sql, self.params)
