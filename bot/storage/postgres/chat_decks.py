"""ChatDeckStore on PostgreSQL: decks imported in chat, their pictures and share codes.

The same rows as SQLite's store (`bot.storage.chat_decks`, the codec in
`bot.storage.deck_codec`); each change is one transaction (`Db.write`). SQLite's single writer
orders the changes by itself; here several processes write at once, so a save or an append
first takes a transaction lock on the deck's slug (two imports of one slug, or two workspaces'
slugs whose short tags clash, wait for each other and cannot take one id) and locks the
deck's row before changing it (a removal in another process waits, or is seen as done).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from bot.core.library import chat_deck_id
from bot.core.models import Card, Deck, DeckOwner, MediaFile
from bot.core.ports import DuplicateCard, StorageError
from bot.core.reports import DeckInfo
from bot.storage._writes import Unchanged
from bot.storage.deck_codec import (
    DECK_COLUMNS,
    ID_TAG_CHARS,
    appended,
    deck_from_row,
    decode_cards,
    encode_card,
    encode_parts,
    kept_media,
)
from bot.storage.postgres._db import Db, rowcount, utc

_SLUG_LOCK = (
    "SELECT pg_advisory_xact_lock(hashtext('quizbot-chat-deck:' || current_schema() || ':' || $1))"
)


async def _claim_id(
    conn: asyncpg.Connection, owner: DeckOwner, slug: str
) -> tuple[str, str | None]:
    """(the deck's id, its stored cards JSON): the owner's deck named `slug`, its row locked,
    or a free new id (None for the cards). The slug's lock is held until the commit."""
    await conn.execute(_SLUG_LOCK, slug)
    row = await conn.fetchrow(
        "SELECT id, cards FROM chat_decks WHERE platform = $1 AND workspace = $2 AND slug = $3"
        " FOR UPDATE",
        *owner,
        slug,
    )
    if row is not None:
        return row[0], row[1]
    for chars in ID_TAG_CHARS:
        deck_id = chat_deck_id(slug, owner, chars)
        if await conn.fetchval("SELECT 1 FROM chat_decks WHERE id = $1", deck_id) is None:
            return deck_id, None
    raise StorageError(f"no free id for deck {slug!r}")  # a full-hash clash


@dataclass(frozen=True, slots=True)
class SaveDeck:
    """Insert the deck, or replace the owner's deck with the same slug (keeping its id) and its
    pictures, except `kept_media`. Returns (deck id, the previous cards JSON or None)."""

    owner: DeckOwner
    slug: str
    name: str
    description: str
    tags: str
    cards: str
    warnings: str
    media: tuple[MediaFile, ...]
    source: str
    by: str
    now: datetime
    kept_media: tuple[str, ...] = ()

    async def apply(self, conn: asyncpg.Connection) -> tuple[str, str | None]:
        deck_id, previous = await _claim_id(conn, self.owner, self.slug)
        if previous is None:
            await conn.execute(
                "INSERT INTO chat_decks (id, platform, workspace, slug, name, description, tags,"
                " cards, warnings, source, imported_by, imported_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
                deck_id, *self.owner, self.slug, self.name, self.description, self.tags,
                self.cards, self.warnings, self.source, self.by, self.now,
            )  # fmt: skip
        else:
            await conn.execute(
                "UPDATE chat_decks SET name = $1, description = $2, tags = $3, cards = $4,"
                " warnings = $5, source = $6, imported_by = $7, updated_at = $8 WHERE id = $9",
                self.name, self.description, self.tags, self.cards, self.warnings,
                self.source, self.by, self.now, deck_id,
            )  # fmt: skip
            await conn.execute(
                "DELETE FROM chat_deck_media WHERE deck_id = $1 AND name <> ALL($2::text[])",
                deck_id,
                list(self.kept_media),
            )
        await conn.executemany(
            "INSERT INTO chat_deck_media (deck_id, platform, workspace, name, mime, content)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            [(deck_id, *self.owner, m.name, m.mime, m.data) for m in self.media],
        )
        return deck_id, previous


@dataclass(frozen=True, slots=True)
class AppendCard:
    """Add one card to the owner's deck named `slug`, creating the deck when there is none.
    Returns (deck id, created); raises DuplicateCard (nothing written) when the id is taken."""

    owner: DeckOwner
    slug: str
    name: str
    card: str
    card_id: str
    source: str
    by: str
    now: datetime

    async def apply(self, conn: asyncpg.Connection) -> tuple[str, bool]:
        deck_id, previous = await _claim_id(conn, self.owner, self.slug)
        if previous is None:
            await conn.execute(
                "INSERT INTO chat_decks (id, platform, workspace, slug, name, cards, source,"
                " imported_by, imported_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                deck_id, *self.owner, self.slug, self.name, f"[{self.card}]", self.source,
                self.by, self.now,
            )  # fmt: skip
            return deck_id, True
        cards = appended(previous, self.card, self.card_id)
        if cards is None:
            raise DuplicateCard(self.card_id)
        await conn.execute(
            "UPDATE chat_decks SET cards = $1, updated_at = $2 WHERE id = $3",
            cards,
            self.now,
            deck_id,
        )
        return deck_id, False


@dataclass(frozen=True, slots=True)
class ShareDeck:
    """The deck's share code: the one it has, else `code` (new). None: not the owner's deck.
    The deck's row is locked against a removal until the code is written."""

    owner: DeckOwner
    deck_id: str
    code: str
    by: str
    now: datetime

    async def apply(self, conn: asyncpg.Connection) -> str | None:
        own = await conn.fetchval(
            "SELECT 1 FROM chat_decks WHERE id = $1 AND platform = $2 AND workspace = $3 FOR SHARE",
            self.deck_id,
            *self.owner,
        )
        if own is None:
            raise Unchanged(None)
        await conn.execute(
            "INSERT INTO chat_deck_shares (code, deck_id, platform, workspace, created_by,"
            " created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (deck_id) DO NOTHING",
            self.code, self.deck_id, *self.owner, self.by, self.now,
        )  # fmt: skip
        code = await conn.fetchval(
            "SELECT code FROM chat_deck_shares WHERE deck_id = $1", self.deck_id
        )
        return str(code)


@dataclass(frozen=True, slots=True)
class RemoveDeck:
    """Delete the owner's deck; its pictures and share code go with it (ON DELETE CASCADE).
    The learners' card states and review history stay: they are theirs."""

    owner: DeckOwner
    deck_id: str

    async def apply(self, conn: asyncpg.Connection) -> bool:
        status = await conn.execute(
            "DELETE FROM chat_decks WHERE id = $1 AND platform = $2 AND workspace = $3",
            self.deck_id,
            *self.owner,
        )
        return rowcount(status) > 0


class ChatDeckStore:
    """Chat decks on a pool (`bot.app.ports.ChatDeckStorage`); all their SQL is here."""

    def __init__(self, db: Db) -> None:
        self.db = db

    # --- reads ---------------------------------------------------------------------------------

    async def decks(self) -> list[Deck]:
        """Every workspace's chat decks (start-up and reload), decoded off the event loop."""
        rows = await self.db.fetch(
            f"SELECT {DECK_COLUMNS} FROM chat_decks ORDER BY platform, workspace, imported_at, id"
        )
        return await asyncio.to_thread(lambda: [deck_from_row(row) for row in rows])

    async def deck(self, deck_id: str) -> Deck | None:
        row = await self.db.fetchrow(
            f"SELECT {DECK_COLUMNS} FROM chat_decks WHERE id = $1", deck_id
        )
        return None if row is None else deck_from_row(row)

    async def infos(self, owner: DeckOwner) -> dict[str, DeckInfo]:
        rows = await self.db.fetch(
            "SELECT id, source, imported_by, updated_at FROM chat_decks"
            " WHERE platform = $1 AND workspace = $2",
            *owner,
        )
        return {r[0]: DeckInfo(r[0], r[1], r[2], r[3]) for r in rows}

    async def media(self, deck_id: str, name: str) -> MediaFile | None:
        row = await self.db.fetchrow(
            "SELECT name, mime, content FROM chat_deck_media WHERE deck_id = $1 AND name = $2",
            deck_id,
            name,
        )
        return None if row is None else MediaFile(row[0], row[1], bytes(row[2]))

    async def all_media(self, deck_id: str) -> tuple[MediaFile, ...]:
        rows = await self.db.fetch(
            "SELECT name, mime, content FROM chat_deck_media WHERE deck_id = $1"
            ' ORDER BY name COLLATE "C"',
            deck_id,
        )
        return tuple(MediaFile(n, m, bytes(d)) for n, m, d in rows)

    async def shared(self, code: str) -> str | None:
        """The deck id a share code stands for, or None."""
        row = await self.db.fetchrow("SELECT deck_id FROM chat_deck_shares WHERE code = $1", code)
        return None if row is None else str(row[0])

    # --- writes --------------------------------------------------------------------------------

    async def save(
        self, deck: Deck, owner: DeckOwner, slug: str, *, source: str, by: str, now: datetime
    ) -> tuple[str, tuple[Card, ...] | None]:
        """Store `deck` as the owner's deck `slug` (replacing one of that slug, same id).
        Returns its id and the cards it replaced (None: a new deck)."""
        tags, cards, warnings = await asyncio.to_thread(encode_parts, deck)
        op = SaveDeck(
            owner=owner,
            slug=slug,
            name=deck.name,
            description=deck.description,
            tags=tags,
            cards=cards,
            warnings=warnings,
            media=deck.media,
            kept_media=kept_media(deck),
            source=source,
            by=by,
            now=utc(now),
        )
        deck_id, previous = await self.db.write(op)
        if previous is None:
            return deck_id, None
        return deck_id, await asyncio.to_thread(decode_cards, deck_id, previous)

    async def append(
        self, owner: DeckOwner, slug: str, name: str, card: Card, *, by: str, now: datetime
    ) -> tuple[str, bool]:
        """Add `card` to the owner's deck `slug` (created, named `name`, when new)."""
        op = AppendCard(
            owner=owner,
            slug=slug,
            name=name,
            card=encode_card(card),
            card_id=card.id,
            source="added in chat",
            by=by,
            now=utc(now),
        )
        deck_id, created = await self.db.write(op)
        return str(deck_id), bool(created)

    async def share(
        self, owner: DeckOwner, deck_id: str, code: str, *, by: str, now: datetime
    ) -> str | None:
        return await self.db.write(ShareDeck(owner, deck_id, code, by, utc(now)))

    async def remove(self, owner: DeckOwner, deck_id: str) -> bool:
        return bool(await self.db.write(RemoveDeck(owner, deck_id)))
