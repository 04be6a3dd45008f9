"""Each Slack event handled once across instances: HTTP mode may run several instances behind
one address, and Slack redelivers an event it thinks was missed (X-Slack-Retry-Num, the same
`event_id`), possibly to another instance than the first delivery. The first instance to
record the id in the shared database handles it; the others ack the redelivery and drop it.

Slash commands are not events (a retried one is acked and dropped in `commands.py`), and
Slack does not redeliver interactions; an answer clicked twice counts once by its answer id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.adapters.slack import ids
from bot.app.ports import SeenStorage
from bot.core.ports import Clock, StorageError

log = logging.getLogger(__name__)

KEEP = timedelta(hours=1)
"""How long an event id is remembered: Slack's retries come within minutes."""


class SeenEvents:
    """The global middleware; expired ids are swept at most once per `KEEP`."""

    def __init__(self, store: SeenStorage, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._swept: datetime | None = None

    async def __call__(
        self, body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not isinstance(event_id, str) or not event_id:
            return await next()  # type: ignore[func-returns-value]
        now = self.clock.now()
        team = str(body.get("team_id") or body.get("enterprise_id") or "")
        try:
            first = await self.store.first_sight(ids.PLATFORM, team, event_id, now, now + KEEP)
            await self._sweep(now)
        except StorageError as exc:  # handled twice is better than lost
            log.warning("event %s: could not check for a redelivery (%s); handling it", event_id,
                        exc)  # fmt: skip
            first = True
        if not first:
            log.info("event %s already handled (by this or another instance): dropped", event_id)
            return BoltResponse(status=200, body="")
        return await next()  # type: ignore[func-returns-value]

    async def _sweep(self, now: datetime) -> None:
        if self._swept is None or now - self._swept >= KEEP:
            self._swept = now
            await self.store.drop_expired(now)


def register(app: AsyncApp, store: SeenStorage, clock: Clock) -> None:
    app.middleware(SeenEvents(store, clock))
