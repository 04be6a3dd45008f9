"""How the fake Discord fails: Discord's own error bodies, and the failures a test asks for.

Error bodies and codes are Discord's (JSON error codes in its documentation): 10062 Unknown
interaction (an unknown token, or an initial response after the 3-second window), 40060
Interaction has already been acknowledged, 10015 Unknown Webhook, 50027 Invalid Webhook Token
(a followup after the 15-minute token life), 10003 Unknown Channel, 50013 Missing Permissions,
and a 429 with `Retry-After` and the `Via` header that discord.py needs to trust it.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

RESPONSE_WINDOW = 3.0
TOKEN_LIFETIME = 15 * 60.0
KINDS = ("callback", "followup", "edit", "channel", "dm", "sync")


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Exactly `application/json`: with a charset, discord.py reads the body as text."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error(status: int, code: int, message: str) -> web.Response:
    return json_response({"message": message, "code": code}, status)


UNKNOWN_INTERACTION = (404, 10062, "Unknown interaction")
ACKNOWLEDGED = (400, 40060, "Interaction has already been acknowledged.")
UNKNOWN_WEBHOOK = (404, 10015, "Unknown Webhook")
EXPIRED_TOKEN = (401, 50027, "Invalid Webhook Token")
UNKNOWN_CHANNEL = (404, 10003, "Unknown Channel")


@dataclass(frozen=True, slots=True)
class Fault:
    """One failure to return instead of serving a request."""

    status: int
    retry_after: float = 0.05

    def response(self) -> web.Response:
        if self.status == 403:
            return error(403, 50013, "Missing Permissions")
        if self.status == 429:
            body = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": False,
            }
            headers = {
                "Retry-After": f"{self.retry_after:g}",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{self.retry_after:g}",
                "X-RateLimit-Scope": "user",
                "Via": "1.1 google",
            }
            return json_response(body, 429, headers)
        return json_response({"message": "Service Unavailable", "code": 0}, self.status)


class Faults:
    """Failures queued per kind of request; each is served once, in order."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = defaultdict(deque)

    def add(self, kind: str, status: int, times: int, retry_after: float) -> None:
        assert kind in KINDS, f"{kind!r} is not one of {KINDS}"
        self._queued[kind].extend(Fault(status, retry_after) for _ in range(times))

    def next(self, kind: str) -> web.Response | None:
        queue = self._queued.get(kind)
        return queue.popleft().response() if queue else None

    def pending(self, kind: str) -> int:
        return len(self._queued.get(kind, ()))
