"""Fetching a member's upload from the address Discord put in the interaction.

A file attached to `/deck import` reaches the bot as an attachment object in the interaction
(`data.resolved.attachments`): its declared size is checked against the deck limit before
anything is fetched (by the cog), and here the bytes actually read are capped too, since a
declared size or a Content-Length can lie. The download has a time limit, goes through the same
proxy as the bot's REST calls, and every failure becomes a one-line `DownloadFailed`.
`discord.Attachment.read()` would read a body of any size whole, so it is not used.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import aiohttp

from bot.core.errors import ImportRefused, QuizError

log = logging.getLogger(__name__)

DOWNLOAD_SECONDS = 60.0
"""The whole download, first byte to last."""
CHUNK = 64 * 1024


class DownloadFailed(QuizError):
    """Discord did not hand over the file: expired address, refused, too slow, connection lost."""


def megabytes(size: int) -> str:
    """`20 MB`, `1.5 MB`, `800 KB`: a size as a person reads it."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, round(size / 1024))} KB"


class Downloader:
    """One HTTP session for uploads, opened with the cog and closed with it."""

    def __init__(
        self,
        *,
        timeout: float | None = None,
        proxy: str | None = None,
        proxy_auth: aiohttp.BasicAuth | None = None,
    ) -> None:
        self.timeout = DOWNLOAD_SECONDS if timeout is None else timeout
        self.proxy = proxy
        self.proxy_auth = proxy_auth
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def fetch(self, url: str, filename: str, cap: int) -> bytes:
        """The file's bytes, at most `cap` of them: one more and it is refused unread."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise DownloadFailed(f"Discord gave no usable address for {filename}.")
        try:
            async with self._open().get(
                url, proxy=self.proxy, proxy_auth=self.proxy_auth, allow_redirects=False
            ) as response:
                if response.status != 200:
                    raise DownloadFailed(
                        f"Discord would not hand over {filename} (HTTP {response.status}); "
                        "attach it again and retry."
                    )
                return await _capped(response, filename, cap)
        except TimeoutError:
            raise DownloadFailed(
                f"Downloading {filename} took longer than {self.timeout:g} s; try again."
            ) from None
        except aiohttp.ClientError as error:
            log.warning("download of an upload failed: %s", type(error).__name__)
            raise DownloadFailed(
                f"The download of {filename} failed ({type(error).__name__}); try again."
            ) from None


async def _capped(response: aiohttp.ClientResponse, filename: str, cap: int) -> bytes:
    declared = response.content_length
    if declared is not None and declared > cap:
        raise _too_large(filename, cap)
    data = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        data += chunk
        if len(data) > cap:
            raise _too_large(filename, cap)
        await asyncio.sleep(0)
    return bytes(data)


def _too_large(filename: str, cap: int) -> ImportRefused:
    return ImportRefused(
        f"{filename} is larger than the {megabytes(cap)} allowed for this kind of file "
        "(more than Discord declared); nothing was imported."
    )
