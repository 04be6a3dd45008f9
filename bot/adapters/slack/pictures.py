"""Card pictures that travel with a chat deck, shown in Slack as uploaded files.

A card whose image is `media:<name>` has its bytes in the database, not at a URL, so Slack gets
them once per workspace, deck and name: files.getUploadURLExternal, a POST to the upload URL,
files.completeUploadExternal (slack_sdk's files_upload_v2), without sharing the file anywhere.
The image block then names the file by id (`slack_file`). The id is cached; a re-import or
removal of the deck forgets that deck's ids so a changed picture is uploaded again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.deck_book import DeckBook
from bot.core.models import Card, Question, SessionSummary

log = logging.getLogger(__name__)

MAX_CACHED = 5_000
Key = tuple[str, str, str]
"""(workspace, deck id, file name)."""


class Pictures:
    """Uploaded file ids of card pictures, shared by every listener of one app."""

    def __init__(self, book: DeckBook, *, most: int = MAX_CACHED) -> None:
        self.book = book
        self._ids: OrderedDict[Key, str] = OrderedDict()
        self._locks: dict[Key, asyncio.Lock] = {}
        self._most = most

    async def file_id(self, client: AsyncWebClient, workspace: str, card: Card) -> str | None:
        """The Slack file id showing `card`'s picture, uploading it the first time; None when
        the card has no stored picture or Slack refused the upload (the card shows without)."""
        name = card.media_name
        if name is None:
            return None
        key = (workspace, card.deck_id, name)
        if (found := self._ids.get(key)) is not None:
            self._ids.move_to_end(key)
            return found
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # two learners on the same new card upload it once
            if (found := self._ids.get(key)) is not None:
                return found
            found = await self._upload(client, card)
            if found is not None:
                self._ids[key] = found
                while len(self._ids) > self._most:
                    self._ids.popitem(last=False)
        self._locks.pop(key, None)
        return found

    async def of_step(
        self, client: AsyncWebClient, workspace: str, step: Question | SessionSummary | None
    ) -> str | None:
        """The picture of the question about to be shown, if it has a stored one."""
        if not isinstance(step, Question):
            return None
        return await self.file_id(client, workspace, step.card)

    async def _upload(self, client: AsyncWebClient, card: Card) -> str | None:
        try:
            media = await self.book.media(card)
        except Exception:  # a picture never stops a card from being asked
            log.exception("picture of card %s/%s not read", *card.key)
            return None
        if media is None:
            log.warning("card %s/%s names a picture its deck does not hold", *card.key)
            return None
        try:
            reply = await client.files_upload_v2(
                file=media.data, filename=media.name, title=media.name, alt_txt="Card picture"
            )
        except (SlackApiError, SlackRequestError, OSError) as error:
            log.warning("picture %s of deck %s not uploaded: %s", media.name, card.deck_id, error)
            return None
        file = reply.get("file") or {}
        return str(file["id"]) if file.get("id") else None

    def forget(self, workspace: str, deck_id: str) -> None:
        """After a re-import or a removal: the deck's pictures may have changed."""
        for key in [k for k in self._ids if k[:2] == (workspace, deck_id)]:
            del self._ids[key]
