"""Chat app installations and OAuth install states on PostgreSQL, as `bot/storage/installs.py`.

Every instance behind the public address reads and writes the same rows: an install started on
one (its `state` issued) finishes on whichever receives Slack's redirect.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.installs import AppInstall
from bot.storage.installs import COLUMNS
from bot.storage.postgres._db import Db, utc
from bot.storage.postgres._writes import Statement

_KEY = "platform = $1 AND enterprise = $2 AND workspace = $3"


class InstallStore:
    """Installations keyed by (platform, enterprise, workspace); states single-use."""

    def __init__(self, db: Db) -> None:
        self.db = db

    async def save(self, install: AppInstall) -> None:
        i = install
        params = (i.platform, i.enterprise, i.workspace, i.installed_by, i.enterprise_install,
                  utc(i.installed_at), i.details, i.secrets, i.user_secrets)  # fmt: skip
        slots = ", ".join(f"${n}" for n in range(1, len(params) + 1))
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS.replace(" ", "").split(",")[3:])
        sql = (
            f"INSERT INTO app_installs ({COLUMNS}) VALUES ({slots})"
            f" ON CONFLICT (platform, enterprise, workspace) DO UPDATE SET {updates}"
        )
        await self.db.write(Statement(sql, params))

    async def find(self, platform: str, enterprise: str, workspace: str) -> AppInstall | None:
        row = await self.db.fetchrow(
            f"SELECT {COLUMNS} FROM app_installs WHERE {_KEY}", platform, enterprise, workspace
        )
        return None if row is None else _install(row)

    async def delete(self, platform: str, enterprise: str, workspace: str) -> bool:
        sql = f"DELETE FROM app_installs WHERE {_KEY}"
        return bool(await self.db.write(Statement(sql, (platform, enterprise, workspace))))

    async def drop_user_secrets(
        self, platform: str, enterprise: str, workspace: str, user: str
    ) -> bool:
        sql = f"UPDATE app_installs SET user_secrets = NULL WHERE {_KEY} AND installed_by = $4"
        key = (platform, enterprise, workspace, user)
        return bool(await self.db.write(Statement(sql, key)))

    async def issue_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        await self.db.write(_IssueState(state, utc(expires_at), utc(now)))

    async def consume_state(self, state: str, now: datetime) -> bool:
        """One DELETE: of two instances racing with the same state, one wins."""
        sql = "DELETE FROM oauth_states WHERE state = $1 AND expires_at > $2"
        return await self.db.write(Statement(sql, (state, utc(now)))) == 1


class _IssueState:
    """Drop the expired states and add the new one, in one transaction."""

    def __init__(self, state: str, expires_at: datetime, now: datetime) -> None:
        self.state, self.expires_at, self.now = state, expires_at, now

    async def apply(self, conn: Any) -> None:
        await conn.execute("DELETE FROM oauth_states WHERE expires_at <= $1", self.now)
        await conn.execute(
            "INSERT INTO oauth_states (state, expires_at) VALUES ($1, $2)",
            self.state,
            self.expires_at,
        )


def _install(row: Any) -> AppInstall:
    platform, enterprise, workspace, by, org, at, details, secrets, user_secrets = row
    return AppInstall(
        platform, enterprise, workspace, by, bool(org), at, details, secrets, user_secrets
    )
