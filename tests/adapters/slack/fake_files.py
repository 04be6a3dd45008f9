"""The fake Slack's files: what members upload (files.info, the url_private download) and what the
bot uploads (files.getUploadURLExternal, the upload URL, files.completeUploadExternal).

Shapes follow Slack's file object. A member's file can be made hostile the ways a real download
goes wrong: files.info declaring a smaller size than the bytes served, a download that stalls,
or one that fails with an HTTP status. The download needs the bot token (403 otherwise) and is
recorded in `downloads` either way, so a test can say a refused file was never fetched.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web

UPLOAD_MAX = 1024**3
"""Slack's size limit for one uploaded file (1 GB)."""
CHUNK = 64 * 1024


@dataclass
class SlackFile:
    """A file in a workspace: a member's upload, or one the bot completed."""

    id: str
    team: str
    user: str
    name: str
    data: bytes = field(repr=False)
    mimetype: str = "application/octet-stream"
    title: str = ""
    declared: int | None = None
    """The size files.info reports; None tells the truth."""
    stall: float = 0.0
    """Seconds the download waits before its first byte."""
    status: int = 200
    """The HTTP status of the download."""
    shared_in: tuple[str, ...] = ()

    def info(self, base: str) -> dict[str, Any]:
        """Slack's file object (the fields a file_input submission and files.info carry)."""
        url = f"{base}/files-pri/{self.team}-{self.id}"
        now = int(time.time())
        return {
            "id": self.id,
            "created": now,
            "timestamp": now,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.name.rpartition(".")[2].lower() if "." in self.name else "binary",
            "pretty_type": self.name.rpartition(".")[2].upper() or "Binary",
            "user": self.user,
            "user_team": self.team,
            "editable": False,
            "size": len(self.data) if self.declared is None else self.declared,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{url}/{quote(self.name)}",
            "url_private_download": f"{url}/download/{quote(self.name)}",
            "permalink": f"https://test.slack.com/files/{self.user}/{self.id}/{quote(self.name)}",
            "channels": [c for c in self.shared_in if c[0] == "C"],
            "groups": [c for c in self.shared_in if c[0] == "G"],
            "ims": [c for c in self.shared_in if c[0] == "D"],
            "comments_count": 0,
        }


@dataclass
class Pending:
    """An upload the bot started with files.getUploadURLExternal."""

    filename: str
    length: int
    team: str
    alt_txt: str = ""
    data: bytes | None = None


@dataclass(frozen=True)
class Download:
    file_id: str
    authorized: bool
    status: int


@dataclass
class FileStore:
    """Every file of the fake, by id."""

    files: dict[str, SlackFile] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)
    downloads: list[Download] = field(default_factory=list)
    uploads: list[bytes] = field(default_factory=list)
    _counter: int = 0
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        """End every stalled download at once (the fake is closing)."""
        self._released.set()

    def new_id(self) -> str:
        self._counter += 1
        return f"F{self._counter:09d}"

    def add(self, name: str, data: bytes, *, team: str, user: str, **options: Any) -> SlackFile:
        file = SlackFile(self.new_id(), team, user, name, data, **options)
        self.files[file.id] = file
        return file

    def bot_file(self, file_id: str) -> SlackFile | None:
        """A file the bot uploaded and completed (what an image block's slack_file may name)."""
        file = self.files.get(file_id)
        return file if file is not None and file.user == "UBOT" else None

    # --- the Web API methods -----------------------------------------------------------------

    def info(
        self, args: dict[str, Any], teams: tuple[str, ...], base: str
    ) -> tuple[str | None, dict]:
        file = self.files.get(str(args.get("file", "")))
        if file is None or file.team not in teams:
            return "file_not_found", {}
        return None, {"file": file.info(base), "comments": [],
                      "response_metadata": {"next_cursor": ""}}  # fmt: skip

    def start_upload(
        self, args: dict[str, Any], team: str, base: str
    ) -> tuple[str | None, dict[str, Any], list[str]]:
        """(error, reply, problems): `length` is the byte count, 1 byte to 1 GB."""
        try:
            length = int(args["length"])
        except (TypeError, ValueError):
            return "invalid_arguments", {}, [f"length {args['length']!r} is not a number"]
        filename = str(args["filename"])
        if not 1 <= length <= UPLOAD_MAX:
            return "invalid_arguments", {}, [f"length {length}: 1 to {UPLOAD_MAX} bytes"]
        if not filename or len(filename) > 255:
            return "invalid_arguments", {}, [f"filename {filename[:40]!r}: 1 to 255 characters"]
        file_id = self.new_id()
        self.pending[file_id] = Pending(filename, length, team, str(args.get("alt_txt") or ""))
        return None, {"upload_url": f"{base}/upload/{file_id}", "file_id": file_id}, []

    def complete(
        self, args: dict[str, Any], reachable: Any, base: str
    ) -> tuple[str | None, dict[str, Any], list[str]]:
        """Every listed file must have been uploaded in full; then it exists (shared in
        `channel_id` when given, else private to the bot)."""
        items = args.get("files")
        if isinstance(items, str):
            try:
                items = json.loads(items)
            except ValueError:
                items = None
        if not isinstance(items, list) or not items:
            return "invalid_arguments", {}, ["files: a JSON array of {id, title}"]
        channel = str(args.get("channel_id") or "")
        if channel and not reachable(channel):
            return "channel_not_found", {}, []
        done = []
        for item in items:
            pending = self.pending.get(str(item.get("id"))) if isinstance(item, dict) else None
            if pending is None or pending.data is None:
                return "file_not_found", {}, [f"files: {item!r} was not uploaded in full"]
        for item in items:
            file_id = str(item["id"])
            pending = self.pending.pop(file_id)
            assert pending.data is not None
            file = SlackFile(file_id, pending.team, "UBOT", pending.filename, pending.data,
                             title=str(item.get("title") or pending.filename),
                             shared_in=(channel,) if channel else ())  # fmt: skip
            self.files[file_id] = file
            done.append(file.info(base))
        return None, {"files": done}, []

    # --- the HTTP routes -----------------------------------------------------------------------

    async def upload(self, request: web.Request, violations: list[str]) -> web.Response:
        """The upload URL: the body must be exactly the `length` announced."""
        pending = self.pending.get(request.match_info["file"])
        body = await request.read()
        if pending is None:
            violations.append(f"upload {request.match_info['file']}: no such upload URL")
            return web.Response(status=404, text="not found")
        if len(body) != pending.length:
            violations.append(
                f"upload {pending.filename}: {len(body)} bytes, announced {pending.length}"
            )
            return web.Response(status=400, text="length mismatch")
        pending.data = body
        self.uploads.append(body)
        return web.Response(text=f"OK - {len(body)}")

    async def download(self, request: web.Request, authorized: bool) -> web.StreamResponse:
        """url_private(_download): 403 without the bot token; chunked, so the declared size in
        files.info is all a client has to go on."""
        team, _, file_id = request.match_info["team_file"].partition("-")
        file = self.files.get(file_id)
        if file is None or file.team != team:
            self.downloads.append(Download(file_id, authorized, 404))
            return web.Response(status=404, text="file not found")
        status = 403 if not authorized else file.status
        self.downloads.append(Download(file_id, authorized, status))
        if status != 200:
            return web.Response(status=status, text="refused")
        if file.stall:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), file.stall)
        response = web.StreamResponse(headers={"Content-Type": file.mimetype})
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):  # the client stopped reading: its cap
            for start in range(0, len(file.data), CHUNK):
                await response.write(file.data[start : start + CHUNK])
            await response.write_eof()
        return response
