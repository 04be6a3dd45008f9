"""Who may manage a workspace's decks: its admins and owners, as users.info says.

Asked again on every changing request (import, remove, add, share), never cached: a right taken
away in Slack is gone at the next click. When Slack will not say (rate limit, outage), the answer
is "unknown", and the adapter tells the person so instead of calling them a plain member. The
same reply says which scopes the app was granted (Slack's X-OAuth-Scopes header), so the import
modal can leave out the file input in a workspace that installed the app without files:read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

UNKNOWN = "Slack did not say whether you are a workspace admin just now; please try again."


@dataclass(frozen=True, slots=True)
class Standing:
    admin: bool | None
    """True for a workspace admin or owner, False for anyone else, None when Slack won't say."""
    scopes: frozenset[str] | None = None
    """What the bot token was granted, when Slack's reply said."""

    def granted(self, scope: str) -> bool:
        """Whether the app has `scope`; assumed so when Slack did not list the scopes."""
        return self.scopes is None or scope in self.scopes


async def standing(client: AsyncWebClient, user: str) -> Standing:
    try:
        reply = await client.users_info(user=user)
    except (SlackApiError, TimeoutError, OSError) as error:
        log.warning("users.info %s failed: %s", user, error)
        return Standing(None)
    info = reply.get("user") or {}
    admin = bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))
    header = (reply.headers or {}).get("x-oauth-scopes")
    scopes = None if header is None else frozenset(s.strip() for s in header.split(","))
    return Standing(admin, scopes)
