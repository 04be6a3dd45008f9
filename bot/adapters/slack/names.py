"""Display names for channel posts, from users.info, cached.

A leaderboard in a channel shows names as plain text: `<@U123>` there would notify everyone
listed. Slack limits users.info (Tier 4, about 100 calls a minute per workspace), so a click
never waits on it: the click records the name Slack sent with it (`handle_of`), and names are
looked up only when a post shows them, a few at a time. Lookups are cached for an hour; a
`ratelimited` answer pauses that workspace's lookups for its Retry-After (no hammering), and a
name that cannot be had falls back to what was recorded, else to `FALLBACK`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

TTL_SECONDS = 3600.0
MAX_ENTRIES = 10_000
PAUSE_SECONDS = 30.0
"""The pause after a 429 that did not say how long (Slack always says; a proxy may not)."""
ASK_AT_ONCE = 20
"""users.info calls one post may make: the first names in its order; the rest as recorded."""
FALLBACK = "a member"
"""Shown for someone whose name is unknown: never a raw user id, never a mention."""


def handle_of(body: dict[str, Any]) -> str:
    """The name an interaction payload carries for its user (no API call), or ""."""
    user = body.get("user") or {}
    return str(user.get("username") or user.get("name") or "")[:80]


def shown(name: str, user_id: str) -> str:
    """A recorded name fit to post: the fallback when it is empty or just the user id."""
    return name if name and name != user_id else FALLBACK


class Names:
    """user id -> display name, shared by every listener of one app."""

    def __init__(
        self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, str]] = {}
        self._paused: dict[str, float] = {}
        """client token -> when its workspace may ask users.info again (Retry-After)."""
        self._asking: dict[str, asyncio.Task[str | None]] = {}
        """One users.info in flight per user, however many posts want the name."""

    def known(self, user_id: str) -> str | None:
        """The cached name, without asking Slack."""
        cached = self._cache.get(user_id)
        return cached[1] if cached and cached[0] > self._clock() else None

    async def lookup(
        self, client: AsyncWebClient, user_ids: Iterable[str],
        recorded: Mapping[str, str] | None = None,
    ) -> dict[str, str]:  # fmt: skip
        """Names to show for `user_ids`; `recorded` are the names stored with their answers."""
        wanted, kept = list(dict.fromkeys(user_ids)), recorded or {}
        left_out = set([u for u in wanted if self.known(u) is None][ASK_AT_ONCE:])
        asked = [u for u in wanted if u not in left_out]
        found = await asyncio.gather(*(self.name(client, u, kept.get(u, "")) for u in asked))
        return {
            **{u: shown(kept.get(u, ""), u) for u in wanted if u in left_out},
            **dict(zip(asked, found, strict=True)),
        }

    async def name(self, client: AsyncWebClient, user_id: str, recorded: str = "") -> str:
        if (cached := self.known(user_id)) is not None:
            return cached
        if self._paused.get(client.token or "", 0.0) > self._clock():
            return shown(recorded, user_id)
        task = self._asking.get(user_id)
        if task is None:
            task = asyncio.ensure_future(self._ask(client, user_id))
            self._asking[user_id] = task
            task.add_done_callback(lambda _: self._asking.pop(user_id, None))
        name = await asyncio.shield(task)
        return name or shown(recorded, user_id)

    async def _ask(self, client: AsyncWebClient, user_id: str) -> str | None:
        try:
            response = await client.users_info(user=user_id)
            user = response.get("user") or {}
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            if code == "ratelimited":
                self._pause(client, error.response.headers)
            log.warning("users.info %s failed: %s", user_id, code)
            return None
        except (TimeoutError, OSError) as error:
            log.warning("users.info %s failed: %s", user_id, error)
            return None
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or profile.get("real_name") or user.get("name") or ""
        )
        if not name:
            return None
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[user_id] = (self._clock() + self._ttl, name)
        return name

    def _pause(self, client: AsyncWebClient, headers: Mapping[str, Any]) -> None:
        after = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        try:
            seconds = float(after) if after is not None else PAUSE_SECONDS
        except (TypeError, ValueError):
            seconds = PAUSE_SECONDS
        self._paused[client.token or ""] = self._clock() + min(max(seconds, 1.0), 300.0)
        log.info("users.info rate-limited: names from recorded ones for %.0f s", seconds)
