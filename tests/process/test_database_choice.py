"""QUIZBOT_DATABASE_URL picks PostgreSQL, without it the SQLite file; the operator's commands
run on whichever the settings name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.process.bootstrap import open_repository
from bot.process.settings import Settings
from bot.storage.postgres import PostgresRepository
from bot.storage.sqlite import SqliteRepository
from tests.backends import postgres_url
from tests.storage.people_data import ANN, BOB, cells, populate, raw_of


async def test_without_a_url_the_bot_keeps_its_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(QUIZBOT_DB=tmp_path / "q.sqlite3")
    repo = await open_repository(settings)
    try:
        assert isinstance(repo, SqliteRepository) and repo.path == tmp_path / "q.sqlite3"
    finally:
        await repo.close()


async def test_a_postgres_url_selects_postgres(tmp_path: Path) -> None:
    settings = Settings(QUIZBOT_DATABASE_URL=await postgres_url(tmp_path))
    repo = await open_repository(settings)
    try:
        assert isinstance(repo, PostgresRepository)
        assert await repo.check() == "ok"
        assert not (tmp_path / "q.sqlite3").exists()
    finally:
        await repo.close()


def test_the_url_is_checked_and_kept_secret() -> None:
    """Another scheme is refused at start-up; the password never shows in the settings."""
    with pytest.raises(ValidationError, match="postgresql://"):
        Settings(QUIZBOT_DATABASE_URL="mysql://bot@db/quiz")
    settings = Settings(QUIZBOT_DATABASE_URL="postgresql://bot:hunter2@db/quiz")
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    assert Settings(QUIZBOT_DATABASE_URL="").database_url is None


def quizbot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_forget_and_health_from_the_command_line_on_postgres(tmp_path: Path) -> None:
    """`quizbot forget` removes one person from PostgreSQL; `health` checks the server;
    `backup` says to use PostgreSQL's own tools instead of copying a file."""
    url = await postgres_url(tmp_path)
    repo = await PostgresRepository.open(url, pool_size=2)
    try:
        await populate(repo)
        env = {"QUIZBOT_DATABASE_URL": url, "QUIZBOT_DB": str(tmp_path / "unused.sqlite3")}
        done = quizbot(env, "forget", "--platform", "discord", "--user", ANN)
        assert done.returncode == 0, done.stderr
        assert "review_log: 6" in done.stdout
        assert await cells(raw_of(repo), ANN) == {}
        assert "people" in await cells(raw_of(repo), BOB)
        health = quizbot(env, "health")
        assert health.returncode == 0 and health.stdout.startswith("ok"), health.stdout
        backup = quizbot(env, "backup", str(tmp_path / "copy"))
        assert backup.returncode == 1 and "pg_dump" in backup.stderr
        assert not (tmp_path / "unused.sqlite3").exists()
    finally:
        await repo.close()
