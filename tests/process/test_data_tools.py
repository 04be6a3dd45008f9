"""`quizbot forget` and `quizbot purge-workspace`, run as the operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.storage.sqlite import SqliteRepository
from tests.storage.people_data import ANN, BOB, cells_mentioning, populate


def quizbot(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZBOT_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=60
    )


async def test_forget_and_purge_from_the_command_line(tmp_path: Path) -> None:
    """forget removes one person and says how many rows; a second run finds nothing (exit 1);
    purge-workspace empties one server's boards at once."""
    db = tmp_path / "quiz.sqlite3"
    repo = await SqliteRepository.open(db)
    await populate(repo)
    await repo.close()

    done = quizbot(db, "forget", "--platform", "discord", "--user", ANN)
    assert done.returncode == 0, done.stderr
    assert f"forgot discord user {ANN}" in done.stdout and "review_log: 6" in done.stdout
    assert cells_mentioning(db, ANN) == {}
    assert "people" in cells_mentioning(db, BOB)
    again = quizbot(db, "forget", "--platform", "discord", "--user", ANN)
    assert again.returncode == 1 and "nothing stored" in again.stdout

    purged = quizbot(db, "purge-workspace", "--platform", "discord", "--workspace", "g1")
    assert purged.returncode == 0, purged.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM scores WHERE workspace = 'g1'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM scores WHERE workspace = 'g2'").fetchone() != (0,)
