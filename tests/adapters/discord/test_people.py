"""People through the real discord.py against the fake: one memory across two servers and DMs,
/forget-me, /my-data, and the purge after the bot is removed from a server."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.people import PeopleService
from bot.storage.people import PeopleStore
from bot.storage.sqlite import SqliteRepository
from tests.adapters.discord.conftest import Env
from tests.adapters.discord.fake_discord import ALICE, BOB, DM, GUILD2_ID, GUILD_ID, Call
from tests.adapters.discord.harness import running_bot, settings_for
from tests.fakes import FixedClock
from tests.storage.people_data import cells_mentioning, snapshot

CAPITALS = {"France": "Paris", "Italy": "Rome", "Germany": "Berlin"}


@pytest.fixture
async def clocked(fake, tmp_path: Path, questions: Path) -> AsyncIterator[tuple[Env, FixedClock]]:
    """The bot on a clock the test moves."""
    clock = FixedClock()
    db = tmp_path / "quiz.sqlite3"
    async with running_bot(settings_for(fake, db, questions), clock=clock):
        yield Env(fake, db, questions), clock


async def flashcard_good(env: Env, guild: str, user: dict = ALICE) -> Call:
    """/study solo and rate the one card Good; returns the reply to the first command."""
    question = await env.fake.command("study", {"deck": "solo"}, guild=guild, user=user)
    if not question.custom_ids or not question.custom_ids[0].startswith("qb:show:"):
        return question
    shown = await env.fake.click(question, question.custom_ids[0], user=user)
    rate = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":3"))
    rated = await env.fake.click(shown, rate, user=user)
    assert "Rated Good" in rated.text
    return question


async def quiz_one(env: Env, guild: str, user: dict = ALICE) -> None:
    """A one-question geography quiz, answered right."""
    call = await env.fake.command("quiz", {"deck": "geo", "questions": 1}, guild=guild, user=user)
    city = next(c for country, c in CAPITALS.items() if f"capital of {country}" in call.text)
    button = next(
        b["custom_id"]
        for row in call.data["components"]
        for b in row["components"]
        if b["custom_id"].startswith("qb:choice") and b["label"].endswith(f". {city}")
    )
    feedback = await env.fake.click(call, button, user=user)
    assert "Right" in feedback.text


async def followup_of(env: Env, call: Call) -> Call:
    return await env.fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == call.interaction_id
    )


async def test_one_schedule_across_servers_and_dms_separate_boards(env: Env) -> None:
    """Alice learns the card in server 1; server 2 and her DM know it is not due; Bob is new
    to it in server 2. Each server's board counts only what was answered there."""
    first = await flashcard_good(env, GUILD_ID)
    assert first.custom_ids[0].startswith("qb:show:")
    for where in (GUILD2_ID, DM):
        again = await env.fake.command("study", {"deck": "solo"}, guild=where)
        assert "All caught up" in again.text, where
    bob = await env.fake.command("study", {"deck": "solo"}, guild=GUILD2_ID, user=BOB)
    assert bob.custom_ids[0].startswith("qb:show:")

    await quiz_one(env, DM)
    await quiz_one(env, GUILD2_ID, user=BOB)
    board1 = await env.fake.command("leaderboard", {"period": "all"}, guild=GUILD_ID)
    board2 = await env.fake.command("leaderboard", {"period": "all"}, guild=GUILD2_ID)
    assert f"<@{ALICE['id']}>" in board1.text and f"<@{BOB['id']}>" not in board1.text
    assert f"<@{BOB['id']}>" in board2.text and f"<@{ALICE['id']}>" not in board2.text

    alone = await followup_of(env, await env.fake.command("stats", guild=DM))
    assert "Reviews: 2" in alone.text and "This server" not in alone.text
    here = await followup_of(env, await env.fake.command("stats", guild=GUILD_ID))
    assert "Reviews: 2" in here.text and "#1 · " in here.text and "1 answers" in here.text


async def test_study_commands_install_anywhere_group_commands_stay_in_servers(env: Env) -> None:
    """The synced commands say where they may be installed and used."""
    synced = {c["name"]: c for c in env.fake.synced[GUILD_ID]}
    for name in ("study", "quiz", "stats", "decks", "remind", "forget-me", "my-data"):
        assert sorted(synced[name]["integration_types"]) == [0, 1], name
        assert sorted(synced[name]["contexts"]) == [0, 1, 2], name
    for name in ("leaderboard", "compete", "daily", "deck"):
        assert (synced[name]["contexts"], synced[name]["integration_types"]) == ([0], [0]), name


async def test_forget_me_leaves_no_trace_and_spares_bob(
    clocked: tuple[Env, FixedClock],
) -> None:
    """The button is Alice's alone and expires; pressed in time, every row about her goes,
    table by table, and Bob's rows are as they were."""
    env, clock = clocked
    for guild in (GUILD_ID, GUILD2_ID, DM):
        await quiz_one(env, guild)
        await quiz_one(env, guild, user=BOB)
    bob_before = snapshot(env.db, BOB["id"])
    assert "people" in cells_mentioning(env.db, ALICE["id"])

    stale = await env.fake.command("forget-me", guild=DM)
    clock.advance(minutes=3)
    expired = await env.fake.click(stale, stale.custom_ids[0])
    assert "expired" in expired.text
    assert "people" in cells_mentioning(env.db, ALICE["id"])

    prompt = await env.fake.command("forget-me", guild=GUILD_ID)
    assert prompt.ephemeral and "cannot be undone" in prompt.text
    refused = await env.fake.click(prompt, prompt.custom_ids[0], user=BOB)
    assert "Only the person who asked" in refused.text
    await env.fake.click(prompt, prompt.custom_ids[0])
    done = await env.fake.wait_for(
        lambda c: c.kind == "edit" and "forgotten you" in str(c.payload.get("content"))
    )
    assert "records deleted" in done.payload["content"]
    assert cells_mentioning(env.db, ALICE["id"]) == {}
    assert snapshot(env.db, BOB["id"]) == bob_before
    board = await env.fake.command("leaderboard", {"period": "all"}, guild=GUILD_ID)
    assert f"<@{BOB['id']}>" in board.text and f"<@{ALICE['id']}>" not in board.text


async def test_my_data_is_an_ephemeral_json_file_of_her_rows(env: Env) -> None:
    """/my-data: a JSON file with Alice's reviews from every server and her DM, nobody else's."""
    await quiz_one(env, GUILD_ID)
    await quiz_one(env, DM)
    await quiz_one(env, GUILD_ID, user=BOB)
    call = await env.fake.command("my-data", guild=DM)
    assert call.type == 5 and call.ephemeral
    followup = await followup_of(env, call)
    name, _, body = followup.files[0]
    assert name == "quizbot-my-data.json"
    data = json.loads(body)
    assert data["user"] == ALICE["id"]
    assert sorted(r["workspace"] for r in data["reviews"]) == sorted([DM, GUILD_ID])
    assert {r["source"] for r in data["reviews"]} == {"quiz"}
    scheduled = {r["card_id"] for r in data["reviews"] if r["scheduled"] is not None}
    assert {s["card_id"] for s in data["card_states"]} == scheduled  # one state per card moved
    assert BOB["id"] not in body.decode()


async def test_a_server_that_removes_the_bot_is_purged_after_the_grace_period(
    clocked: tuple[Env, FixedClock],
) -> None:
    """GUILD_DELETE starts 30 days of grace: nothing is deleted before, the server's boards are
    after, and Alice's memory stays. Server 1, removed and added back, keeps everything."""
    env, clock = clocked
    await quiz_one(env, GUILD_ID)
    await quiz_one(env, GUILD2_ID)
    departures = "SELECT workspace FROM departures"
    await env.fake.remove_guild(GUILD_ID)
    await wait_for_rows(env.db, departures, [(GUILD_ID,)])
    await env.fake.add_guild(GUILD_ID)
    await env.fake.remove_guild(GUILD2_ID)
    await wait_for_rows(env.db, departures, [(GUILD2_ID,)])  # events arrive in order

    repo = await SqliteRepository.open(env.db)
    try:
        people = PeopleService(PeopleStore(repo), clock, grace=timedelta(days=30))
        clock.advance(days=29)
        assert await people.purge_due() == []
        assert scores_in(env.db, GUILD2_ID) > 0
        clock.advance(days=2)
        (purged,) = await people.purge_due()
        assert purged.workspace == GUILD2_ID
    finally:
        await repo.close()
    assert scores_in(env.db, GUILD2_ID) == 0 and scores_in(env.db, GUILD_ID) > 0
    alone = await followup_of(env, await env.fake.command("stats", guild=DM))
    assert "Reviews: 2" in alone.text


def scores_in(db: Path, guild: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM scores WHERE workspace = ?", (guild,)).fetchone()[
            0
        ]


async def wait_for_rows(db: Path, sql: str, want: list[tuple[str]], within: float = 5.0) -> None:
    async def poll() -> None:
        while True:
            with sqlite3.connect(db) as conn:
                if conn.execute(sql).fetchall() == want:
                    return
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), within)
