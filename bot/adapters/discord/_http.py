"""Discord's HTTP failures as the logs and the app layer need them.

A log line names the route that failed, with the interaction token cut out (a token answers
for its interaction for 15 minutes, so it is a secret). A refused channel post becomes the
app's `PostFailed`, carrying Discord's Retry-After when it sent one.
"""

from __future__ import annotations

import re

import discord

from bot.app.posting import PostFailed

EXPIRED = 10062
"""Unknown interaction: the 3-second window to answer passed (or the interaction was unknown)."""
EXPIRED_TOKEN = 50027
"""Invalid Webhook Token: a followup after the interaction token's 15 minutes."""

_TOKEN = re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/?]+")
_HIDDEN = r"\1{token}"


def route(error: discord.HTTPException) -> str:
    """`POST /api/v10/channels/123/messages`; an interaction token reads `{token}`."""
    response = error.response
    method = getattr(response, "method", "?")
    url = getattr(response, "url", None)
    path = getattr(url, "path", "?") if url is not None else "?"
    return f"{method} {_TOKEN.sub(_HIDDEN, path)}"


def describe(error: discord.HTTPException) -> str:
    """`POST /api/.../messages: 503 (code 0) Service Unavailable`, for a log line."""
    text = error.text or getattr(error.response, "reason", "") or ""
    return f"{route(error)}: {error.status} (code {error.code}) {text}".rstrip()


def retry_after(error: discord.HTTPException) -> float | None:
    """Discord's Retry-After on a 429 (seconds), if it sent one."""
    if error.status != 429:
        return None
    headers = getattr(error.response, "headers", None) or {}
    try:
        return float(headers.get("Retry-After", ""))
    except ValueError:
        return None


def post_failed(error: discord.HTTPException) -> PostFailed:
    return PostFailed(describe(error), retry_after=retry_after(error))
