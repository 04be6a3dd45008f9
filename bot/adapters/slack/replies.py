"""Sending replies: service errors shown to the user, channel posts with a fallback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.core.errors import QuizError

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]
SORRY = "Something went wrong on our side; please try again."


@asynccontextmanager
async def user_errors(respond: Respond) -> AsyncIterator[None]:
    """A QuizError becomes an ephemeral note (its text is written for users); anything else
    is logged with its traceback and the user gets an apology instead of silence."""
    try:
        yield
    except QuizError as error:
        await respond(
            **render.notice(str(error)), response_type="ephemeral", replace_original=False
        )
    except Exception:
        log.exception("slack handler failed")
        await respond(**render.notice(SORRY), response_type="ephemeral", replace_original=False)


async def post_in_channel(
    client: AsyncWebClient, channel: str | None, respond: Respond, message: render.Message
) -> None:
    """chat.postMessage to the channel; where the bot is not a member, the response_url
    (which works in any channel the command came from) posts it in channel instead."""
    if channel:
        try:
            await client.chat_postMessage(channel=channel, **message, unfurl_links=False)
            return
        except SlackApiError as error:
            log.info("chat.postMessage to %s failed (%s); using response_url", channel, error)
    await respond(**message, response_type="in_channel", replace_original=False)


async def send_file(
    client: AsyncWebClient, user: str, content: str, filename: str, title: str
) -> bool:
    """A text file in the person's direct messages (files upload v2); False, logged, when
    Slack refused, so the caller can say so instead of claiming it was sent."""
    try:
        dm = await client.conversations_open(users=user)
        await client.files_upload_v2(
            channel=dm["channel"]["id"], content=content, filename=filename, title=title
        )
    except SlackApiError as error:
        log.warning("%s not sent to %s: %s", filename, user, error)
        return False
    return True
