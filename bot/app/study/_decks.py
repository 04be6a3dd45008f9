"""Deck lookups the study service makes: which deck a request names, and the chat decks a
reload keeps (read again from the store, so an import another process made is kept too)."""

from __future__ import annotations

from bot.app.ports import Stores, stores_of
from bot.core.errors import NoCards, UnknownDeck
from bot.core.library import Library
from bot.core.models import Deck
from bot.core.ports import Repository


def checked_deck(library: Library, deck_id: str | None) -> str | None:
    """`deck_id` when `library` (a learner's view) holds it; None for every deck."""
    if deck_id is None or deck_id == "":
        if not library.decks:
            raise NoCards()
        return None
    if library.deck(deck_id) is None:
        raise UnknownDeck(deck_id)
    return deck_id


async def chat_decks(repo: Repository, library: Library) -> tuple[Deck, ...]:
    """Every workspace's chat decks as stored; a test fake keeps none, so those in memory stay."""
    if isinstance(repo, Stores):  # every real back-end
        return tuple(await stores_of(repo).chat_deck_store().decks())
    return tuple(d for d in library.decks if d.owner is not None)
