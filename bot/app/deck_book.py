"""Decks a group brings in chat: import, list, export, remove, add a card, share.

The one front door the Discord and Slack `/deck` commands call. A chat deck belongs to the
(platform, workspace) that imported it: its members see and study it, no other workspace does
(`Library.seen_from`). It is stored in the database (cards, and its pictures apart), so it
survives restarts and every bot process shares it. Parsing is CPU work on an untrusted file,
so it runs through the injected `parse` port (a child process with a time budget, see
`bot.process.deck_upload`), never on the event loop.

Rights: the adapters check the platform's admin right (Manage Server, workspace admin) before
calling; every changing call takes `admin` and refuses without it again (`NotAllowed`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePath

from bot.app._deck_parts import (
    MediaCache,
    changes,
    new_code,
    paste_suffix,
    read_code,
    show_code,
)
from bot.app.ports import ChatDeckStorage, stores_of
from bot.app.study import QuizService
from bot.core.decks import deck_to_yaml
from bot.core.errors import ImportRefused, NotAllowed, NotYourDeck, UnknownDeck
from bot.core.importers import upload_limit
from bot.core.library import Library, deck_slug, summary
from bot.core.limits import card_problem
from bot.core.models import (
    PRIVATE,
    Card,
    Deck,
    DeckError,
    DeckOwner,
    DeckWarning,
    Learner,
    MediaFile,
)
from bot.core.notes import card_id_for, slugify
from bot.core.ports import Clock, DuplicateCard
from bot.core.reports import DeckSummary
from bot.core.text_bounds import one_line, snippet

log = logging.getLogger(__name__)

MAX_DECKS = 100
"""Chat decks one workspace may hold; past it an import of a new deck is refused."""

ParseUpload = Callable[[str, bytes, str | None, str | None], Awaitable[Deck]]
"""(file name, bytes, forced format or None, deck name or None) -> the parsed deck (no owner
yet, its pictures in `Deck.media`), or raises DeckError naming the file and line. Runs the
parsing off the loop, within a time budget."""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What the importer sees, only for themselves: counts, and every warning and error with
    its line. A file with errors imports nothing (`deck` is None); warnings do not stop it."""

    source: str
    deck: DeckSummary | None
    added: int = 0
    updated: int = 0
    kept: int = 0
    retired: int = 0
    warnings: tuple[DeckWarning, ...] = ()
    errors: tuple[DeckError, ...] = ()

    @property
    def imported(self) -> bool:
        return self.deck is not None and not self.errors


@dataclass(frozen=True, slots=True)
class DeckListing:
    """One line of `/deck list`: a bundled deck (global) or one this workspace imported."""

    summary: DeckSummary
    owned: bool
    source: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ExportedDeck:
    """A deck as a YAML file: importing it again gives the same cards with the same ids."""

    filename: str
    text: str


class DeckBook:
    """Chat decks of every workspace; see the module docstring."""

    def __init__(
        self,
        service: QuizService,
        store: ChatDeckStorage,
        parse: ParseUpload,
        *,
        clock: Clock | None = None,
        max_decks: int = MAX_DECKS,
    ) -> None:
        self.service = service
        self.store = store
        self.parse = parse
        self.clock = clock or service.clock
        self.max_decks = max_decks
        self._media = MediaCache()

    @classmethod
    def over(cls, service: QuizService, parse: ParseUpload) -> DeckBook:
        """The chat decks kept in the study service's own database, whichever back-end."""
        return cls(service, stores_of(service.repo).chat_deck_store(), parse)

    # --- importing -----------------------------------------------------------------------------

    def upload_limit(self, filename: str) -> int:
        """Bytes a file of this kind may have; adapters refuse a larger declared size before
        downloading anything."""
        return upload_limit(filename)

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
        """Parse the upload off the loop and store it as this workspace's deck; a file with an
        error imports nothing. Re-importing a deck of the same name replaces it, same ids."""
        owner = _owner(actor, admin, "import decks")
        shown = one_line(PurePath(filename).name or "upload", 120)
        limit = self.upload_limit(filename)
        if len(data) > limit:
            raise ImportRefused(
                f"{shown} is {len(data):,} bytes, over the {limit:,} byte limit for this kind "
                "of file."
            )
        try:
            deck = await self.parse(filename, data, fmt, name)
        except DeckError as error:
            log.info("import of %s in %s refused: %s", shown, owner, error)
            return ImportReport(shown, None, errors=(error,))
        return await self._store(actor, owner, deck, shown)

    async def import_text(
        self, actor: Learner, text: str, name: str, *, admin: bool
    ) -> ImportReport:
        """Pasted notes (notes format, Obsidian, YAML, TSV), detected by content."""
        filename = f"{slugify(name)}{paste_suffix(text)}"
        return await self.import_file(
            actor, filename, text.encode("utf-8"), admin=admin, name=name or None
        )

    async def import_code(self, actor: Learner, code: str, *, admin: bool) -> ImportReport:
        """A copy of another workspace's shared deck, same card ids."""
        owner = _owner(actor, admin, "import decks")
        stored = read_code(code)
        deck_id = await self.store.shared(stored) if stored else None
        deck = await self.store.deck(deck_id) if deck_id else None
        if deck is None:
            raise ImportRefused("That share code is not valid, or its deck was removed.")
        media = await self.store.all_media(deck.id)
        copy = replace(deck, id=deck_slug(deck.id), owner=None, media=media)
        return await self._store(actor, owner, copy, f"share code {show_code(stored or '')}")

    async def _store(
        self, actor: Learner, owner: DeckOwner, deck: Deck, source: str
    ) -> ImportReport:
        if not deck.cards:
            error = DeckError(source, 0, "no cards found, so nothing was imported")
            return ImportReport(source, None, warnings=deck.warnings, errors=(error,))
        slug = slugify(deck_slug(deck.id))
        async with self.service.decks_changing:
            mine = self.service.library.owned_by(owner)
            if len(mine) >= self.max_decks and all(deck_slug(d.id) != slug for d in mine):
                raise ImportRefused(
                    f"This server already has {len(mine)} decks (the limit); remove one first."
                )
            deck_id, previous = await self.store.save(
                deck, owner, slug, source=source, by=actor.user, now=self.clock.now()
            )
            stored = _as_stored(deck, deck_id, owner, source)
            self.service.put_deck(stored)
        self._media.forget_deck(deck_id)
        counts = changes(stored.cards, previous)
        log.info(
            "deck %s imported in %s from %s: %d cards (%d new, %d changed, %d retired)",
            deck_id, owner, source, len(stored.cards), counts.added, counts.updated,
            counts.retired,
        )  # fmt: skip
        return ImportReport(
            source,
            summary(stored),
            added=counts.added,
            updated=counts.updated,
            kept=counts.kept,
            retired=counts.retired,
            warnings=deck.warnings,
        )

    # --- reading -------------------------------------------------------------------------------

    async def listing(self, actor: Learner) -> tuple[DeckListing, ...]:
        """This workspace's decks (newest change first), then the bundled ones."""
        view = self.service.view(actor)
        owned: list[DeckListing] = []
        if actor.workspace != PRIVATE:
            owner = (actor.platform, actor.workspace)
            infos = await self.store.infos(owner)
            view = await self._catch_up(actor, owner, view, set(infos))
            for deck in view.owned_by(owner):
                info = infos.get(deck.id)
                owned.append(
                    DeckListing(
                        summary(deck),
                        owned=True,
                        source=info.source if info else deck.path,
                        updated_at=info.updated_at if info else None,
                    )
                )
            owned.sort(key=lambda d: d.updated_at or datetime.min, reverse=True)
        bundled = [DeckListing(summary(d), owned=False) for d in view.decks if d.owner is None]
        return (*owned, *bundled)

    async def _catch_up(
        self, actor: Learner, owner: DeckOwner, view: Library, stored: set[str]
    ) -> Library:
        """Take in decks another bot process imported or removed (the database is shared).
        Checked again under the lock, so an import finishing here meanwhile is not dropped."""
        if {d.id for d in view.owned_by(owner)} == stored:
            return view
        async with self.service.decks_changing:
            stored = set(await self.store.infos(owner))
            held = {d.id for d in self.service.library.owned_by(owner)}
            for deck_id in held - stored:
                self.service.drop_deck(deck_id)
                self._media.forget_deck(deck_id)
            for deck_id in stored - held:
                if (deck := await self.store.deck(deck_id)) is not None:
                    self.service.put_deck(deck)
        return self.service.view(actor)

    def search(
        self, actor: Learner, text: str, limit: int = 25, *, owned: bool = False
    ) -> tuple[DeckSummary, ...]:
        """Autocomplete: decks the actor's workspace sees (only its own when `owned`)."""
        view = self.service.view(actor)
        if not owned:
            return view.search(text, limit)
        if actor.workspace == PRIVATE:
            return ()
        return Library.of(view.owned_by((actor.platform, actor.workspace))).search(text, limit)

    async def export(self, actor: Learner, deck_id: str) -> ExportedDeck:
        """A deck this workspace sees, as YAML; its id is the slug, so importing the file here
        again replaces the deck with the same ids, and elsewhere makes a copy."""
        deck = self.service.view(actor).deck(deck_id)
        if deck is None:
            raise UnknownDeck(deck_id)
        slug = deck_slug(deck.id)
        text = await asyncio.to_thread(deck_to_yaml, replace(deck, id=slug))
        return ExportedDeck(f"{slug}.yaml", text)

    async def media(self, card: Card) -> MediaFile | None:
        """The picture stored with a chat deck's card (`image: media:<name>`), or None."""
        name = card.media_name
        if name is None:
            return None
        key = (card.deck_id, name)
        hit, file = self._media.get(key)
        if not hit:
            file = await self.store.media(card.deck_id, name)
            self._media.put(key, file)
        return file

    # --- changing ------------------------------------------------------------------------------

    def _own(self, actor: Learner, admin: bool, deck_id: str, action: str) -> Deck:
        """The actor's workspace's own deck `deck_id`; refused for anyone without the right,
        for bundled decks and (as unknown) for decks this workspace cannot see."""
        owner = _owner(actor, admin, action)
        deck = self.service.view(actor).deck(deck_id)
        if deck is None:
            raise UnknownDeck(deck_id)
        if deck.owner != owner:
            raise NotYourDeck(deck_id)
        return deck

    async def remove(self, actor: Learner, deck_id: str, *, admin: bool) -> DeckSummary:
        """The deck is no longer studied here; everyone's history of its cards is kept."""
        deck = self._own(actor, admin, deck_id, "remove decks")
        async with self.service.decks_changing:
            await self.store.remove(_owner_of(deck), deck.id)
            self.service.drop_deck(deck.id)
        self._media.forget_deck(deck.id)
        log.info("deck %s removed by %s", deck.id, actor)
        return summary(deck)

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
        """Append a card to this workspace's deck `deck_id`; a name no deck has makes a new
        deck. The card's id is the hash of its question, as in notes, so it is stable."""
        owner = _owner(actor, admin, "add cards")
        known = self.service.view(actor).deck(deck_id)
        if known is not None and known.owner != owner:
            raise NotYourDeck(deck_id)
        name = known.name if known else one_line(deck_id.strip(), 100)
        slug = deck_slug(known.id) if known else slugify(deck_id)
        question, answer = question.strip(), answer.strip()
        if not question or not answer:
            raise ImportRefused("A card needs both a question and an answer.")
        accepted = tuple(a.strip() for a in accept if a.strip())
        card = Card("", card_id_for(question), question, answer, accept=accepted)
        if problem := card_problem(card):
            raise ImportRefused(f"Card not added: {problem[1]}")
        async with self.service.decks_changing:
            mine = self.service.library.owned_by(owner)
            if known is None and len(mine) >= self.max_decks:
                raise ImportRefused(f"This server already has {len(mine)} decks (the limit).")
            try:
                new_id, _ = await self.store.append(
                    owner, slug, name, card, by=actor.user, now=self.clock.now()
                )
            except DuplicateCard:
                raise ImportRefused(
                    f"'{snippet(name)}' already has the card '{snippet(question)}'."
                ) from None
            deck = await self.store.deck(new_id)
            assert deck is not None
            self.service.put_deck(deck)
        return replace(card, deck_id=new_id)

    async def share(self, actor: Learner, deck_id: str, *, admin: bool) -> str:
        """A code an admin of another workspace imports a copy with (same card ids); one code
        per deck, the same each time it is asked for, dead once the deck is removed."""
        deck = self._own(actor, admin, deck_id, "share decks")
        code = await self.store.share(
            _owner_of(deck), deck.id, new_code(), by=actor.user, now=self.clock.now()
        )
        if code is None:  # removed by another process meanwhile
            raise UnknownDeck(deck_id)
        return show_code(code)


def _owner(actor: Learner, admin: bool, action: str) -> DeckOwner:
    if not admin:
        raise NotAllowed(action)
    if actor.workspace == PRIVATE:
        raise ImportRefused(
            "Decks belong to a server or workspace: manage them there, not in a direct message."
        )
    return (actor.platform, actor.workspace)


def _owner_of(deck: Deck) -> DeckOwner:
    assert deck.owner is not None
    return deck.owner


def _as_stored(deck: Deck, deck_id: str, owner: DeckOwner, source: str) -> Deck:
    """The parsed deck as the library holds it: its chat id on every card, its owner, no
    picture bytes (those are read from the database when a card is shown)."""
    cards = tuple(replace(c, deck_id=deck_id) for c in deck.cards)
    return replace(deck, id=deck_id, cards=cards, owner=owner, media=(), path=source)
