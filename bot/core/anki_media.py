"""The pictures an Anki deck's cards show, taken out of the package to travel with the deck.

Only a picture a card shows is taken (not the package's sounds, or files no card names), and
only PNG, JPEG, GIF or WebP, told by its bytes, not its name. Names from the package are
refused when path-like, and made safe for an attachment (`cell diagram.png` becomes
`cell_diagram.png`), since Discord rewrites such names and a card must name its file exactly.
Count, size per picture and total size are capped; a picture over a cap is dropped with a
warning and its card kept.
"""

from __future__ import annotations

import html
import re
from pathlib import PurePosixPath
from urllib.parse import unquote

from bot.core.apkg import Package, member_problem
from bot.core.limits import DeckLimits
from bot.core.models import MEDIA_PREFIX, MediaFile
from bot.core.text_bounds import snippet

SUFFIXES = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_CHARS = 100


def sniff(data: bytes) -> str | None:
    """The picture's type by its first bytes, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def safe_name(name: str, mime: str, taken: set[str]) -> str:
    """A file name fit for an attachment, with the suffix of its type, unused in `taken`."""
    path = PurePosixPath(name)
    stem = _UNSAFE.sub("_", path.stem).strip("._")[:_NAME_CHARS] or "picture"
    suffix = path.suffix.lower() if path.suffix.lower() in SUFFIXES[mime] else SUFFIXES[mime][0]
    candidate, number = stem + suffix, 2
    while candidate.lower() in taken:
        candidate, number = f"{stem}-{number}{suffix}", number + 1
    taken.add(candidate.lower())
    return candidate


class MediaPicker:
    """Reads the pictures cards name, once each, within the deck's media limits."""

    def __init__(self, package: Package, limits: DeckLimits) -> None:
        self.package = package
        self.limits = limits
        self.files: list[MediaFile] = []
        self._total = 0
        self._taken: set[str] = set()
        self._done: dict[str, str | None] = {}
        """Package name -> `media:<safe name>`, or None when it was refused (warned once)."""

    def image(self, src: str) -> tuple[str | None, str | None]:
        """(`media:<name>` for the card, or None; a warning, or None) for an `<img src>`."""
        name = unquote(html.unescape(src)).strip()
        if name in self._done:
            return self._done[name], None
        image, problem = self._take(name)
        self._done[name] = image
        return image, (f"picture '{snippet(name)}' dropped: {problem}" if problem else None)

    def _take(self, name: str) -> tuple[str | None, str | None]:
        if problem := member_problem(name):
            return None, problem
        if len(self.files) >= self.limits.media_files:
            return None, f"the deck already has {self.limits.media_files} pictures (the limit)"
        if name not in self.package.media_members():
            return None, self.package.media_problem or "it is not in the package"
        try:
            data = self.package.media(name, self.limits.media_file_bytes)
        except ValueError as exc:
            return None, snippet(str(exc))
        mime = sniff(data)
        if mime is None:
            return None, "not a PNG, JPEG, GIF or WebP picture"
        if self._total + len(data) > self.limits.media_bytes:
            return (
                None,
                f"the deck's pictures would pass {self.limits.media_bytes} bytes (the limit)",
            )
        self._total += len(data)
        file = MediaFile(safe_name(name, mime, self._taken), mime, data)
        self.files.append(file)
        return MEDIA_PREFIX + file.name, None
