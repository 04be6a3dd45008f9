"""Review-mode card choice that reads a few card states, not all of them.

`choose_card` ranks every card of the deck against every state the learner has: 10,000 states
read and decoded per question. A repository that can answer narrower questions (due cards,
weakest first, with a LIMIT; how many cards are reviewed; which of these cards are) lets the
service hand `choose_card` only the candidates that can win, in library order, so its ranking
and tie-breaks, and therefore its choice, stay the same. Only reviewing ahead (nothing due, no
new card left today) reads every state: it ranks cards that are not due. Nothing per learner is cached here
except the monotone fact "has reviewed every card of this deck" (a review is never undone),
because daily quizzes and competitions write card states through their own stores.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.core.library import Library
from bot.core.models import Card, CardKey, CardRecord, CardState, Learner, Mode
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig, choose_card, is_fresh

DUE_CANDIDATES = 64
"""Due cards fetched per question; the SQL order matches retrievability, so the first wins
unless some were removed from the deck or the session just asked it."""
_FIRST_BATCH = 16
_MAX_BATCH = 8192
_COMPLETE_MEMO = 100_000
_ORDER_MEMO = 256
_POSITION_MEMO = 64
"""Snapshots whose card positions are kept: one per workspace view in use, so workspaces
taking turns do not rebuild each other's tables on every question."""


@runtime_checkable
class NarrowReads(Protocol):
    """What the SQL repositories offer beyond `core.ports.Repository`."""

    async def due_candidates(
        self, learner: Learner, deck_id: str | None, now: datetime, limit: int
    ) -> list[CardState]: ...

    async def reviewed_among(self, learner: Learner, keys: list[CardKey]) -> set[CardKey]: ...

    async def load_states(self, learner: Learner) -> dict[CardKey, CardState]: ...


class ReviewPicker:
    """The next review card through `NarrowReads`; same answer as `choose_card` on all states."""

    def __init__(self, repo: NarrowReads) -> None:
        self.repo = repo
        self._complete: OrderedDict[tuple[Learner, str | None, int], None] = OrderedDict()
        self._positions: OrderedDict[int, dict[str | None, dict[CardKey, int]]] = OrderedDict()
        self._orders: OrderedDict[tuple[int, str | None, int], tuple[object, list[Card]]] = (
            OrderedDict()
        )

    def positions(self, library: Library, deck_id: str | None) -> dict[CardKey, int]:
        """Each card's index in `library.cards(deck_id)`, built once per library snapshot."""
        table = self._positions.get(library.serial)
        if table is None:
            table = self._positions[library.serial] = {}
            if len(self._positions) > _POSITION_MEMO:
                self._positions.popitem(last=False)
        else:
            self._positions.move_to_end(library.serial)
        found = table.get(deck_id)
        if found is None:
            found = {card.key: i for i, card in enumerate(library.cards(deck_id))}
            table[deck_id] = found
        return found

    async def pick(
        self,
        library: Library,
        learner: Learner,
        deck_id: str | None,
        scheduler: Scheduler,
        now: datetime,
        rng: random.Random,
        *,
        config: SelectionConfig,
        last_card: CardKey | None,
        new_today: NewToday,
        records: Records,
    ) -> tuple[tuple[Card, bool] | None, dict[CardKey, CardState]] | None:
        """(choice, the candidate states), or None when the caller must fall back to all states."""
        cards = library.cards(deck_id)
        where = self.positions(library, deck_id)
        only_card = len(cards) == 1
        skip = None if only_card else last_card
        due = await self.repo.due_candidates(learner, deck_id, now, DUE_CANDIDATES)
        usable = [s for s in due if s.key in where and s.key != skip]
        if any(not is_fresh(s, now, config) for s in usable):
            return self._choose(cards, where, usable, [], scheduler, now, rng, config, last_card)
        if len(due) == DUE_CANDIDATES:
            return None  # every candidate was removed or seen minutes ago: rank them all
        fresh: list[Card] = []
        if config.new_per_day - await new_today() > 0:
            fresh = await self._first_new(library, learner, deck_id, cards, skip, await records())
        if usable or fresh:
            return self._choose(cards, where, usable, fresh, scheduler, now, rng, config, last_card)
        return await self._ahead(library, learner, deck_id, scheduler, now, rng, config, last_card)

    async def _ahead(
        self,
        library: Library,
        learner: Learner,
        deck_id: str | None,
        scheduler: Scheduler,
        now: datetime,
        rng: random.Random,
        config: SelectionConfig,
        last_card: CardKey | None,
    ) -> tuple[tuple[Card, bool] | None, dict[CardKey, CardState]]:
        """Nothing due and no new card: review ahead, which ranks every state (one full read,
        only once the day's due and new cards are done)."""
        cards = library.cards(deck_id)
        states = await self.repo.load_states(learner)
        picked = choose_card(
            cards,
            states,
            {},
            scheduler,
            now,
            rng,
            new_today=0,
            config=replace(config, new_per_day=0),
            last_card=last_card,
            mode=Mode.REVIEW,
        )
        return picked, states

    def _choose(
        self,
        cards: Sequence[Card],
        where: Mapping[CardKey, int],
        due: list[CardState],
        fresh: list[Card],
        scheduler: Scheduler,
        now: datetime,
        rng: random.Random,
        config: SelectionConfig,
        last_card: CardKey | None,
    ) -> tuple[tuple[Card, bool] | None, dict[CardKey, CardState]]:
        states = {s.key: s for s in due}
        subset = sorted({*(cards[where[k]] for k in states), *fresh}, key=lambda c: where[c.key])
        picked = choose_card(
            subset,
            states,
            {},
            scheduler,
            now,
            rng,
            new_today=0,
            config=replace(config, new_per_day=1 if fresh else 0),
            last_card=last_card,
            mode=Mode.REVIEW,
            only_card=len(cards) == 1,
        )
        return picked, states

    async def _first_new(
        self,
        library: Library,
        learner: Learner,
        deck_id: str | None,
        cards: Sequence[Card],
        skip: CardKey | None,
        records: Mapping[CardKey, CardRecord],
    ) -> list[Card]:
        """The easiest unseen card other than `skip`, walking the cards in easiest-first order
        in growing batches (one query each); [] when there is none."""
        memo = (learner, deck_id, library.serial)
        if memo in self._complete:
            return []
        order = self._order(library, deck_id, cards, records)
        start, size = 0, _FIRST_BATCH
        while start < len(order):
            batch = [c for c in order[start : start + size] if c.key != skip]
            start, size = start + size, min(size * 8, _MAX_BATCH)
            seen = await self.repo.reviewed_among(learner, [c.key for c in batch])
            for card in batch:
                if card.key not in seen:
                    return [card]
        if skip is None or await self.repo.reviewed_among(learner, [skip]):
            self._complete[memo] = None  # every card reviewed: stays true until a reload
            if len(self._complete) > _COMPLETE_MEMO:
                self._complete.popitem(last=False)
        return []

    def _order(
        self,
        library: Library,
        deck_id: str | None,
        cards: Sequence[Card],
        records: Mapping[CardKey, CardRecord],
    ) -> list[Card]:
        """`easiest_first`, kept while the library snapshot and the group's records are the
        same objects (the service refreshes records once a minute)."""
        key = (library.serial, deck_id, id(records))
        hit = self._orders.get(key)
        if hit is not None:
            return hit[1]
        order = easiest_first(cards, records)
        self._orders[key] = (records, order)  # holding `records` keeps its id unique
        if len(self._orders) > _ORDER_MEMO:
            self._orders.popitem(last=False)
        return order


def easiest_first(cards: Sequence[Card], records: Mapping[CardKey, CardRecord]) -> list[Card]:
    """New-card order of `choose_card`: highest group success rate, then library order."""
    if not records:
        return list(cards)
    unseen = CardRecord()
    ranked = sorted(
        range(len(cards)),
        key=lambda i: (-records.get(cards[i].key, unseen).success_rate, i),
    )
    return [cards[i] for i in ranked]


class NewToday(Protocol):
    async def __call__(self) -> int: ...


class Records(Protocol):
    async def __call__(self) -> Mapping[CardKey, CardRecord]: ...
