"""`quizbot fit` on the database alone: a group without enough reviews keeps the defaults."""

from __future__ import annotations

import io
from pathlib import Path

from bot.process.fit_command import run_fit
from bot.process.settings import Settings


async def test_too_few_reviews_keeps_the_defaults(tmp_path: Path) -> None:
    settings = Settings(QUIZBOT_DB=tmp_path / "db.sqlite3", QUIZBOT_QUESTIONS=tmp_path / "none")
    out = io.StringIO()
    assert await run_fit(settings, "discord:g1", out) == 1
    assert out.getvalue() == (
        "discord:g1: 0 scheduled reviews, fewer than 5000: keeps the default parameters\n"
    )
    out = io.StringIO()
    assert await run_fit(settings, None, out) == 1
    assert "no workspace has 5000 scheduled reviews yet" in out.getvalue()
