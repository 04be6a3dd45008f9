"""Files on the fake Discord: a member's upload the bot downloads, and files the bot sends.

An upload is what a member attaches to a slash command's attachment option (type 11): Discord
puts it in the interaction's `data.resolved.attachments` with its id, file name, declared size,
content type and two signed CDN addresses (`url`, `proxy_url`), and serves the bytes there. The
fake serves them on 127.0.0.1 and can misbehave the ways a download can: a declared size that
lies, a 404 or 403 (an expired or refused address), a slow start. Every download request is
recorded in `requests`, so a test can assert that none was made.

What the bot sends is checked as Discord checks it (`check_files`): at most 10 files a message,
each and all together within the interaction's `attachment_size_limit` (413, code 40005), every
`attachments` entry naming a file of the request or one the message already has, and every
embed image or thumbnail a well-formed http(s) URL or an `attachment://` name of a file the
message carries. Discord shows no picture at all for an `attachment://` name that matches no
file (and shows the file under the message instead); the fake refuses it so the test sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web

from tests.adapters.discord._contract import Problem

FILES = 10
"""Attachments in one message."""
SIZE_LIMIT = 8 * 1024 * 1024
"""The interaction's `attachment_size_limit` the fake dispatches (the smallest Discord sends)."""
TOO_LARGE = (413, 40005, "Request entity too large")
GONE = "This content is no longer available."
CHUNK = 64 * 1024
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
"""A file name Discord keeps as it is; others it rewrites, and `attachment://` no longer matches."""
_EXPIRES = "6a000000"


@dataclass
class Upload:
    """One file a member attached; `size` is what Discord declares (a test may make it lie)."""

    id: str
    filename: str
    data: bytes
    size: int
    channel: str
    content_type: str | None = None
    status: int = 200
    delay: float = 0.0
    served: int = 0
    """Bytes the fake managed to write before the bot stopped reading."""
    signature: str = field(default="", repr=False)

    def path(self) -> str:
        return f"/ephemeral-attachments/{self.channel}/{self.id}/{quote(self.filename)}"

    def query(self) -> str:
        return f"ex={_EXPIRES}&is=69ff0000&hm={self.signature}&"

    def shape(self, base: str) -> dict[str, Any]:
        """The attachment object of `data.resolved.attachments`, as Discord sends it."""
        shape: dict[str, Any] = {
            "id": self.id,
            "filename": self.filename,
            "size": self.size,
            "url": f"{base}{self.path()}?{self.query()}",
            "proxy_url": f"{base}/media{self.path()}?{self.query()}",
            "ephemeral": True,
        }
        if self.content_type is not None:
            shape["content_type"] = self.content_type
        return shape


class Uploads:
    """Members' uploads and the CDN route that serves them."""

    def __init__(self, snowflake: Any) -> None:
        self._snowflake = snowflake
        self._by_id: dict[str, Upload] = {}
        self.requests: list[str] = []
        """The upload id of every download request that reached the fake, in order."""
        self._n = itertools.count()

    def add(
        self,
        filename: str,
        data: bytes,
        channel: str,
        *,
        size: int | None = None,
        content_type: str | None = None,
        status: int = 200,
        delay: float = 0.0,
    ) -> Upload:
        uid = self._snowflake()
        signature = hashlib.sha256(f"{uid}:{next(self._n)}".encode()).hexdigest()
        upload = Upload(
            uid, filename, data, len(data) if size is None else size, channel,
            content_type, status, delay, signature=signature,
        )  # fmt: skip
        self._by_id[uid] = upload
        return upload

    def routes(self, app: web.Application) -> None:
        for prefix in ("", "/media"):
            app.router.add_get(
                prefix + "/ephemeral-attachments/{channel}/{uid}/{filename}", self._download
            )

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """The bytes, chunked (no Content-Length to trust), if the signed address is intact."""
        upload = self._by_id.get(request.match_info["uid"])
        self.requests.append(request.match_info["uid"])
        if (
            upload is None
            or request.match_info["channel"] != upload.channel
            or request.match_info["filename"] != upload.filename
            or request.query.get("hm") != upload.signature
            or request.query.get("ex") != _EXPIRES
        ):
            return web.Response(status=404, text=GONE)
        if upload.delay:
            await asyncio.sleep(upload.delay)
        if upload.status != 200:
            text = GONE if upload.status == 404 else "Forbidden"
            return web.Response(status=upload.status, text=text)
        kind = upload.content_type or "application/octet-stream"
        response = web.StreamResponse(headers={"Content-Type": kind})
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for start in range(0, len(upload.data), CHUNK):
                await response.write(upload.data[start : start + CHUNK])
                upload.served = start + CHUNK
            await response.write_eof()
            upload.served = len(upload.data)
        return response


def _image_url(path: tuple[str | int, ...], url: Any, names: set[str]) -> list[Problem]:
    if not isinstance(url, str):
        return []
    scheme = urlsplit(url).scheme
    if not scheme:
        return [Problem(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")]
    if scheme not in ("http", "https", "attachment"):
        message = (
            f'Scheme "{scheme}" is not supported. Scheme must be one of '
            "('http', 'https', 'attachment')."
        )
        return [Problem(path, "URL_TYPE_INVALID_SCHEME", message)]
    if scheme == "attachment":
        name = url.removeprefix("attachment://")
        if name not in names or not SAFE_NAME.match(name):
            message = f"attachment://{name} names no file of this message"
            return [Problem(path, "EMBED_ATTACHMENT_UNKNOWN", message)]
    return []


def attached(
    body: dict[str, Any], files: list[tuple[str, str, bytes]], old: list[dict[str, Any]] | None
) -> tuple[list[tuple[int | str, str]], list[Problem]]:
    """The message's files after this request, as (new file index or kept id, file name), and
    the problems of the `attachments` list. `old` is the edited message's files (None: a new
    message); an edit without `attachments` keeps them all."""
    entries = body.get("attachments")
    kept = {str(a["id"]): a["filename"] for a in old or []}
    if entries is None:
        return [(i, name) for i, (name, _, _) in enumerate(files)] + list(kept.items()), []
    result: list[tuple[int | str, str]] = []
    problems: list[Problem] = []
    for n, entry in enumerate(entries):
        ref = entry.get("id")
        if isinstance(ref, int) and 0 <= ref < len(files):
            result.append((ref, entry.get("filename") or files[ref][0]))
        elif str(ref) in kept:
            result.append((str(ref), kept[str(ref)]))
        else:
            problems.append(
                Problem(("attachments", n, "id"), "ATTACHMENT_NOT_FOUND", "Unknown attachment")
            )
    return result, problems


def check_files(
    body: dict[str, Any],
    files: list[tuple[str, str, bytes]],
    old: list[dict[str, Any]] | None = None,
    path: tuple[str | int, ...] = (),
) -> list[Problem]:
    """Attachment count, the `attachments` list, and every embed image's address."""
    after, problems = attached(body, files, old)
    if len(after) > FILES or len(files) > FILES:
        message = f"Must be {FILES} or fewer in length."
        problems.append(Problem((*path, "attachments"), "BASE_TYPE_MAX_LENGTH", message))
    names = {name for _, name in after}
    for i, embed in enumerate(body.get("embeds") or []):
        for part in ("image", "thumbnail"):
            url = (embed.get(part) or {}).get("url")
            problems += _image_url((*path, "embeds", i, part, "url"), url, names)
    return problems


def too_large(files: list[tuple[str, str, bytes]], limit: int = SIZE_LIMIT) -> bool:
    """Discord refuses a request whose files, each or together, exceed the upload limit."""
    return sum(len(data) for _, _, data in files) > limit


def stored(
    files: list[tuple[str, str, bytes]],
    after: list[tuple[int | str, str]],
    old: list[dict[str, Any]] | None,
    snowflake: Any,
    base: str,
) -> list[dict[str, Any]]:
    """The message's `attachments` as Discord returns them, new files with fresh ids."""
    kept = {str(a["id"]): a for a in old or []}
    result = []
    for ref, name in after:
        if isinstance(ref, str):
            result.append(kept[ref])
            continue
        aid = snowflake()
        data = files[ref][2]
        result.append(
            {
                "id": aid,
                "filename": name,
                "size": len(data),
                "url": f"{base}/attachments/0/{aid}/{quote(name)}",
                "proxy_url": f"{base}/media/attachments/0/{aid}/{quote(name)}",
                "content_type": files[ref][1] or "application/octet-stream",
            }
        )
    return result
