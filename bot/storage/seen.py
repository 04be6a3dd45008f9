"""Event ids already handled, in SQLite (`bot.app.ports.SeenStorage`)."""

from __future__ import annotations

from datetime import datetime

from bot.storage._writes import SqlAccess, Statement
from bot.storage.codec import dt_to_text

_FIRST = (
    "INSERT INTO seen_events (platform, event_id, workspace, expires_at) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (platform, event_id) DO UPDATE SET workspace = excluded.workspace,"
    " expires_at = excluded.expires_at WHERE seen_events.expires_at <= ?"
)


class SeenStore:
    def __init__(self, repo: SqlAccess) -> None:
        self.repo = repo

    async def first_sight(
        self, platform: str, workspace: str, event_id: str, now: datetime, until: datetime
    ) -> bool:
        """One upsert: of two instances recording the same id, one row changes, one wins."""
        params = (platform, event_id, workspace, dt_to_text(until), dt_to_text(now))
        return bool(await self.repo.write(Statement(_FIRST, params)))

    async def drop_expired(self, now: datetime) -> int:
        sql = "DELETE FROM seen_events WHERE expires_at <= ?"
        return int(await self.repo.write(Statement(sql, (dt_to_text(now),))))
