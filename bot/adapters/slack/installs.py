"""slack_sdk's installation and OAuth state stores over the bot's own database.

Why not slack_sdk's SQLAlchemy stores: the bot already has one database with one numbered list
of migrations on each back-end (SQLite, PostgreSQL through asyncpg), and people's data rights
(forget-me, my-data, a departed workspace's purge) cover every table in it. SQLAlchemy stores
would add a dependency, a second connection pool and tables outside that list; these two
classes are the Protocols bolt calls, over `bot.app.ports.InstallStorage`.

One row per workspace (the latest install): quizbot asks for bot scopes only, so a workspace's
installation is its bot token. Tokens are sealed (`sealing.Sealer`) before they are stored and
opened only here; nothing in this module logs one.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.adapters.slack import ids
from bot.adapters.slack.sealing import Sealer, Unreadable
from bot.app.ports import InstallStorage
from bot.core.installs import AppInstall
from bot.core.ports import Clock

log = logging.getLogger(__name__)

DETAILS = (
    "app_id", "enterprise_name", "enterprise_url", "team_name", "bot_id", "bot_user_id",
    "bot_scopes", "bot_token_expires_at", "user_scopes", "user_token_expires_at",
    "incoming_webhook_channel", "incoming_webhook_channel_id",
    "incoming_webhook_configuration_url", "token_type",
)  # fmt: skip
"""What is kept in the clear: nothing here opens anything."""
BOT_SECRETS = ("bot_token", "bot_refresh_token", "incoming_webhook_url")
USER_SECRETS = ("user_token", "user_refresh_token")


def key(
    enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
) -> tuple[str, str]:
    """(enterprise, workspace) of a row: an organisation-wide install has no workspace."""
    if is_enterprise_install or (enterprise_id and not team_id):
        return enterprise_id or "", ""
    return enterprise_id or "", team_id or ""


class SlackInstallations(AsyncInstallationStore):
    """Bolt's `AsyncInstallationStore`: what `authorize` reads for every request, what the OAuth
    flow and token rotation write, what uninstall events delete."""

    def __init__(self, store: InstallStorage, sealer: Sealer) -> None:
        self.store = store
        self.sealer = sealer

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        i = installation
        values = i.to_dict()
        enterprise, workspace = key(i.enterprise_id, i.team_id, i.is_enterprise_install)
        user = {k: values[k] for k in USER_SECRETS if values.get(k)}
        await self.store.save(
            AppInstall(
                platform=ids.PLATFORM,
                enterprise=enterprise,
                workspace=workspace,
                installed_by=i.user_id or "",
                enterprise_install=bool(i.is_enterprise_install),
                installed_at=datetime.fromtimestamp(i.installed_at, UTC),
                details=json.dumps(_details(i)),
                secrets=self.sealer.seal({k: values.get(k) for k in BOT_SECRETS}),
                user_secrets=self.sealer.seal(user) if user else None,
            )
        )
        log.info("slack installation saved for %s", workspace or enterprise)

    async def async_save_bot(self, bot: Bot) -> None:
        """A rotated bot token (bolt's find_bot path): the rest of the row stays."""
        found = await self.async_find_installation(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            is_enterprise_install=bot.is_enterprise_install,
        )
        base = found.to_dict_for_copying() if found else {"user_id": ""}
        base.update(
            {k: v for k, v in bot.to_dict_for_copying().items() if k != "custom_values"},
            installed_at=bot.installed_at,
        )
        await self.async_save(Installation(**base))

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = await self.store.find(
            ids.PLATFORM, *key(enterprise_id, team_id, is_enterprise_install)
        )
        if row is None or (user_id is not None and row.installed_by != user_id):
            return None
        try:
            values = self.sealer.open(row.secrets)
            if row.user_secrets:
                values.update(self.sealer.open(row.user_secrets))
        except Unreadable as error:
            log.error("slack installation of %s: %s", row.workspace or row.enterprise, error)
            return None
        return Installation(
            **json.loads(row.details),
            **values,
            enterprise_id=row.enterprise or None,
            team_id=row.workspace or None,
            user_id=row.installed_by,
            is_enterprise_install=row.enterprise_install,
            installed_at=row.installed_at.timestamp(),
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self.async_find_installation(
            enterprise_id=enterprise_id, team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )  # fmt: skip
        return found.to_bot() if found is not None and found.bot_token else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """A user's revoked token goes alone; without a user, the installation goes."""
        if user_id is None:
            await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
            return
        await self.store.drop_user_secrets(ids.PLATFORM, *key(enterprise_id, team_id), user_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        enterprise, workspace = key(enterprise_id, team_id)
        if await self.store.delete(ids.PLATFORM, enterprise, workspace):
            log.info("slack installation of %s deleted", workspace or enterprise)


def _details(i: Installation) -> dict[str, Any]:
    values = i.to_dict()
    out = {k: values.get(k) for k in DETAILS}
    out["bot_token_expires_at"] = i.bot_token_expires_at  # seconds, not a datetime
    out["user_token_expires_at"] = i.user_token_expires_at
    return out


class SlackStates(AsyncOAuthStateStore):
    """Bolt's `AsyncOAuthStateStore`: a random state per install started, single-use, for
    `expiration_seconds`, kept in the database so any instance can finish the install."""

    def __init__(self, store: InstallStorage, clock: Clock, expiration_seconds: int = 600) -> None:
        self.store = store
        self.clock = clock
        self.expiration = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = self.clock.now()
        await self.store.issue_state(state, now + self.expiration, now)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state or len(state) > 200:
            return False
        return await self.store.consume_state(state, self.clock.now())
