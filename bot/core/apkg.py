"""Opening an Anki package (.apkg, .colpkg), which is untrusted: a zip holding an SQLite file.

Which collection to read: the `meta` member (protobuf PackageMetadata, field 1) names it, as Anki
does: 1 `collection.anki2`, 2 `collection.anki21`, 3 `collection.anki21b` (zstd, with a zstd
protobuf media map and zstd media files). Packages from current Anki also carry a dummy
`collection.anki2` holding one "please update Anki" note, so that name is read only when `meta`
says so or when the package has neither `meta` nor a newer collection (Anki 2.0 packages).

The traps this avoids. A zip header may understate a member's size and a zstd frame may be a
bomb, so the bytes actually inflated are counted while streaming and refused past the limit.
Running SQL against the package runs the package's schema too: a `notes` *view* with an endless
recursive query never returns. So the collection is opened read-only with untrusted schema
disabled, every table read must be a plain table (checked in `sqlite_master`), and a progress
handler stops any query past the time budget. Member names that are paths are refused, and
nothing a package names is ever fetched from the network.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import zstandard

from bot.core import wire
from bot.core.limits import LIMITS, DeckLimits
from bot.core.models import DeckError
from bot.core.text_bounds import snippet

OLDEST, LEGACY, LATEST = "collection.anki2", "collection.anki21", "collection.anki21b"
VERSIONS = {1: OLDEST, 2: LEGACY, 3: LATEST}
"""PackageMetadata.Version -> the collection member it names (Anki's meta.rs)."""
_CHUNK = 1 << 20
_META_BYTES = 1024
_MEDIA_MAP_BYTES = 8 << 20
"""A media map (JSON or protobuf) lists file names only: thousands fit in far less."""
_ZSTD_WINDOW = 1 << 25
"""Largest zstd window accepted: Anki's level-3 frames use 2 MiB; a bomb cannot ask 2 GiB."""
_DIRECTORY_BYTES = 2 << 20
"""The zip's central directory: zipfile holds an object per entry, so a directory of a
million tiny entries would cost hundreds of MB before anything is checked. 2 MiB is ~40,000
entries; a package of 10,000 pictures needs about 0.5 MiB."""
_EOCD = b"PK\x05\x06"
_PROGRESS_STEPS = 10_000
"""SQLite virtual-machine steps between two checks of the clock."""
_UNREADABLE = (  # what a damaged or hostile package makes zipfile, zlib and zstandard raise
    OSError,
    EOFError,
    RuntimeError,  # also zipfile's answer to an encrypted member or a compression method it lacks
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    zstandard.ZstdError,
)


def member_problem(name: str) -> str | None:
    """Why a member or media name is unsafe to use as a file name, or None."""
    if "/" in name or "\\" in name or ".." in name or ":" in name or name.startswith("."):
        return f"'{snippet(name)}' is a path, not a file name"
    if not name or not name.isprintable():
        return f"'{snippet(name)}' is not a usable file name"
    return None


def _copy(stream: IO[bytes], out: IO[bytes], cap: int, what: str) -> int:
    """Stream into `out`, counting what is really inflated, not what a header claims."""
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > cap:
            raise ValueError(f"{what} inflates past {cap} bytes (the limit)")
        out.write(chunk)
    return size


class Package:
    """An opened package: its collection (read-only, bounded in time) and its media files."""

    def __init__(
        self, archive: zipfile.ZipFile, where: str, member: str, limits: DeckLimits
    ) -> None:
        self.archive = archive
        self.where = where
        self.member = member
        self.zstd = member == LATEST
        self.limits = limits
        self._db: sqlite3.Connection | None = None
        self._deadline = 0.0
        self._media: dict[str, str] | None = None
        self.media_problem: str | None = None
        """Why the media map could not be read (pictures are then dropped), or None."""

    def error(self, message: str) -> DeckError:
        return DeckError(self.where, 0, message)

    # --- inflating members ----------------------------------------------------------------

    @contextmanager
    def _open(self, name: str) -> Iterator[IO[bytes]]:
        """A member's bytes as they were written: zstd is undone for modern packages."""
        with self.archive.open(name) as raw:
            if not self.zstd:
                yield raw
                return
            reader = zstandard.ZstdDecompressor(max_window_size=_ZSTD_WINDOW).stream_reader(
                raw, read_across_frames=True, closefd=False
            )
            with reader:
                yield reader

    def inflate(self, name: str, cap: int, what: str) -> bytes:
        """A member's bytes, refused past `cap` bytes inflated (ValueError and friends)."""
        out = io.BytesIO()
        with self._open(name) as stream:
            _copy(stream, out, cap, what)
        return out.getvalue()

    def _copy_collection(self, target: Path) -> None:
        with self._open(self.member) as stream, target.open("wb") as out:
            _copy(stream, out, self.limits.apkg_inflated_bytes, "the collection")

    # --- the collection ------------------------------------------------------------------

    def _connect(self, copy: Path) -> None:
        self._deadline = time.monotonic() + self.limits.apkg_seconds
        self._db = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
        self._db.set_progress_handler(
            lambda: int(time.monotonic() > self._deadline), _PROGRESS_STEPS
        )
        for pragma in ("PRAGMA trusted_schema = OFF", "PRAGMA query_only = ON"):
            next(self.rows(pragma), None)

    def kind(self, name: str) -> str | None:
        """ "table", "view", ... for a schema object of the collection, or None if absent."""
        found = self.rows("SELECT type FROM sqlite_master WHERE name = ?", (name,))
        row = next(found, None)
        return None if row is None else str(row[0])

    def table(self, name: str) -> bool:
        """Whether `name` is a plain table; a view or anything else by that name is refused."""
        kind = self.kind(name)
        if kind is None:
            return False
        if kind != "table":
            raise self.error(f"not an Anki collection: '{name}' is a {kind}, not a table")
        return True

    def columns(self, table: str) -> set[str]:
        return {str(row[1]) for row in self.rows(f"PRAGMA table_info({table})")}

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        """Rows of a query on the collection; DeckError past the time budget or on bad SQL."""
        assert self._db is not None
        try:
            cursor = self._db.execute(sql, params)
            while batch := cursor.fetchmany(500):
                yield from batch
        except sqlite3.OperationalError as exc:
            if time.monotonic() > self._deadline:
                raise self.error(
                    f"reading the collection took over {self.limits.apkg_seconds:g} s"
                ) from exc
            raise self.error(f"not an Anki collection: {exc}") from exc
        except sqlite3.Error as exc:
            raise self.error(f"not an Anki collection: {exc}") from exc

    # --- media -----------------------------------------------------------------------------

    def media_members(self) -> dict[str, str]:
        """Media file name -> zip member holding it; {} (with `media_problem`) if unreadable."""
        if self._media is None:
            self._media = {}
            try:
                self._media = self._read_media_map()
            except (*_UNREADABLE, UnicodeDecodeError) as exc:
                self.media_problem = f"the media map is unreadable ({snippet(str(exc))})"
        return self._media

    def _read_media_map(self) -> dict[str, str]:
        if "media" not in self.archive.namelist():
            return {}
        data = self.inflate("media", _MEDIA_MAP_BYTES, "the media map")
        found: dict[str, str] = {}
        if not self.zstd:  # legacy: {"0": "name.jpg", ...}
            listing = json.loads(data.decode("utf-8") or "{}")
            if not isinstance(listing, dict):
                raise ValueError("not a JSON object")
            for member, name in listing.items():
                if isinstance(name, str) and isinstance(member, str):
                    found.setdefault(name, member)
            return found
        for index, (field, entry) in enumerate(wire.fields(data)):  # MediaEntries
            if field != 1 or not isinstance(entry, bytes):
                continue
            legacy = wire.first(entry, 255)  # legacy_zip_filename, when imported from a map
            member = str(legacy) if isinstance(legacy, int) else str(index)
            found.setdefault(wire.text(entry, 1), member)
        return found

    def media(self, name: str, cap: int) -> bytes:
        """A media file's bytes, inflated up to `cap`; ValueError (a reason) if it cannot be."""
        member = self.media_members().get(name)
        if member is None:
            raise ValueError(f"'{snippet(name)}' is not in the package")
        try:
            return self.inflate(member, cap, f"'{snippet(name)}'")
        except KeyError as exc:
            raise ValueError(f"its file '{snippet(member)}' is missing from the package") from exc
        except _UNREADABLE as exc:
            raise ValueError(str(exc) or type(exc).__name__) from exc


def _directory_problem(data: bytes) -> str | None:
    """Why the zip's central directory is refused before zipfile reads it, or None (also when
    there is no end record: zipfile then says the file is no zip)."""
    at = data.rfind(_EOCD, max(0, len(data) - (1 << 16) - 22))
    if at == -1 or at + 22 > len(data):
        return None
    entries = int.from_bytes(data[at + 10 : at + 12], "little")
    size = int.from_bytes(data[at + 12 : at + 16], "little")
    if entries == 0xFFFF or size == 0xFFFFFFFF:
        return "a zip64 package (65,535 files or more): not one Anki writes at this size"
    if size > _DIRECTORY_BYTES:
        return f"its file list is {size} bytes (limit {_DIRECTORY_BYTES})"
    return None


def _meta_member(archive: zipfile.ZipFile, names: set[str], where: str) -> str:
    """The collection member to read, by `meta` or, without it, as Anki reads old packages."""
    if "meta" in names:
        with archive.open("meta") as stream:
            raw = stream.read(_META_BYTES + 1)
        try:
            if len(raw) > _META_BYTES:
                raise ValueError("too long")
            version = wire.number(raw, 1)
        except ValueError as exc:
            raise DeckError(where, 0, f"the package's meta is unreadable ({exc})") from exc
        member = VERSIONS.get(version)
        if member is None:
            raise DeckError(
                where, 0, f"package version {version} is unknown (made by a newer Anki?)"
            )
        if member not in names:
            raise DeckError(where, 0, f"the package's meta names {member}, which it lacks")
        return member
    if LATEST in names:
        # Anki itself would then read the dummy collection.anki2: refuse instead.
        raise DeckError(where, 0, f"the package has {LATEST} but no meta: not a package Anki wrote")
    for member in (LEGACY, OLDEST):
        if member in names:
            return member
    raise DeckError(where, 0, "no Anki collection in the package (not an .apkg or .colpkg?)")


@contextmanager
def open_package(data: bytes, where: str, limits: DeckLimits = LIMITS) -> Iterator[Package]:
    """The package in `data`, its collection copied to a temporary file and opened safely;
    DeckError (naming `where`) for anything unsafe or unreadable."""
    if len(data) > limits.apkg_file_bytes:
        raise DeckError(
            where, 0, f"file too large ({len(data)} bytes, limit {limits.apkg_file_bytes})"
        )
    with tempfile.TemporaryDirectory(prefix="quizbot-apkg-") as folder:
        copy = Path(folder, "collection.sqlite3")
        if problem := _directory_problem(data):
            raise DeckError(where, 0, f"not a readable .apkg: {problem}")
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except _UNREADABLE as exc:
            raise DeckError(where, 0, f"not a readable .apkg: {exc}") from exc
        with archive:
            names = archive.namelist()
            for name in names:
                if problem := member_problem(name):
                    raise DeckError(where, 0, f"member {problem}")
            try:
                package = Package(archive, where, _meta_member(archive, set(names), where), limits)
                package._copy_collection(copy)
            except _UNREADABLE as exc:
                raise DeckError(where, 0, f"not a readable .apkg: {exc}") from exc
            try:
                package._connect(copy)
                yield package
            finally:
                if package._db is not None:
                    package._db.close()
