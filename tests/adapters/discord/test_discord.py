"""End to end: the real discord.py client against a fake Discord, over the real service."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.adapters.errors import MissingSetting
from bot.process.platforms import run_discord
from bot.process.settings import Settings
from tests.adapters.discord.conftest import Env, typed_question
from tests.adapters.discord.fake_discord import ALICE, BOB, GUILD_ID, MANAGE_GUILD, Call
from tests.adapters.discord.harness import running_bot, settings_for

EPHEMERAL = 64
CAPITALS = {"France": "Paris", "Italy": "Rome", "Germany": "Berlin"}
COMMANDS = {"study", "quiz", "leaderboard", "stats", "decks", "deck"}
COMMANDS |= {"daily", "remind"}  # bot/adapters/discord/daily.py
COMMANDS |= {"compete"}  # bot/adapters/discord/competition.py
COMMANDS |= {"forget-me", "my-data"}  # bot/adapters/discord/people.py


def _right(question: Call, answer: str) -> str:
    """The custom id of the option button labelled with the right answer."""
    rows = question.data["components"]
    buttons = [
        b for row in rows for b in row["components"] if b["custom_id"].startswith("qb:choice")
    ]
    return next(b["custom_id"] for b in buttons if b["label"].endswith(f". {answer}"))


CAPITALS = {"France": "Paris", "Italy": "Rome", "Germany": "Berlin"}


def _capital(question: Call) -> str:
    """The right answer to whichever geography card the question shows."""
    return next(
        city for country, city in CAPITALS.items() if f"capital of {country}" in question.text
    )


def _option(command: dict, name: str) -> dict:
    return next(o for o in command["options"] if o["name"] == name)


async def test_sync_registers_every_command(env: Env) -> None:
    """setup_hook syncs every command, with descriptions and options, to the configured guild."""
    synced = {c["name"]: c for c in env.fake.synced[GUILD_ID]}
    assert set(synced) == COMMANDS
    assert all(c["description"] for c in synced.values())
    study = synced["study"]
    assert _option(study, "deck")["autocomplete"] is True
    assert {c["value"] for c in _option(study, "mode")["choices"]} == {"review", "missed"}
    questions = _option(synced["quiz"], "questions")
    assert (questions["min_value"], questions["max_value"]) == (1, 25)
    assert {c["value"] for c in _option(synced["leaderboard"], "period")["choices"]} == {
        "day",
        "week",
        "all",
        "competitions",
    }
    assert _option(synced["leaderboard"], "deck")["autocomplete"] is True
    assert _option(synced["stats"], "member")["type"] == 6
    deck = [o["name"] for o in synced["deck"]["options"]]
    assert deck == ["import", "paste", "list", "export", "remove", "add", "share", "reload"]
    assert synced["deck"]["contexts"] == [0] and synced["deck"]["integration_types"] == [0]
    assert str(synced["deck"]["default_member_permissions"]) == MANAGE_GUILD
    assert all(o["description"] for c in synced.values() for o in c.get("options", []))


async def test_deck_option_autocompletes(env: Env) -> None:
    """The deck option suggests loaded decks matching what was typed."""
    data = {
        "id": "1",
        "name": "study",
        "type": 1,
        "guild_id": GUILD_ID,
        "options": [{"name": "deck", "type": 3, "value": "ge", "focused": True}],
    }
    call = await env.fake.inject(4, data)
    assert call.type == 8
    assert [c["value"] for c in call.payload["data"]["choices"]] == ["geo"]


async def test_decks_lists_loaded_decks(env: Env) -> None:
    """/decks answers with every loaded deck and its card count, in good grammar."""
    call = await env.fake.command("decks")
    assert call.type == 4
    assert "Geography (3 cards)" in call.text and "Solo (1 card)" in call.text
    assert "(1 cards)" not in call.text
    assert call.data["embeds"][0]["footer"]["text"] == "3 decks · 5 cards"


async def test_deck_suggestions_count_cards_in_good_grammar(env: Env) -> None:
    """Autocomplete for /study and /compete start says '1 card' and '3 cards'."""
    deck = {"name": "deck", "type": 3, "value": "", "focused": True}
    study = {"id": "1", "name": "study", "type": 1, "guild_id": GUILD_ID, "options": [deck]}
    start = {"name": "start", "type": 1, "options": [deck]}
    compete = {"id": "2", "name": "compete", "type": 1, "guild_id": GUILD_ID, "options": [start]}
    for data in (study, compete):
        call = await env.fake.inject(4, data)
        names = {c["value"]: c["name"] for c in call.payload["data"]["choices"]}
        assert names["geo"] == "Geography (3 cards)" and names["solo"] == "Solo (1 card)"
    lobby = await env.fake.command("compete", {"deck": "geo", "rounds": 1}, sub="start")
    assert "1 round · 20 s each" in lobby.text


async def test_unknown_deck_gets_the_service_message(env: Env) -> None:
    """A QuizError from the service is shown as its own message, ephemeral."""
    call = await env.fake.command("study", {"deck": "nope"})
    assert call.type == 4 and call.ephemeral
    assert "There is no deck called 'nope'" in call.text


async def test_choice_card_next_and_stop(env: Env) -> None:
    """A quiz asks ephemeral multiple-choice cards; right answer, next card, stop, summary."""
    question = await env.fake.command("quiz", {"deck": "geo", "questions": 5})
    assert question.type == 4 and question.ephemeral
    assert "capital of" in question.text
    city = _capital(question)
    feedback = await env.fake.click(question, _right(question, city))
    assert feedback.type == 7
    assert "Right" in feedback.text and f"Answer: {city}" in feedback.text
    # A right pick on a card never studied is recognition, not recall: it stays new.
    assert "Next review: when you study it" in feedback.text
    nxt = next(i for i in feedback.custom_ids if i.startswith("qb:next:"))
    second = await env.fake.click(feedback, nxt)
    assert second.type == 7 and "capital of" in second.text
    assert _capital(second) != city
    stop = next(i for i in second.custom_ids if i.startswith("qb:stop:"))
    summary = await env.fake.click(second, stop)
    assert "Quiz stopped" in summary.text and "1/1" in summary.text
    assert summary.custom_ids == []


async def test_study_flashcard_show_then_rate(env: Env) -> None:
    """A card without options is a flashcard: Show answer, then Again/Hard/Good/Easy."""
    question = await env.fake.command("study", {"deck": "solo"})
    assert question.custom_ids[0].startswith("qb:show:")
    shown = await env.fake.click(question, question.custom_ids[0])
    assert "Answer: H2O" in shown.text
    rates = [i for i in shown.custom_ids if i.startswith("qb:rate:")]
    assert [i.rsplit(":", 1)[1] for i in rates] == ["1", "2", "3", "4"]
    rated = await env.fake.click(shown, rates[2])
    assert "Rated Good" in rated.text and "Next review" in rated.text


async def test_study_typed_answer_through_modal(deck_env: Env) -> None:
    """A known card with short answers comes back typed: the modal's answer is graded."""
    typed = await typed_question(deck_env)
    modal = await deck_env.fake.click(typed, typed.custom_ids[0])
    assert modal.type == 9
    assert modal.data["custom_id"] == typed.custom_ids[0].replace("qb:type:", "qb:answer:")
    feedback = await deck_env.fake.submit(typed, modal, "h2o")
    assert feedback.type == 7
    assert "Right" in feedback.text and "You answered: h2o" in feedback.text


async def test_quiz_to_the_end_then_leaderboard(env: Env) -> None:
    """/quiz runs its questions to a scored summary, and the score shows on /leaderboard."""
    call = await env.fake.command("quiz", {"deck": "geo", "questions": 2})
    assert call.ephemeral and "1/2" in call.text
    for _ in range(2):
        answer = next(city for country, city in CAPITALS.items() if country in call.text)
        feedback = await env.fake.click(call, _right(call, answer))
        assert "Right" in feedback.text
        call = await env.fake.click(feedback, feedback.custom_ids[0])
    assert "Quiz complete" in call.text and "2/2" in call.text
    board = await env.fake.command("leaderboard", {"period": "all"})
    assert not board.ephemeral
    assert f"<@{ALICE['id']}>" in board.text and "2/2 right" in board.text
    assert "You: #1" in board.text


async def test_stats_attaches_png_chart(env: Env) -> None:
    """/stats defers, then follows up with the embed and a PNG chart uploaded as multipart."""
    call = await env.fake.command("stats")
    assert call.type == 5 and call.ephemeral
    followup = await env.fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == call.interaction_id
    )
    name, _, png = followup.files[0]
    assert name == "stats.png" and png.startswith(b"\x89PNG")
    assert followup.payload["embeds"][0]["image"]["url"] == "attachment://stats.png"
    assert "Reviews: 0" in followup.text


async def test_other_member_is_refused_and_nothing_recorded(env: Env) -> None:
    """Someone else pressing your button gets an ephemeral refusal; your answer stays open."""
    question = await env.fake.command("quiz", {"deck": "geo", "questions": 5})
    button = _right(question, _capital(question))
    refused = await env.fake.click(question, button, user=BOB)
    assert refused.type == 4 and refused.ephemeral
    assert "not your session" in refused.text
    mine = await env.fake.click(question, button)
    assert "Right" in mine.text and "Already recorded" not in mine.text


async def test_double_click_records_once(env: Env) -> None:
    """The same button pressed twice gives the same feedback and counts once."""
    question = await env.fake.command("quiz", {"deck": "geo", "questions": 5})
    button = _right(question, _capital(question))
    first, second = await asyncio.gather(
        env.fake.click(question, button), env.fake.click(question, button)
    )
    assert "Right" in first.text and "Right" in second.text
    assert ("Already recorded" in first.text) != ("Already recorded" in second.text)
    board = await env.fake.command("leaderboard")
    assert "1/1 right" in board.text


async def test_buttons_work_after_restart(fake, tmp_path: Path, questions: Path) -> None:
    """A question sent before a restart is answered by the next process, from SQLite."""
    settings = settings_for(fake, tmp_path / "quiz.sqlite3", questions)
    async with running_bot(settings):
        question = await fake.command("quiz", {"deck": "geo", "questions": 5})
    async with running_bot(settings):
        feedback = await fake.click(question, _right(question, _capital(question)))
    assert feedback.type == 7 and "Right" in feedback.text


async def test_deck_reload_needs_manage_server(env: Env) -> None:
    """/deck reload is refused without Manage Server, and reports errors by file and line with it."""
    refused = await env.fake.command("deck", sub="reload", permissions="0")
    assert refused.ephemeral and "Manage Server" in refused.text
    (env.questions / "broken.yaml").write_text("deck: {id: broken}\ncards:\n  - id: x\n")
    done = await env.fake.command("deck", sub="reload", permissions=MANAGE_GUILD)
    assert done.type == 5
    report = await env.fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == done.interaction_id
    )
    assert "Decks reloaded" in report.text and "3 decks" in report.text
    assert "broken.yaml:3" in report.text


async def test_mentions_in_deck_text_never_ping(env: Env) -> None:
    """A card with @everyone and a role mention is shown defused, with no mentions allowed."""
    call = await env.fake.command("study", {"deck": "ping"})
    assert call.payload["data"]["allowed_mentions"] == {"parse": []}
    assert "@\u200beveryone" in call.text and "<@\u200b&123456789012345678>" in call.text
    assert "@everyone" not in call.text
    shown = await env.fake.click(call, call.custom_ids[0])
    assert shown.payload["data"]["allowed_mentions"] == {"parse": []}
    assert "@\u200bhere" in shown.text


async def test_missing_token_is_a_missing_setting(tmp_path: Path) -> None:
    """Without DISCORD_TOKEN the adapter stops with a one-line MissingSetting."""
    settings = Settings(DISCORD_TOKEN=None, QUIZBOT_DB=tmp_path / "db.sqlite3")
    with pytest.raises(MissingSetting, match="DISCORD_TOKEN is not set"):
        await run_discord(settings)


async def _reload(env: Env) -> None:
    done = await env.fake.command("deck", sub="reload", permissions=MANAGE_GUILD)
    await env.fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == done.interaction_id
    )


def _author(call: Call) -> str:
    return call.data["embeds"][0]["author"]["name"]


async def test_a_card_that_left_in_a_reload_moves_the_session_on(env: Env) -> None:
    """The open card is removed from its deck by /deck reload: the click is not counted, says
    why in one line, and shows the next question of the quiz in its place."""
    question = await env.fake.command("quiz", {"deck": "geo", "questions": 5})
    city = _capital(question)
    deck = (env.questions / "geo.yaml").read_text()
    kept = [block for block in deck.split("  - id: ")[1:] if f"answer: {city}" not in block]
    (env.questions / "geo.yaml").write_text(
        deck.split("  - id: ")[0] + "".join("  - id: " + b for b in kept)
    )
    await _reload(env)
    reply = await env.fake.click(question, _right(question, city))
    assert reply.type == 7 and "already answered" not in reply.text
    assert _author(reply) == (
        "This card left its deck in a deck reload, so that answer was not counted."
    )
    nxt = _capital(reply)
    assert nxt != city and "1/5" in reply.text  # still the first counted question
    feedback = await env.fake.click(reply, _right(reply, nxt))
    assert "Right" in feedback.text
    stop = next(i for i in feedback.custom_ids if i.startswith("qb:stop:"))
    summary = await env.fake.click(feedback, stop)
    assert "**1/1** right" in summary.text


async def test_a_card_changed_in_a_reload_is_not_graded_against_the_new_text(env: Env) -> None:
    """The open flashcard's answer is rewritten by a reload: rating it records nothing, says
    so, and puts the card as it now reads to the learner afresh; no points on the board."""
    question = await env.fake.command("study", {"deck": "solo"})
    shown = await env.fake.click(question, question.custom_ids[0])
    solo = env.questions / "solo.yaml"
    solo.write_text(solo.read_text().replace("answer: H2O", "answer: Dihydrogen monoxide"))
    await _reload(env)
    easy = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":4"))
    reply = await env.fake.click(shown, easy)
    assert reply.type == 7
    assert _author(reply) == "This card changed in a deck reload, so that answer was not counted."
    assert "New card" in reply.text  # never reviewed: the click left no trace
    assert reply.custom_ids[0].startswith("qb:show:") and reply.custom_ids[0].endswith(":2")
    revealed = await env.fake.click(reply, reply.custom_ids[0])
    assert "Dihydrogen monoxide" in revealed.text
    board = await env.fake.command("leaderboard", {"period": "all"})
    assert "No scores yet" in board.text
