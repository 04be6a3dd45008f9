"""An in-memory DeckBook for the Discord tests until the real one (branch `book`) is merged.

It keeps each server's decks apart for `/deck` (list, search, export, remove, share) and puts
imported decks into the service's library so `/study` asks them. Parsing is the core importer
on a temporary file, in a worker thread (off the event loop, as the real one is).
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path

from bot.app.deck_book import DeckBook, DeckListing, ExportedDeck, ImportReport
from bot.app.study import QuizService
from bot.core.decks import deck_to_yaml
from bot.core.errors import ImportRefused, NotAllowed, NotYourDeck, UnknownDeck
from bot.core.importers import import_source
from bot.core.library import Library
from bot.core.models import Card, Deck, DeckError, DeckSummary, Learner, MediaFile
from bot.core.notes import card_id_for, slugify

TEXT_LIMIT = 2 * 1024 * 1024
PACKAGE_LIMIT = 20 * 1024 * 1024


def _summary(deck: Deck) -> DeckSummary:
    return DeckSummary(deck.id, deck.name, deck.description, len(deck.cards), len(deck.warnings))


class DeckBookDouble(DeckBook):
    def __init__(self, service: QuizService) -> None:
        self.service = service
        self.decks: dict[tuple[str, str], Deck] = {}
        self.codes: dict[str, Deck] = {}
        self.pictures: dict[tuple[str, str], MediaFile] = {}

    def upload_limit(self, filename: str) -> int:
        return PACKAGE_LIMIT if filename.lower().endswith((".apkg", ".colpkg")) else TEXT_LIMIT

    def _own(self, actor: Learner) -> list[Deck]:
        return [d for (w, _), d in self.decks.items() if w == actor.workspace]

    def _store(self, actor: Learner, deck: Deck, source: str) -> ImportReport:
        old = self.decks.get((actor.workspace, deck.id))
        before = {c.id: replace(c, line=None) for c in old.cards} if old else {}
        after = {c.id: replace(c, line=None) for c in deck.cards}
        added = sum(1 for i in after if i not in before)
        updated = sum(1 for i, c in after.items() if i in before and before[i] != c)
        kept = sum(1 for i, c in after.items() if before.get(i) == c)
        retired = sum(1 for i in before if i not in after)
        deck = replace(deck, owner=("discord", actor.workspace), media=())
        self.decks[(actor.workspace, deck.id)] = deck
        self._publish()
        return ImportReport(source, _summary(deck), added, updated, kept, retired, deck.warnings)

    def _publish(self) -> None:
        bundled = [d for d in self.service.library.decks if d.owner is None]
        self.service.library = Library.of([*bundled, *self.decks.values()])

    async def _parse(self, filename: str, data: bytes, name: str | None) -> Deck:
        def work() -> Deck:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / Path(filename).name
                path.write_bytes(data)
                deck = import_source(path)
            if name:
                deck = replace(deck, id=slugify(name), name=name,
                               cards=tuple(replace(c, deck_id=slugify(name)) for c in deck.cards))  # fmt: skip
            return deck

        return await asyncio.to_thread(work)

    async def import_file(
        self,
        actor: Learner,
        filename: str,
        data: bytes,
        *,
        admin: bool,
        name: str | None = None,
        fmt: str | None = None,
    ) -> ImportReport:
        if not admin:
            raise NotAllowed()
        if len(data) > self.upload_limit(filename):
            raise ImportRefused(f"{filename} is over the limit")
        try:
            deck = await self._parse(filename, data, name)
        except DeckError as error:
            return ImportReport(filename, None, errors=(error,))
        return self._store(actor, deck, filename)

    async def import_text(
        self, actor: Learner, text: str, name: str, *, admin: bool
    ) -> ImportReport:
        return await self.import_file(actor, f"{slugify(name)}.txt", text.encode(),
                                      admin=admin, name=name)  # fmt: skip

    async def import_code(self, actor: Learner, code: str, *, admin: bool) -> ImportReport:
        if not admin:
            raise NotAllowed()
        deck = self.codes.get(code)
        if deck is None:
            raise ImportRefused(f"There is no shared deck with the code {code}.")
        return self._store(actor, deck, f"share code {code}")

    async def listing(self, actor: Learner) -> tuple[DeckListing, ...]:
        bundled = [d for d in self.service.library.decks if d.owner is None]
        own = [DeckListing(_summary(d), True, d.path) for d in self._own(actor)]
        return (*own, *(DeckListing(_summary(d), False) for d in bundled))

    def search(
        self, actor: Learner, text: str, limit: int = 25, *, owned: bool = False
    ) -> tuple[DeckSummary, ...]:
        bundled = [] if owned else [d for d in self.service.library.decks if d.owner is None]
        seen = [*self._own(actor), *bundled]
        return tuple(_summary(d) for d in seen if text.casefold() in d.name.casefold())[:limit]

    def _deck(self, actor: Learner, deck_id: str) -> Deck:
        deck = self.decks.get((actor.workspace, deck_id))
        if deck is None:
            raise NotYourDeck(deck_id)
        return deck

    async def export(self, actor: Learner, deck_id: str) -> ExportedDeck:
        deck = self.decks.get((actor.workspace, deck_id)) or self.service.library.deck(deck_id)
        if deck is None or deck.owner not in (None, ("discord", actor.workspace)):
            raise UnknownDeck(deck_id)
        return ExportedDeck(f"{deck.id}.yaml", deck_to_yaml(deck))

    async def remove(self, actor: Learner, deck_id: str, *, admin: bool) -> DeckSummary:
        deck = self._deck(actor, deck_id)
        del self.decks[(actor.workspace, deck_id)]
        self._publish()
        return _summary(deck)

    async def add_card(
        self,
        actor: Learner,
        deck_id: str,
        question: str,
        answer: str,
        accept: tuple[str, ...] = (),
        *,
        admin: bool,
    ) -> Card:
        deck = self._deck(actor, deck_id)
        card = Card(deck_id, card_id_for(question), question, answer, accept=accept)
        self.decks[(actor.workspace, deck_id)] = replace(deck, cards=(*deck.cards, card))
        self._publish()
        return card

    async def share(self, actor: Learner, deck_id: str, *, admin: bool) -> str:
        deck = self._deck(actor, deck_id)
        code = hashlib.sha256(f"{actor.workspace}:{deck_id}".encode()).hexdigest()[:10].upper()
        self.codes[code] = deck
        return code

    def with_picture(self, deck_id: str, card_id: str, name: str, data: bytes) -> None:
        """Give a card a picture stored with its deck, as an Anki package's image would."""
        for (workspace, did), deck in list(self.decks.items()):
            if did == deck_id:
                cards = tuple(
                    replace(c, image=f"media:{name}") if c.id == card_id else c for c in deck.cards
                )
                self.decks[(workspace, did)] = replace(deck, cards=cards)
        self.pictures[(deck_id, name)] = MediaFile(name, "image/png", data)
        self._publish()

    async def media(self, card: Card) -> MediaFile | None:
        return self.pictures.get((card.deck_id, card.media_name or ""))
