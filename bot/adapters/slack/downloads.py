"""A member's uploaded file, fetched for an import: files.info, then url_private with the bot token.

Every step is bounded, because the file comes from a stranger: the size files.info declares is
checked against the limit before a byte is fetched; the bytes actually read are capped again
(the declaration can lie, and the download is chunked); the whole download has a time budget.
The bot token goes only to Slack's file host, or to the host the Web API client is pointed at
(a proxy or a test server), never to another address a file object might name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.kit import ELLIPSIS
from bot.core.errors import ImportRefused

log = logging.getLogger(__name__)

DOWNLOAD_SECONDS = 60.0
"""The whole download, from the request to the last byte."""
READ_SECONDS = 15.0
"""The longest wait for the next chunk."""
CHUNK = 64 * 1024
PARALLEL = 2
"""Downloads held in memory at once: a burst of imports waits rather than filling memory."""
FILE_HOST = "files.slack.com"
NO_FILES_READ = (
    "quizbot may not read uploaded files in this workspace: its Slack app lacks the files:read "
    "permission. A workspace admin can reinstall the app from the current manifest to grant it; "
    "until then, paste the cards or use a share code."
)


@dataclass(frozen=True, slots=True)
class Fetched:
    name: str
    data: bytes = field(repr=False)


def _shown(name: str) -> str:
    flat = " ".join(name.split())
    return flat if len(flat) <= 80 else flat[:79] + ELLIPSIS


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


class Downloads:
    """Fetches the file a modal's file input names; raises ImportRefused with one clear line."""

    def __init__(self, *, seconds: float = DOWNLOAD_SECONDS, parallel: int = PARALLEL) -> None:
        self.seconds = seconds
        self._slots = asyncio.Semaphore(parallel)

    async def fetch(
        self, client: AsyncWebClient, file_id: str, limit_for: Callable[[str], int]
    ) -> Fetched:
        info = await self._info(client, file_id)
        name = str(info.get("name") or info.get("title") or "upload")
        limit = limit_for(name)
        size = info.get("size")
        if not isinstance(size, int) or size < 0:
            raise ImportRefused(f"Slack did not say how large '{_shown(name)}' is; not imported.")
        if size > limit:
            raise ImportRefused(
                f"'{_shown(name)}' is {_megabytes(size)}; files of this kind may have at most "
                f"{_megabytes(limit)}. Nothing was imported."
            )
        url = str(info.get("url_private_download") or info.get("url_private") or "")
        if not token_may_go_to(url, client.base_url):
            log.warning("file %s has a download address off Slack's file host: refused", file_id)
            raise ImportRefused(f"Slack gave no usable download address for '{_shown(name)}'.")
        async with self._slots:
            data = await self._download(url, str(client.token or ""), name, limit)
        return Fetched(name, data)

    async def _info(self, client: AsyncWebClient, file_id: str) -> dict:
        try:
            reply = await client.files_info(file=file_id)
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            log.warning("files.info %s failed: %s", file_id, code)
            if code == "missing_scope":
                raise ImportRefused(NO_FILES_READ) from None
            if code in ("file_not_found", "file_deleted"):
                raise ImportRefused("That file is gone from Slack; upload it again.") from None
            raise ImportRefused(
                f"Slack would not describe that file ({code}); try again."
            ) from None
        return reply.get("file") or {}

    async def _download(self, url: str, token: str, name: str, limit: int) -> bytes:
        timeout = aiohttp.ClientTimeout(
            total=self.seconds, sock_read=min(self.seconds, READ_SECONDS)
        )
        shown = _shown(name)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.get(url, headers={"Authorization": f"Bearer {token}"}) as response,
            ):
                if response.status != 200:
                    raise ImportRefused(
                        f"Slack refused to hand over '{shown}' (HTTP {response.status})."
                        + (f" {NO_FILES_READ}" if response.status in (401, 403) else "")
                    )
                if response.content_type == "text/html" and not name.endswith((".html", ".htm")):
                    # Slack answers a token without files:read with its sign-in page
                    raise ImportRefused(NO_FILES_READ)
                data = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK):
                    data += chunk
                    if len(data) > limit:
                        raise ImportRefused(
                            f"'{shown}' is larger than Slack said (over {_megabytes(limit)}, "
                            "the limit for its kind); stopped reading. Nothing was imported."
                        )
                return bytes(data)
        except TimeoutError:
            raise ImportRefused(
                f"Downloading '{shown}' from Slack took too long; nothing was imported. "
                "Try again in a moment."
            ) from None
        except aiohttp.ClientError as error:
            log.warning("download of %s failed: %s", url.split("?")[0], error)
            raise ImportRefused(
                f"'{shown}' could not be downloaded from Slack; try again."
            ) from None


def token_may_go_to(url: str, api_url: str) -> bool:
    """Slack's file host over https, or the origin of the configured Web API address."""
    try:
        target, api = urlsplit(url), urlsplit(api_url)
    except ValueError:
        return False
    if target.scheme == "https" and target.hostname == FILE_HOST and target.port in (None, 443):
        return True
    if api.hostname in ("slack.com", None):
        return False
    return (target.scheme, target.hostname, target.port) == (api.scheme, api.hostname, api.port)
