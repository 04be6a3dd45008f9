"""The console adapter in a subprocess fed through stdin, as a newcomer would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_console(tmp_path: Path, keys: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QUIZBOT_DB": str(tmp_path / "console.sqlite3"),
        "QUIZBOT_QUESTIONS": str(ROOT / "questions"),
    }
    env.pop("DISCORD_TOKEN", None)
    env.pop("SLACK_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input=keys,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )


def test_console_asks_grades_and_exits_cleanly_at_end_of_input(tmp_path):
    """Piped answers are graded, and end of input ends the session with a summary."""
    result = run_console(tmp_path, "s\n3\n2\ns\n1\n")
    assert result.returncode == 0, result.stderr
    assert "What is virtualization?" in result.stdout
    assert result.stdout.count("Next review") == 2
    assert "Session over: " in result.stdout
    assert "Traceback" not in result.stderr


def test_console_commands_show_stats_and_leaderboard(tmp_path):
    """:stats and :leaderboard answer at the prompt; :quit leaves."""
    result = run_console(tmp_path, "s\n3\n:stats\n:leaderboard\n:quit\n", "--user", "ann")
    assert result.returncode == 0, result.stderr
    assert "Reviews 1" in result.stdout
    assert "1. ann" in result.stdout


def test_progress_persists_and_due_cards_come_back_the_next_day(tmp_path):
    """A card answered today is not new tomorrow: it comes back as a review."""
    first = run_console(tmp_path, "s\n3\n", "--at", "2026-01-01T09:00:00Z")
    assert "· new card\nWhat is virtualization?" in first.stdout
    later = run_console(tmp_path, "", "--at", "2026-01-02T09:00:00Z")
    lines = later.stdout.splitlines()
    asked = lines.index("What is virtualization?")
    assert "new card" not in lines[asked - 1]


def test_unknown_deck_is_a_clear_message(tmp_path):
    """Asking for a deck that does not exist says so and exits non-zero."""
    result = run_console(tmp_path, "", "--deck", "nope")
    assert result.returncode == 2
    assert "There is no deck called 'nope'" in result.stdout


def test_quiz_mode_runs_to_its_end(tmp_path):
    """A three-question quiz asks three questions and then sums up."""
    result = run_console(tmp_path, "1\n1\n1\n", "--mode", "quiz", "--questions", "3")
    assert result.returncode == 0, result.stderr
    assert "[3/3]" in result.stdout and "Session over: " in result.stdout


def test_run_without_token_or_terminal_names_the_settings_it_needs(tmp_path):
    """`quizbot run` with no token and no terminal explains what to set and fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env["QUIZBOT_DB"] = str(tmp_path / "x.sqlite3")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and "quizbot console" in result.stderr
