"""Reading the notes out of an Anki package, which is untrusted: a zip holding an SQLite file.

Two traps this avoids. A zip header may understate a member's size, so the bytes actually
inflated are counted while streaming and refused past the limit. And running SQL against the
package runs the package's schema too: a `notes` *view* with an endless recursive query never
returns. So the collection is opened read-only with untrusted schema disabled, `notes` must be
a plain table (checked in `sqlite_master`), and a progress handler stops any query past the
time budget.
"""

from __future__ import annotations

import io
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from bot.core.files import read_regular_file
from bot.core.limits import LIMITS, DeckLimits
from bot.core.models import DeckError
from bot.core.text_bounds import snippet

COLLECTIONS = ("collection.anki21", "collection.anki2")
_CHUNK = 1 << 20
_PROGRESS_STEPS = 10_000
"""SQLite virtual-machine steps between two checks of the clock."""


def _member_problem(name: str) -> str | None:
    if name.startswith(("/", "\\")) or "/" in name or "\\" in name or ".." in name or ":" in name:
        return f"member '{snippet(name)}' is a path, not a file name"
    return None


def _inflate(archive: zipfile.ZipFile, name: str, out: io.BufferedWriter, cap: int) -> None:
    """Stream one member into `out`, counting what is really inflated, not what is claimed."""
    size = 0
    with archive.open(name) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise ValueError(f"the collection inflates past {cap} bytes (the limit)")
            out.write(chunk)


def note_rows(path: Path, limits: DeckLimits = LIMITS) -> Iterator[tuple[object, object]]:
    """(fields, tags) of each note in id order; DeckError for anything unsafe or unreadable."""
    where = str(path)
    data = read_regular_file(path, limits.apkg_file_bytes)
    with tempfile.TemporaryDirectory(prefix="quizbot-apkg-") as folder:
        copy = Path(folder, "collection.sqlite3")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                for name in names:
                    if problem := _member_problem(name):
                        raise DeckError(where, 0, problem)
                member = next((n for n in COLLECTIONS if n in names), None)
                if member is None:
                    raise DeckError(where, 0, ".apkg in the new format: export as plain text")
                with copy.open("wb") as out:
                    _inflate(archive, member, out, limits.apkg_inflated_bytes)
        except (OSError, zipfile.BadZipFile, ValueError, EOFError, RuntimeError) as exc:
            raise DeckError(where, 0, f"not a readable .apkg: {exc}") from exc
        yield from _read_notes(copy, where, limits)


def _read_notes(copy: Path, where: str, limits: DeckLimits) -> Iterator[tuple[object, object]]:
    deadline = time.monotonic() + limits.apkg_seconds
    db = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
    db.set_progress_handler(lambda: int(time.monotonic() > deadline), _PROGRESS_STEPS)
    try:
        db.execute("PRAGMA trusted_schema = OFF")
        db.execute("PRAGMA query_only = ON")
        kind = db.execute("SELECT type FROM sqlite_master WHERE name = 'notes'").fetchone()
        if kind is None or kind[0] != "table":
            found = "missing" if kind is None else f"a {kind[0]}"
            raise DeckError(where, 0, f"not an Anki collection: 'notes' is {found}, not a table")
        cursor = db.execute("SELECT flds, tags FROM notes ORDER BY id")
        while rows := cursor.fetchmany(500):
            yield from rows
    except sqlite3.OperationalError as exc:
        if time.monotonic() > deadline:
            raise DeckError(
                where, 0, f"reading the collection took over {limits.apkg_seconds:g} s"
            ) from exc
        raise DeckError(where, 0, f"not an Anki collection: {exc}") from exc
    except sqlite3.Error as exc:
        raise DeckError(where, 0, f"not an Anki collection: {exc}") from exc
    finally:
        db.close()
