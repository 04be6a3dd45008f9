"""Forget me, my data and workspace purges on SQLite, checked table by table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.people import PeopleService
from bot.core.competition import standings
from bot.core.models import Learner, Person
from bot.storage.competitions import decode
from bot.storage.people import COVERAGE, FORGOTTEN_NAME, Forget, Purge
from bot.storage.sqlite import SqliteRepository
from tests.fakes import FixedClock
from tests.storage.people_data import ANN, BOB, PLATFORM, T0, cells_mentioning, populate, snapshot

USER_COLUMNS = {
    "user", "user_id", "person_id", "learner_id", "set_by", "starter", "data", "imported_by",
    "created_by",
}  # fmt: skip
"""Columns that can hold who someone is (JSON `data` blobs hold players and learners)."""


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[SqliteRepository]:
    repo = await SqliteRepository.open(tmp_path / "quiz.sqlite3")
    await populate(repo)
    yield repo
    await repo.close()


def people(repo: SqliteRepository, clock: FixedClock | None = None) -> PeopleService:
    from bot.storage.people import PeopleStore

    return PeopleService(PeopleStore(repo), clock or FixedClock(T0), grace=timedelta(days=30))


def schema(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: {c[1] for c in conn.execute(f"PRAGMA table_info({t})")} for t in tables}


async def test_every_table_is_covered_by_forget_and_purge(repo: SqliteRepository) -> None:
    """A new table must say what forget-me and a workspace purge do to it; one that can hold
    a user id cannot be left alone by forget-me, one with a workspace is purged or kept on
    purpose."""
    tables = schema(repo.path)
    assert set(tables) == set(COVERAGE), "list the new table in bot/storage/people.py COVERAGE"
    for table, columns in tables.items():
        if columns & USER_COLUMNS:
            assert COVERAGE[table].forget is not Forget.NOTHING, table
        if "workspace" in columns and COVERAGE[table].purge is Purge.KEEP:
            assert table in {"learners", "daily_reminders"}, table  # the person's own rows


async def test_forget_leaves_no_trace_and_spares_the_others(repo: SqliteRepository) -> None:
    """After forget, no cell of any table holds Ann's id or name; every row about Bob alone is
    as it was; boards and group records count only Bob; the competition keeps its result."""
    assert set(cells_mentioning(repo.path, ANN)) >= {
        "people", "learners", "sessions", "scores",
        "daily_answers", "daily_reminders", "daily_schedules", "competitions",
        "competition_answers", "competition_scores", "chat_decks", "chat_deck_shares",
    }  # fmt: skip
    bob_before = snapshot(repo.path, BOB)
    records_g1 = await repo.card_records(PLATFORM, "g1")
    assert records_g1[("virt", "c1")].attempts == 2

    done = await people(repo).forget(Person(PLATFORM, ANN))

    assert done.rows["review_log"] == 6 and done.rows["card_states"] == 2
    assert cells_mentioning(repo.path, ANN) == {}
    with sqlite3.connect(repo.path) as conn:  # the group's deck stays, without its importer
        decks = conn.execute("SELECT workspace, imported_by FROM chat_decks ORDER BY 1")
        assert decks.fetchall() == [("g1", ""), ("g2", BOB)]
        assert conn.execute("SELECT count(*) FROM chat_deck_shares").fetchone() == (2,)
    with sqlite3.connect(repo.path) as conn:  # rows keyed by row id: only Bob's are left
        assert conn.execute("SELECT count(*) FROM card_states").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM review_log").fetchone() == (6,)
    assert cells_mentioning(repo.path, "Ann Example") == {}
    bob_after = snapshot(repo.path, BOB)
    for table in bob_before:
        if table != "competitions":  # a shared row: Ann's part changed, Bob's is checked below
            assert bob_after[table] == bob_before[table], table
    top, _ = await repo.leaderboard(PLATFORM, "g1", "all", None, 10, BOB)
    assert [e.user for e in top] == [BOB]
    assert (await repo.card_records(PLATFORM, "g1"))[("virt", "c1")].attempts == 1
    assert await repo.totals(Learner(PLATFORM, "g2", BOB)) == (6, 6)
    with sqlite3.connect(repo.path) as conn:
        (data,) = conn.execute("SELECT data FROM competitions").fetchone()
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    result = standings(decode(data))
    assert [s.name for s in result] == [FORGOTTEN_NAME, "Bob Example"]
    assert [s.points for s in result][1] == 0 and result[0].points > 0


async def test_forgotten_person_can_start_again(repo: SqliteRepository) -> None:
    """Forget clears the writer's id cache too: a later answer makes fresh rows."""
    from tests.fakes import answer

    await people(repo).forget(Person(PLATFORM, ANN))
    record, state = answer(Learner(PLATFORM, "g1", ANN), "again", T0)
    assert await repo.record_answer(record, state, None)
    assert await repo.totals(Learner(PLATFORM, "g2", ANN)) == (1, 1)
    with sqlite3.connect(repo.path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


async def test_export_holds_every_row_about_the_person(repo: SqliteRepository) -> None:
    """my-data: states, reviews in every workspace, sessions, scores, settings; nobody else."""
    data = json.loads(await people(repo).export_json(Person(PLATFORM, ANN)))
    assert data["user"] == ANN and data["profile"][0]["timezone"] == "UTC"
    assert len(data["card_states"]) == 2
    assert {r["workspace"] for r in data["reviews"]} == {"g1", "g2", "dm"}
    assert len(data["reviews"]) == 6 and len(data["sessions"]) == 6
    assert data["sessions"][0]["data"]["learner"]["user"] == ANN
    assert {s["workspace"] for s in data["scores"]} == {"g1", "g2"}
    assert data["reminder"] == [{"workspace": "g1", "last_reminded": None}]
    assert len(data["daily_answers"]) == 1 and len(data["competition_answers"]) == 1
    assert data["daily_schedules_set"][0]["channel"] == "chan"
    (deck,) = data["decks_imported"]
    assert (deck["workspace"], deck["name"], deck["source"]) == ("g1", "Biology", "bio.apkg")
    assert [s["workspace"] for s in data["decks_shared"]] == ["g1"]
    assert BOB not in json.dumps(data)


async def test_departed_workspace_is_purged_after_the_grace_period(
    repo: SqliteRepository,
) -> None:
    """Left g1: nothing goes for 30 days; then g1's group data goes, people's memory and g2
    stay. Coming back within the grace period cancels the purge."""
    clock = FixedClock(T0)
    service = people(repo, clock)
    await service.left(PLATFORM, "g1")
    clock.advance(days=29, hours=23)
    assert await service.purge_due() == []
    assert await repo.card_records(PLATFORM, "g1")

    clock.advance(hours=2)
    (purged,) = await service.purge_due()
    assert (purged.workspace, purged.rows["scores"] > 0) == ("g1", True)
    with sqlite3.connect(repo.path) as conn:
        for table, cover in COVERAGE.items():
            if cover.purge is Purge.DELETE and table not in {
                "daily_answers",
                "competition_answers",
            }:
                left = conn.execute(f"SELECT count(*) FROM {table} WHERE workspace = 'g1'")
                assert left.fetchone() == (0,), table
        assert conn.execute("SELECT count(*) FROM daily_answers").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM competition_answers").fetchone() == (0,)
    assert await repo.card_records(PLATFORM, "g2")
    with sqlite3.connect(repo.path) as conn:  # g2's own deck, picture and share code stay
        for table in ("chat_decks", "chat_deck_media", "chat_deck_shares"):
            left = conn.execute(f"SELECT workspace FROM {table}").fetchall()
            assert left == [("g2",)], table
    assert await repo.totals(Learner(PLATFORM, "g2", ANN)) == (6, 6)
    assert len(await repo.load_states(Learner(PLATFORM, "dm", ANN))) == 2
    assert await service.purge_due() == []

    await service.left(PLATFORM, "g2")
    clock.advance(days=10)
    await service.returned(PLATFORM, "g2")
    clock.advance(days=60)
    assert await service.purge_due() == []
    assert await repo.card_records(PLATFORM, "g2")


async def test_forget_waits_for_a_running_competition(repo: SqliteRepository) -> None:
    """While Ann plays in a live game its state would write her back: forget refuses and
    changes nothing; once the game is over it goes through."""
    from bot.core.errors import InCompetition

    with sqlite3.connect(repo.path) as conn:
        conn.execute("UPDATE competitions SET phase = 'round'")
    before = cells_mentioning(repo.path, ANN)
    with pytest.raises(InCompetition):
        await people(repo).forget(Person(PLATFORM, ANN))
    assert cells_mentioning(repo.path, ANN) == before
    with sqlite3.connect(repo.path) as conn:
        conn.execute("UPDATE competitions SET phase = 'finished'")
    await people(repo).forget(Person(PLATFORM, ANN))
    assert cells_mentioning(repo.path, ANN) == {}
