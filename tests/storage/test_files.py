"""The database, its folder and its backups are private to the bot's user."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.storage.sqlite import SqliteRepository


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


async def test_new_folder_and_database_are_private(tmp_path: Path, usual_umask: None) -> None:
    db = tmp_path / "data" / "deep" / "quizbot.sqlite3"
    repo = await SqliteRepository.open(db)
    try:
        assert mode(db.parent) == 0o700
        assert mode(db.parent.parent) == 0o700
        assert mode(db) == 0o600
        companions = sorted(db.parent.glob(db.name + "-*"))  # -wal and -shm, while open
        assert companions
        for companion in companions:
            assert mode(companion) == 0o600, companion
        backup = tmp_path / "backups" / "copy.sqlite3"
        await repo.backup(backup)
        assert mode(backup) == 0o600
        assert mode(backup.parent) == 0o700
    finally:
        await repo.close()


async def test_existing_readable_database_is_narrowed(tmp_path: Path, usual_umask: None) -> None:
    db = tmp_path / "quizbot.sqlite3"
    repo = await SqliteRepository.open(db)
    await repo.close()
    os.chmod(db, 0o644)
    repo = await SqliteRepository.open(db)
    await repo.close()
    assert mode(db) == 0o600


async def test_existing_folder_is_left_as_its_owner_set_it(
    tmp_path: Path, usual_umask: None
) -> None:
    """A mounted volume's mode is the operator's decision; only what we create is ours."""
    folder = tmp_path / "volume"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    repo = await SqliteRepository.open(folder / "quizbot.sqlite3")
    await repo.close()
    assert mode(folder) == 0o755
    assert mode(folder / "quizbot.sqlite3") == 0o600
