"""DeckBook beyond one file: share codes, cards added in chat, pasted notes and pictures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app.deck_book import DeckBook
from bot.app.study import QuizService
from bot.core.errors import ImportRefused, NotAllowed, NotYourDeck, UnknownDeck
from bot.core.models import Card, Deck, MediaFile, Question
from tests.app.test_deck_book import (
    ALONE,
    G1_ADMIN,
    G1_MEMBER,
    G2_ADMIN,
    G2_MEMBER,
    World,
    answer_right,
    biology,
)
from tests.app.test_deck_book import world as world  # the fixture


async def test_a_share_code_gives_another_server_a_copy_with_the_same_ids(world: World) -> None:
    report = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1, 2), admin=True)
    assert report.deck is not None
    deck_id = report.deck.id
    with pytest.raises(NotAllowed):
        await world.book.share(G1_MEMBER, deck_id, admin=False)
    with pytest.raises(NotYourDeck):
        await world.book.share(G1_ADMIN, "geo", admin=True)
    code = await world.book.share(G1_ADMIN, deck_id, admin=True)
    assert len(code) == 19 and code.count("-") == 3
    assert await world.book.share(G1_ADMIN, deck_id, admin=True) == code  # one per deck

    with pytest.raises(NotAllowed):
        await world.book.import_code(G2_MEMBER, code, admin=False)
    copy = await world.book.import_code(G2_ADMIN, code.lower().replace("-", " "), admin=True)
    assert copy.imported and copy.deck is not None and copy.added == 2
    assert copy.deck.id != deck_id and copy.deck.name == "Cell biology"
    g1 = [c.id for c in world.service.view(G1_MEMBER).cards(deck_id)]
    assert [c.id for c in world.service.view(G2_MEMBER).cards(copy.deck.id)] == g1
    assert {d.id for d in world.service.decks(G2_MEMBER)} == {copy.deck.id, "geo"}

    await world.book.remove(G1_ADMIN, deck_id, admin=True)  # the code dies with the deck
    with pytest.raises(ImportRefused, match="share code"):
        await world.book.import_code(G2_ADMIN, code, admin=True)
    with pytest.raises(ImportRefused):
        await world.book.import_code(G2_ADMIN, "not a code", admin=True)
    assert copy.deck.id in {d.id for d in world.service.decks(G2_MEMBER)}  # the copy stays


async def test_add_card_appends_to_an_own_deck_or_makes_a_new_one(world: World) -> None:
    report = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1), admin=True)
    assert report.deck is not None
    deck_id = report.deck.id
    card = await world.book.add_card(
        G1_ADMIN, deck_id, "What is ATP? ", "energy currency", ("ATP", " "), admin=True
    )
    assert card.deck_id == deck_id and card.accept == ("ATP",)
    assert [c.id for c in world.service.view(G1_MEMBER).cards(deck_id)] == ["b1", card.id]
    with pytest.raises(ImportRefused, match="already has"):
        await world.book.add_card(G1_ADMIN, deck_id, "What is ATP?", "again", admin=True)
    with pytest.raises(NotAllowed):
        await world.book.add_card(G1_MEMBER, deck_id, "Q?", "A", admin=False)
    with pytest.raises(NotYourDeck):
        await world.book.add_card(G1_ADMIN, "geo", "Q?", "A", admin=True)

    new = await world.book.add_card(G1_ADMIN, "Enzymes", "What is a catalyst?", "x", admin=True)
    assert new.deck_id.startswith("enzymes@")
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {deck_id, new.deck_id, "geo"}
    assert {d.id for d in world.service.decks(G2_MEMBER)} == {"geo"}
    again = await world.book.add_card(G1_ADMIN, "enzymes", "What is a substrate?", "y", admin=True)
    assert again.deck_id == new.deck_id  # the same name finds the same deck
    # a card added in chat has the id a re-import of its question gives: progress is kept
    exported = await world.book.export(G1_ADMIN, new.deck_id)
    report = await world.book.import_file(
        G1_ADMIN, exported.filename, exported.text.encode(), admin=True
    )
    assert report.deck is not None and report.deck.id == new.deck_id and report.kept == 2

    await world.restart()
    cards = world.service.view(G1_MEMBER).cards(deck_id)
    assert [c.question for c in cards] == ["Which organelle is number 1?", "What is ATP?"]


async def test_pasted_notes_import_as_a_deck(world: World) -> None:
    text = "What is ATP?\nenergy currency\n\nWhat is DNA?\ngenetic material\n"
    report = await world.book.import_text(G1_ADMIN, text, "Cells week 3", admin=True)
    assert report.imported and report.deck is not None
    assert (report.deck.name, report.deck.cards) == ("Cells week 3", 2)
    assert report.deck.id.startswith("cells-week-3@")
    yaml = "deck: {id: pasted}\ncards:\n  - {id: p1, question: 'Q?', answer: 'A'}\n"
    report = await world.book.import_text(G1_ADMIN, yaml, "Pasted YAML", admin=True)
    assert report.deck is not None and report.deck.id.startswith("pasted-yaml@")
    assert [c.id for c in world.service.view(G1_MEMBER).cards(report.deck.id)] == ["p1"]


async def test_listing_in_a_direct_message_shows_only_bundled_decks(world: World) -> None:
    await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1), admin=True)
    listing = await world.book.listing(ALONE)
    assert [(d.summary.id, d.owned) for d in listing] == [("geo", False)]
    assert world.book.search(ALONE, "", owned=True) == ()
    assert [s.id for s in world.book.search(G1_ADMIN, "", owned=True)] == [
        d.id for d in world.service.decks(G1_MEMBER) if d.id != "geo"
    ]


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


class PictureParser:
    """The parse port as a package importer gives it: a card naming a picture, the bytes."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, filename: str, data: bytes, fmt: str | None, name: str | None) -> Deck:
        self.calls += 1
        cards = (
            Card("cells", "n1", "What is shown?", "a cell", image="media:cell.png"),
            Card("cells", "n2", "Plain?", "yes"),
        )
        picture = MediaFile("cell.png", "image/png", PNG + bytes([self.calls]))
        return Deck("cells", "Cells", cards, media=(picture,))


@pytest.fixture
async def pictures(world: World) -> AsyncIterator[tuple[QuizService, DeckBook]]:
    book = DeckBook(world.service, world.book.store, PictureParser())
    yield world.service, book


async def test_pictures_travel_with_the_deck(pictures: tuple[QuizService, DeckBook]) -> None:
    service, book = pictures
    report = await book.import_file(G1_ADMIN, "cells.apkg", b"package", admin=True)
    assert report.deck is not None
    deck_id = report.deck.id
    card = service.view(G1_MEMBER).card((deck_id, "n1"))
    assert card is not None and card.media_name == "cell.png"
    picture = await book.media(card)
    assert picture == MediaFile("cell.png", "image/png", PNG + b"\x01")
    plain = service.view(G1_MEMBER).card((deck_id, "n2"))
    assert plain is not None and await book.media(plain) is None

    await book.import_file(G1_ADMIN, "cells.apkg", b"package", admin=True)  # new bytes
    assert (await book.media(card)) == MediaFile("cell.png", "image/png", PNG + b"\x02")
    code = await book.share(G1_ADMIN, deck_id, admin=True)
    copy = await book.import_code(G2_ADMIN, code, admin=True)
    assert copy.deck is not None
    theirs = service.view(G2_MEMBER).card((copy.deck.id, "n1"))
    assert theirs is not None and (await book.media(theirs)) is not None
    session = await service.start_session(G2_MEMBER, deck_id=copy.deck.id)
    step = await service.next_question(session.id, G2_MEMBER)
    assert isinstance(step, Question)
    await answer_right(service, G2_MEMBER, step)

    await book.remove(G1_ADMIN, deck_id, admin=True)
    assert await book.media(card) is None
    with pytest.raises(UnknownDeck):
        await book.export(G1_ADMIN, deck_id)


async def test_an_upload_over_the_size_limit_is_refused_before_parsing(
    pictures: tuple[QuizService, DeckBook],
) -> None:
    service, book = pictures
    limit = book.upload_limit("notes.txt")
    assert limit < book.upload_limit("deck.apkg")
    with pytest.raises(ImportRefused, match="over the") as refused:
        await book.import_file(G1_ADMIN, "notes.txt", b"x" * (limit + 1), admin=True)
    assert "\n" not in str(refused.value)
    assert book.parse.calls == 0  # type: ignore[attr-defined]
    assert {d.id for d in service.decks(G1_MEMBER)} == {"geo"}


async def test_a_second_bot_process_picks_up_decks_the_first_imported(world: World) -> None:
    """Two processes on one database: a deck imported through one is listed, and so
    studied, through the other; a removal there is seen here on the next listing."""
    other_service, other_book = await world.open()
    try:
        report = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1), admin=True)
        assert report.deck is not None
        deck_id = report.deck.id
        assert {d.id for d in other_service.decks(G1_MEMBER)} == {"geo"}  # not yet
        listing = await other_book.listing(G1_MEMBER)
        assert [d.summary.id for d in listing] == [deck_id, "geo"]
        assert deck_id in {d.id for d in other_service.decks(G1_MEMBER)}
        assert {d.id for d in other_service.decks(G2_MEMBER)} == {"geo"}
        await other_book.remove(G1_ADMIN, deck_id, admin=True)
        assert [d.summary.id for d in await world.book.listing(G1_MEMBER)] == ["geo"]
        assert {d.id for d in world.service.decks(G1_MEMBER)} == {"geo"}
    finally:
        await other_service.close()
