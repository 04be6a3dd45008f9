"""Hostile and odd input on Discord: every reply is clear, nothing pings, nothing outside the
questions folder is read."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord.utils import escape_markdown, escape_mentions

from bot.adapters.discord.views import MAX_TYPED
from bot.core.decks import load_questions
from tests.adapters.discord.conftest import Env, typed_question
from tests.adapters.discord.fake_discord import Call

RTL = "\u202eopen\u202c \u200f\u05e9\u05dc\u05d5\u05dd\u200e"
RIGHT, WRONG = "✅ Right!", "❌ Not quite"
HOSTILE = [
    pytest.param("x" * MAX_TYPED, WRONG, id="longest-allowed"),
    pytest.param("H\u200b2\u200dO\ufeff", RIGHT, id="zero-width"),
    pytest.param(RTL, WRONG, id="rtl"),
    pytest.param("@everyone @here <@&123456789012345678> <@1> <#2>", WRONG, id="mentions"),
    pytest.param("**H2O** ||spoiler|| __u__ ~~s~~ > quote\n# title", WRONG, id="markdown"),
    pytest.param("```\n@everyone\n```\n`H2O`", WRONG, id="code-block"),
    pytest.param("💧 H2O 🧪 <:custom:123> 👨‍👩‍👧", WRONG, id="emoji"),
    pytest.param(" h2o ", RIGHT, id="spaces-and-case"),
]


def _never_pings(call: Call) -> None:
    data = call.payload.get("data", call.payload)
    assert data.get("allowed_mentions") == {"parse": []}, data.get("allowed_mentions")
    for raw in ("@everyone", "@here", "<@&"):
        assert raw not in call.text, call.text


@pytest.mark.parametrize(("answer", "verdict"), HOSTILE)
async def test_hostile_typed_answers_get_a_clear_reply(
    deck_env: Env, answer: str, verdict: str
) -> None:
    """Each answer is graded as the rules say, shown as typed (escaped), and pings nobody."""
    typed = await typed_question(deck_env)
    modal = await deck_env.fake.click(typed, typed.custom_ids[0])
    feedback = await deck_env.fake.submit(typed, modal, answer)
    assert feedback.type == 7
    embed = feedback.data["embeds"][0]
    assert embed["title"] == verdict
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Answer"] == "H2O"
    shown = escape_mentions(escape_markdown(answer.strip()))
    assert fields["You answered"] == shown
    _never_pings(feedback)


async def test_a_typed_answer_discord_would_not_send_is_refused(deck_env: Env) -> None:
    """The modal asks for 1 to MAX_TYPED characters, so Discord's client never sends more or none."""
    typed = await typed_question(deck_env)
    modal = await deck_env.fake.click(typed, typed.custom_ids[0])
    for value in ("", "x" * (MAX_TYPED + 1)):
        with pytest.raises(ValueError, match=f"1 to {MAX_TYPED} characters"):
            await deck_env.fake.submit(typed, modal, value)


@pytest.mark.parametrize(
    "deck",
    ["nope", "../../etc/passwd", "/etc/passwd", "..\\..\\secret", "geo/../geo", "@everyone",
     "<@&123456789012345678>", "\u202egeo", "x" * 500],
)  # fmt: skip
async def test_a_deck_option_naming_no_loaded_deck_is_refused(env: Env, deck: str) -> None:
    call = await env.fake.command("study", {"deck": deck})
    assert call.ephemeral
    assert "There is no deck called" in call.text, call.text
    assert "root:" not in call.text
    _never_pings(call)


async def test_a_deck_outside_the_folder_is_never_read(env: Env, tmp_path: Path) -> None:
    """A deck file next to (not inside) the questions folder, and a symlink to it, stay unread."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("deck: {id: secret}\ncards:\n  - {question: Secret?, answer: hidden}\n")
    (env.questions / "link.yaml").symlink_to(secret)
    decks, _errors = load_questions(env.questions)
    assert "secret" not in {d.id for d in decks}
    assert all(Path(d.path).resolve().is_relative_to(env.questions.resolve()) for d in decks)
    for name in ("secret", "../secret", str(secret)):
        call = await env.fake.command("quiz", {"deck": name})
        assert "There is no deck called" in call.text and "Secret?" not in call.text
