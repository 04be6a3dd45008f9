"""Chat app installations and OAuth install states in SQLite (`bot.app.ports.InstallStorage`).

The sealed columns are opaque text here: the adapter encrypts before saving and decrypts after
reading, so storage never handles a usable token.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.installs import AppInstall
from bot.storage._writes import LearnerIds, SqlAccess, Statement
from bot.storage.codec import dt_to_text, text_to_dt

COLUMNS = (
    "platform, enterprise, workspace, installed_by, enterprise_install, installed_at, details,"
    " secrets, user_secrets"
)
_KEY = "platform = ? AND enterprise = ? AND workspace = ?"


class InstallStore:
    """Installations keyed by (platform, enterprise, workspace); states single-use."""

    def __init__(self, repo: SqlAccess) -> None:
        self.repo = repo

    async def save(self, install: AppInstall) -> None:
        i = install
        params = (i.platform, i.enterprise, i.workspace, i.installed_by, int(i.enterprise_install),
                  dt_to_text(i.installed_at), i.details, i.secrets, i.user_secrets)  # fmt: skip
        sql = f"INSERT OR REPLACE INTO app_installs ({COLUMNS}) VALUES ({', '.join('?' * 9)})"
        await self.repo.write(Statement(sql, params))

    async def find(self, platform: str, enterprise: str, workspace: str) -> AppInstall | None:
        rows = await self.repo.fetch(
            f"SELECT {COLUMNS} FROM app_installs WHERE {_KEY}", (platform, enterprise, workspace)
        )
        return _install(rows[0]) if rows else None

    async def delete(self, platform: str, enterprise: str, workspace: str) -> bool:
        sql = f"DELETE FROM app_installs WHERE {_KEY}"
        return bool(await self.repo.write(Statement(sql, (platform, enterprise, workspace))))

    async def drop_user_secrets(
        self, platform: str, enterprise: str, workspace: str, user: str
    ) -> bool:
        sql = f"UPDATE app_installs SET user_secrets = NULL WHERE {_KEY} AND installed_by = ?"
        key = (platform, enterprise, workspace, user)
        return bool(await self.repo.write(Statement(sql, key)))

    async def issue_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        await self.repo.write(_IssueState(state, dt_to_text(expires_at), dt_to_text(now)))

    async def consume_state(self, state: str, now: datetime) -> bool:
        """One DELETE: of two requests racing with the same state, one wins."""
        sql = "DELETE FROM oauth_states WHERE state = ? AND expires_at > ?"
        return await self.repo.write(Statement(sql, (state, dt_to_text(now)))) == 1


@dataclass(frozen=True, slots=True)
class _IssueState:
    """Drop the expired states and add the new one, in one transaction."""

    state: str
    expires_at: str
    now: str

    def apply(self, conn: sqlite3.Connection, ids: LearnerIds) -> None:
        conn.execute("DELETE FROM oauth_states WHERE expires_at <= ?", (self.now,))
        sql = "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)"
        conn.execute(sql, (self.state, self.expires_at))


def _install(row: tuple[Any, ...]) -> AppInstall:
    platform, enterprise, workspace, by, org, at, details, secrets, user_secrets = row
    return AppInstall(
        platform, enterprise, workspace, by, bool(org), text_to_dt(at), details, secrets,
        user_secrets,
    )  # fmt: skip
