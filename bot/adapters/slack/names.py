"""Display names for channel posts, from users.info, cached.

A leaderboard in a channel shows names as plain text: `<@U123>` there would notify everyone
listed. Lookups are cached for an hour and fall back to the user id when Slack says no.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

TTL_SECONDS = 3600.0
MAX_ENTRIES = 10_000


class Names:
    """user id -> display name, shared by every listener of one app."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._cache: dict[str, tuple[float, str]] = {}

    async def lookup(self, client: AsyncWebClient, user_ids: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(user_ids))
        found = await asyncio.gather(*(self.name(client, u) for u in wanted))
        return dict(zip(wanted, found, strict=True))

    async def name(self, client: AsyncWebClient, user_id: str) -> str:
        now = time.monotonic()
        cached = self._cache.get(user_id)
        if cached and cached[0] > now:
            return cached[1]
        try:
            response = await client.users_info(user=user_id)
            user = response.get("user") or {}
        except (TimeoutError, SlackApiError, OSError) as error:
            log.warning("users.info %s failed: %s", user_id, error)
            return user_id
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id
        )
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[user_id] = (now + self._ttl, name)
        return name
