"""The two reads of every click (the session, the answered card's state) coalesced under load.

Each read of the answer path is a round trip with its pool checkout, send, receive and timer on
the event loop, which bench/answer_path.py found to be most of the client's CPU once decoding
was cheap. A read goes out at once while fewer than `FLIGHTS` of its kind are in flight (the
single-row statement, as before); the reads that come while all are out wait for the first to
land and then go as one statement over all their keys. So nothing waits when the bot is idle,
and a burst (a daily quiz answered by a whole server, the loop catching up after a pause)
costs one round trip per wave instead of one per read.

Freshness is unchanged: a waiting read's statement starts after the read was asked for, so it
sees every commit that an immediate read would have seen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from bot.storage.postgres._db import Db
from bot.storage.postgres._stats import PERSON

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

FLIGHTS = 2

One = Callable[[K], Awaitable[V | None]]
Many = Callable[[Sequence[K]], Awaitable[dict[K, V]]]


class Coalesced(Generic[K, V]):
    """`get(key)`: `one(key)` when a flight is free, else a share of one `many(keys)`."""

    def __init__(self, one: One[K, V], many: Many[K, V], flights: int = FLIGHTS) -> None:
        self.one, self.many, self.flights = one, many, flights
        self._out = 0
        self._waiting: dict[K, asyncio.Future[V | None]] = {}

    async def get(self, key: K) -> V | None:
        if self._out >= self.flights:
            future = self._waiting.get(key)
            if future is None:
                future = self._waiting[key] = asyncio.get_running_loop().create_future()
                future.add_done_callback(_retrieved)
            return await asyncio.shield(future)  # one caller giving up leaves the others
        self._out += 1
        try:
            return await self.one(key)
        finally:
            self._landed()

    def _landed(self) -> None:
        if self._waiting:
            waiting, self._waiting = self._waiting, {}
            asyncio.get_running_loop().create_task(self._wave(waiting))  # keeps this flight
        else:
            self._out -= 1

    async def _wave(self, waiting: dict[K, asyncio.Future[V | None]]) -> None:
        try:
            found: dict[K, Any] = await self.many(list(waiting))
        except Exception as exc:
            for future in waiting.values():
                if not future.done():
                    future.set_exception(exc)
        except BaseException:
            for future in waiting.values():
                future.cancel()
            raise
        else:
            for key, future in waiting.items():
                if not future.done():
                    future.set_result(found.get(key))
        finally:
            self._landed()


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark a failure seen: its callers may all have given up (a cancelled interaction)."""
    if not future.cancelled():
        future.exception()


STATE_COLUMNS = (
    "deck_id, card_id, phase, step, stability, difficulty, due, last_review, reps, lapses,"
    " wrong_streak"
)
_SESSION = "SELECT data FROM sessions WHERE id = $1"
_SESSIONS = "SELECT id, data FROM sessions WHERE id = ANY($1::text[])"
_STATE = (
    f"SELECT {STATE_COLUMNS} FROM card_states WHERE person_id = {PERSON}"
    " AND deck_id = $3 AND card_id = $4"
)
_STATES = (
    'SELECT k.platform, k."user", '
    + ", ".join(f"s.{c.strip()}" for c in STATE_COLUMNS.split(","))
    + ' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k (platform, "user",'
    ' deck_id, card_id) JOIN people p ON p.platform = k.platform AND p."user" = k."user"'
    " JOIN card_states s ON s.person_id = p.id AND s.deck_id = k.deck_id"
    " AND s.card_id = k.card_id"
)
StateKey = tuple[str, str, str, str]
"""(platform, user, deck id, card id): a person's state of one card."""


def session_reads(db: Db) -> Coalesced[str, str]:
    """A session's stored text by id."""

    async def one(session_id: str) -> str | None:
        row = await db.fetchrow(_SESSION, session_id)
        return None if row is None else row[0]

    async def many(ids: Sequence[str]) -> dict[str, str]:
        return {sid: data for sid, data in await db.fetch(_SESSIONS, list(ids))}

    return Coalesced(one, many)


def state_reads(db: Db) -> Coalesced[StateKey, tuple[Any, ...]]:
    """A card state's columns (`STATE_COLUMNS`) by person and card."""

    async def one(key: StateKey) -> tuple[Any, ...] | None:
        row = await db.fetchrow(_STATE, *key)
        return None if row is None else tuple(row)

    async def many(keys: Sequence[StateKey]) -> dict[StateKey, tuple[Any, ...]]:
        rows = await db.fetch(_STATES, *(list(column) for column in zip(*keys, strict=True)))
        return {(r[0], r[1], r[2], r[3]): tuple(r)[2:] for r in rows}

    return Coalesced(one, many)
