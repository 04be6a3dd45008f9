"""`/quiz` text parsing, button values and escaping: the pieces that face untrusted input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.adapters.slack import ids, render
from bot.adapters.slack.parsing import MAX_TEXT, parse
from bot.core.models import Mode, Period


@pytest.mark.parametrize(
    ("text", "name", "mode", "deck", "count"),
    [
        ("", "help", None, None, None),
        ("STUDY virt", "study", Mode.REVIEW, "virt", None),
        ("missed", "missed", Mode.MISSED, None, None),
        ("go", "go", Mode.QUIZ, None, 10),
        ("go 5", "go", Mode.QUIZ, None, 5),
        ("go virt 25", "go", Mode.QUIZ, "virt", 25),
        ("nonsense here", "help", None, None, None),
    ],
)
def test_parse(
    text: str, name: str, mode: Mode | None, deck: str | None, count: int | None
) -> None:
    """Subcommands and their arguments, case-insensitively; unknown ones are help."""
    cmd = parse(text)
    assert (cmd.name, cmd.mode, cmd.deck, cmd.count, cmd.problem) == (name, mode, deck, count, None)


@pytest.mark.parametrize("text", ["go 0", "go 26", "go -3", "go a b c", "study a b", "stats x"])
def test_parse_problems(text: str) -> None:
    """Bad arguments come back as a message for the user, not an exception."""
    assert parse(text).problem


def test_leaderboard_arguments_in_any_order() -> None:
    """`leaderboard deck week` and `leaderboard week deck` mean the same."""
    assert parse("leaderboard virt week") == parse("leaderboard WEEK virt")
    assert parse("leaderboard").period is Period.ALL
    assert parse("leaderboard day").period is Period.DAY


def test_very_long_text_is_cut() -> None:
    """Input past MAX_TEXT is ignored before parsing."""
    cmd = parse("study " + "x" * 10_000)
    assert cmd.deck is not None and len(cmd.deck) <= MAX_TEXT


@pytest.mark.parametrize("value", ["", "a:b", "abc:1:2:3", "<!here>:1", "a" * 40 + ":1", None, 7])
def test_bad_button_values(value: object) -> None:
    """Only values this adapter made parse."""
    assert ids.parse_value(value) is None


def test_button_value_round_trip() -> None:
    """session:turn(:extra) survives the trip through Slack."""
    assert ids.parse_value(ids.value("ab12", 3, 1)) == ids.Ref("ab12", 3, 1)
    assert ids.parse_value(ids.value("ab12", 3)) == ids.Ref("ab12", 3, None)


def test_escape_and_cut() -> None:
    """Escaping follows Slack's rules, and cutting never leaves half an entity."""
    assert render.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    cut = render.mrkdwn("<" * 100, 10)
    assert cut.endswith("…") and "&l…" not in cut and len(cut) <= 10


def test_manifest_declares_what_the_adapter_uses() -> None:
    """The shipped manifest has /quiz, interactivity, Home and Socket Mode."""
    root = Path(__file__).resolve().parents[3]
    manifest = yaml.safe_load((root / "slack-manifest.yaml").read_text())
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/quiz"]
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]  # the rest: test_manifest
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
