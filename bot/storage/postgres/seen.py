"""Event ids already handled, on PostgreSQL, as `bot/storage/seen.py`: every instance behind
the public address checks the same rows."""

from __future__ import annotations

from datetime import datetime

from bot.storage.postgres._db import Db, utc
from bot.storage.postgres._writes import Statement

_FIRST = (
    "INSERT INTO seen_events (platform, event_id, workspace, expires_at) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (platform, event_id) DO UPDATE SET workspace = excluded.workspace,"
    " expires_at = excluded.expires_at WHERE seen_events.expires_at <= $5"
)


class SeenStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def first_sight(
        self, platform: str, workspace: str, event_id: str, now: datetime, until: datetime
    ) -> bool:
        """One upsert: of two instances recording the same id, one row changes, one wins."""
        params = (platform, event_id, workspace, utc(until), utc(now))
        return bool(await self.db.write(Statement(_FIRST, params)))

    async def drop_expired(self, now: datetime) -> int:
        sql = "DELETE FROM seen_events WHERE expires_at <= $1"
        return int(await self.db.write(Statement(sql, (utc(now),))))
