"""Finding and reading deck files without trusting the folder: only regular files are decks.

A named pipe called `deck.yaml` would block `open()` forever and a symlink loop made
`Path.resolve()` raise, both stopping start-up. Here a file's type is checked with `lstat`
before it is opened, the open itself never blocks (O_NONBLOCK, then `fstat` on the open file
in case it was swapped), reads are capped, and symlinks are followed only to regular files
inside the folder; anything else is one `DeckError` and the walk goes on.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.models import DeckError

MAX_DEPTH = 16
"""Folders nested deeper than this are not searched (and reported)."""

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes; else DeckError."""
    where = str(path)
    try:
        mode = os.stat(path).st_mode  # follows a symlink; a loop is ELOOP, never a hang
        if not stat.S_ISREG(mode):
            raise DeckError(where, 0, f"not a deck: {_kind(mode)}, only regular files are read")
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise DeckError(where, 0, _os_problem(exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DeckError(where, 0, f"not a deck: {_kind(info.st_mode)}")
        if info.st_size > limit:
            raise DeckError(where, 0, f"file too large ({info.st_size} bytes, limit {limit})")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise DeckError(where, 0, f"file too large (over {limit} bytes)")
    except OSError as exc:
        raise DeckError(where, 0, _os_problem(exc)) from exc
    finally:
        os.close(fd)
    return b"".join(chunks)


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "no such file (a broken symlink?)"
    return f"cannot read file: {exc.strerror or exc}"


@dataclass(frozen=True, slots=True)
class Found:
    """A deck file found in the folder, or the reason a deck-named entry was skipped."""

    path: Path
    error: DeckError | None = None


def deck_files(
    directory: Path, suffixes: frozenset[str], skipped: frozenset[str]
) -> Iterator[Found]:
    """Deck-named entries under `directory` in a stable order; hidden ones and docs skipped.

    Sub-folders are entered only when they are real directories (a symlinked folder could loop
    or lead outside). A deck-named entry that is not a regular file, or a symlink that loops,
    dangles or leaves the folder, comes back with its error instead of a path to read.
    """
    root = os.path.realpath(directory)
    yield from _walk(directory, root, suffixes, skipped, 0)


def _walk(
    folder: Path, root: str, suffixes: frozenset[str], skipped: frozenset[str], depth: int
) -> Iterator[Found]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield Found(folder, DeckError(str(folder), 0, _os_problem(exc)))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            if depth + 1 > MAX_DEPTH:
                yield Found(path, DeckError(str(path), 0, f"folders nested over {MAX_DEPTH} deep"))
            else:
                yield from _walk(path, root, suffixes, skipped, depth + 1)
            continue
        if entry.name.lower() in skipped or path.suffix.lower() not in suffixes:
            continue
        yield Found(path, _problem(entry, root))


def _problem(entry: os.DirEntry[str], root: str) -> DeckError | None:
    """Why this deck-named entry cannot be read, or None for a regular file to read."""
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(mode):
            mode = os.stat(entry.path).st_mode  # ELOOP / ENOENT for loops and dangling links
            target = os.path.realpath(entry.path)
            if os.path.commonpath([root, target]) != root:
                return DeckError(entry.path, 0, "symlink points outside the questions folder")
    except (OSError, ValueError) as exc:
        problem = _os_problem(exc) if isinstance(exc, OSError) else "symlink cannot be followed"
        return DeckError(entry.path, 0, problem)
    if not stat.S_ISREG(mode):
        return DeckError(entry.path, 0, f"not a deck: {_kind(mode)}, only regular files are read")
    return None
