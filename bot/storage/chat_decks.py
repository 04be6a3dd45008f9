"""ChatDeckStore: decks imported in chat, their pictures and their share codes (0008_chat_decks.sql).

A deck is one row: its cards as a JSON list (every `Card` field; `deck_id` is the row's id;
`bot.storage.deck_codec`, shared with PostgreSQL's store), so reading the decks at start-up is
one query. Pictures are rows apart, read one at a time when a card is shown. Every change is
one write op (one transaction) on the repository's single writer; the deck id is chosen inside
it, so two imports racing cannot both take one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.core.library import chat_deck_id
from bot.core.models import Card, Deck, DeckOwner, MediaFile
from bot.core.ports import DuplicateCard
from bot.core.reports import DeckInfo
from bot.storage._writes import LearnerIds, SqlAccess, Unchanged
from bot.storage.codec import dt_to_text, text_to_dt
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

# --- write ops ----------------------------------------------------------------------------------


def _claim_id(conn: sqlite3.Connection, owner: DeckOwner, slug: str) -> tuple[str, str | None]:
    """(the deck's id, its stored cards JSON): the existing deck of `owner` named `slug`, or a
    free new id (None for the cards)."""
    row = conn.execute(
        "SELECT id, cards FROM chat_decks WHERE platform = ? AND workspace = ? AND slug = ?",
        (*owner, slug),
    ).fetchone()
    if row is not None:
        return row[0], row[1]
    for chars in ID_TAG_CHARS:
        deck_id = chat_deck_id(slug, owner, chars)
        if conn.execute("SELECT 1 FROM chat_decks WHERE id = ?", (deck_id,)).fetchone() is None:
            return deck_id, None
    raise sqlite3.IntegrityError(f"no free id for deck {slug!r}")  # a full-hash clash


@dataclass(frozen=True, slots=True)
class SaveDeck:
    """Insert the deck, or replace the owner's deck with the same slug (keeping its id); its
    pictures are replaced too, except those its cards still name without bringing them (a YAML
    export imported again carries `media:` names, not bytes). Returns (deck id, the previous
    cards JSON or None)."""

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
    now: str
    kept_media: tuple[str, ...] = ()
    """Picture names the cards use that `media` lacks: the previous version's stay."""

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> tuple[str, str | None]:
        deck_id, previous = _claim_id(conn, self.owner, self.slug)
        if previous is None:
            conn.execute(
                "INSERT INTO chat_decks (id, platform, workspace, slug, name, description, tags,"
                " cards, warnings, source, imported_by, imported_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (deck_id, *self.owner, self.slug, self.name, self.description, self.tags,
                 self.cards, self.warnings, self.source, self.by, self.now, self.now),
            )  # fmt: skip
        else:
            conn.execute(
                "UPDATE chat_decks SET name = ?, description = ?, tags = ?, cards = ?,"
                " warnings = ?, source = ?, imported_by = ?, updated_at = ? WHERE id = ?",
                (self.name, self.description, self.tags, self.cards, self.warnings,
                 self.source, self.by, self.now, deck_id),
            )  # fmt: skip
            kept = ",".join("?" * len(self.kept_media))
            conn.execute(
                f"DELETE FROM chat_deck_media WHERE deck_id = ? AND name NOT IN ({kept})",
                (deck_id, *self.kept_media),
            )
        conn.executemany(
            "INSERT INTO chat_deck_media (deck_id, platform, workspace, name, mime, content)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(deck_id, *self.owner, m.name, m.mime, m.data) for m in self.media],
        )
        return deck_id, previous


@dataclass(frozen=True, slots=True)
class AppendCard:
    """Add one card to the owner's deck named `slug`, creating the deck when there is none.
    Returns (deck id, created); raises DuplicateCard when the card id is taken."""

    owner: DeckOwner
    slug: str
    name: str
    card: str
    card_id: str
    source: str
    by: str
    now: str

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> tuple[str, bool]:
        deck_id, previous = _claim_id(conn, self.owner, self.slug)
        if previous is None:
            conn.execute(
                "INSERT INTO chat_decks (id, platform, workspace, slug, name, cards, source,"
                " imported_by, imported_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (deck_id, *self.owner, self.slug, self.name, f"[{self.card}]", self.source,
                 self.by, self.now, self.now),
            )  # fmt: skip
            return deck_id, True
        cards = appended(previous, self.card, self.card_id)
        if cards is None:
            raise DuplicateCard(self.card_id)
        conn.execute(
            "UPDATE chat_decks SET cards = ?, updated_at = ? WHERE id = ?",
            (cards, self.now, deck_id),
        )
        return deck_id, False


@dataclass(frozen=True, slots=True)
class ShareDeck:
    """The deck's share code: the one it has, else `code` (new). None: not the owner's deck."""

    owner: DeckOwner
    deck_id: str
    code: str
    by: str
    now: str

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> str | None:
        own = conn.execute(
            "SELECT 1 FROM chat_decks WHERE id = ? AND platform = ? AND workspace = ?",
            (self.deck_id, *self.owner),
        ).fetchone()
        if own is None:
            raise Unchanged(None)
        conn.execute(
            "INSERT INTO chat_deck_shares (code, deck_id, platform, workspace, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (deck_id) DO NOTHING",
            (self.code, self.deck_id, *self.owner, self.by, self.now),
        )
        row = conn.execute(
            "SELECT code FROM chat_deck_shares WHERE deck_id = ?", (self.deck_id,)
        ).fetchone()
        return str(row[0])


@dataclass(frozen=True, slots=True)
class RemoveDeck:
    """Delete the owner's deck; its pictures and share code go with it (ON DELETE CASCADE).
    The learners' card states and review history stay: they are theirs."""

    owner: DeckOwner
    deck_id: str

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> bool:
        cursor = conn.execute(
            "DELETE FROM chat_decks WHERE id = ? AND platform = ? AND workspace = ?",
            (self.deck_id, *self.owner),
        )
        return cursor.rowcount > 0


# --- the store ----------------------------------------------------------------------------------


class ChatDeckStore:
    """Chat decks over a SqliteRepository's writer and read connection
    (`bot.app.ports.ChatDeckStorage`); all their SQL is here."""

    def __init__(self, repo: SqlAccess) -> None:
        self.repo = repo

    # --- reads ---------------------------------------------------------------------------------

    async def decks(self) -> list[Deck]:
        """Every workspace's chat decks (start-up and reload), decoded off the event loop."""
        rows = await self.repo.fetch(
            f"SELECT {DECK_COLUMNS} FROM chat_decks ORDER BY platform, workspace, imported_at, id"
        )
        return await asyncio.to_thread(lambda: [deck_from_row(row) for row in rows])

    async def deck(self, deck_id: str) -> Deck | None:
        sql = f"SELECT {DECK_COLUMNS} FROM chat_decks WHERE id = ?"
        rows = await self.repo.fetch(sql, (deck_id,))
        return deck_from_row(rows[0]) if rows else None

    async def infos(self, owner: DeckOwner) -> dict[str, DeckInfo]:
        rows = await self.repo.fetch(
            "SELECT id, source, imported_by, updated_at FROM chat_decks"
            " WHERE platform = ? AND workspace = ?",
            owner,
        )
        return {r[0]: DeckInfo(r[0], r[1], r[2], text_to_dt(r[3])) for r in rows}

    async def media(self, deck_id: str, name: str) -> MediaFile | None:
        rows = await self.repo.fetch(
            "SELECT name, mime, content FROM chat_deck_media WHERE deck_id = ? AND name = ?",
            (deck_id, name),
        )
        return MediaFile(rows[0][0], rows[0][1], bytes(rows[0][2])) if rows else None

    async def all_media(self, deck_id: str) -> tuple[MediaFile, ...]:
        rows = await self.repo.fetch(
            "SELECT name, mime, content FROM chat_deck_media WHERE deck_id = ? ORDER BY name",
            (deck_id,),
        )
        return tuple(MediaFile(n, m, bytes(d)) for n, m, d in rows)

    async def shared(self, code: str) -> str | None:
        """The deck id a share code stands for, or None."""
        rows = await self.repo.fetch("SELECT deck_id FROM chat_deck_shares WHERE code = ?", (code,))
        return rows[0][0] if rows else None

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
            now=dt_to_text(now),
        )
        deck_id, previous = await self.repo.write(op)
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
            now=dt_to_text(now),
        )
        deck_id, created = await self.repo.write(op)
        return str(deck_id), bool(created)

    async def share(
        self, owner: DeckOwner, deck_id: str, code: str, *, by: str, now: datetime
    ) -> str | None:
        return await self.repo.write(ShareDeck(owner, deck_id, code, by, dt_to_text(now)))

    async def remove(self, owner: DeckOwner, deck_id: str) -> bool:
        return bool(await self.repo.write(RemoveDeck(owner, deck_id)))
