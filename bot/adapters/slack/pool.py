"""One aiohttp session per app for every call to Slack: the Web API and response_url posts.

slack_sdk's clients open a new aiohttp session (a new connection, a new cookie jar) for each
call unless they are given one, and bolt's `respond()` always does. When a channel answers a
daily quiz at once, each click costs a users.info and a response_url post: two connections
opened and closed per click, which took most of the bot's CPU and left the acks of a 3,000
member burst waiting past Slack's 3 s deadline. Sharing one session keeps connections alive
between calls. `build_app` opens it; `close` in app.py ends it after the last post.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.webhook.async_client import AsyncWebhookClient, WebhookResponse

TIMEOUT_SECONDS = 30
"""Per call, as slack_sdk's own clients default to (a shared session sets it for all)."""
CONNECTIONS = 200
"""At most this many calls to Slack in flight; the rest wait for a free connection."""


def open_session() -> aiohttp.ClientSession:
    """The app's session (inside the running loop)."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
        connector=aiohttp.TCPConnector(limit=CONNECTIONS),
    )


class PooledRespond(AsyncRespond):
    """bolt's `respond()` over the app's session; bolt's own opens a session per call."""

    def __init__(
        self, *, response_url: str, session: aiohttp.ClientSession, proxy: str | None = None,
        ssl: Any = None,
    ) -> None:  # fmt: skip
        super().__init__(response_url=response_url, proxy=proxy, ssl=ssl)
        self.session = session

    async def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **fields: Any
    ) -> WebhookResponse:
        """The message as bolt builds it: `text` plus the fields that are set; a dict as
        `text` is the whole message."""
        given = dict(text) if isinstance(text, dict) else {"text": text, **fields}
        message = {k: v for k, v in given.items() if v is not None}
        for listed in ("blocks", "attachments"):
            if not message.get(listed, True):
                del message[listed]
        assert self.response_url is not None
        webhook = AsyncWebhookClient(
            url=self.response_url, session=self.session, proxy=self.proxy, ssl=self.ssl
        )
        return await webhook.send_dict(message)


def pooled_respond(
    session: aiohttp.ClientSession,
) -> Callable[..., Awaitable[Any]]:
    """A global middleware: each request with a response_url gets a `respond` over `session`
    (before bolt builds its own on first use)."""

    async def middleware(context: AsyncBoltContext, next: Callable[[], Awaitable[Any]]) -> Any:
        if context.response_url and not session.closed:
            client = context.client
            context["respond"] = PooledRespond(
                response_url=context.response_url, session=session,
                proxy=client.proxy if client else None, ssl=client.ssl if client else None,
            )  # fmt: skip
        return await next()

    return middleware
