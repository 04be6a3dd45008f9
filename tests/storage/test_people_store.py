"""Forget me, my data and workspace purges on each back-end, checked table by table."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.people import PeopleService
from bot.app.ports import stores_of
from bot.core.competition import standings
from bot.core.models import Learner, Person
from bot.core.ports import Repository
from bot.storage.competitions import decode
from bot.storage.people import COVERAGE, FORGOTTEN_NAME, Forget, Purge
from bot.storage.sqlite import SqliteRepository
from tests.backends import SQL_BACKENDS, open_repository
from tests.fakes import FixedClock
from tests.storage.people_data import (
    ANN,
    BOB,
    PLATFORM,
    T0,
    Raw,
    cells,
    populate,
    raw_of,
    rows_about,
)

USER_COLUMNS = {
    "user", "user_id", "person_id", "learner_id", "set_by", "starter", "data", "imported_by",
    "created_by", "installed_by",
}  # fmt: skip
"""Columns that can hold who someone is (JSON `data` blobs hold players and learners)."""


@pytest.fixture(params=SQL_BACKENDS)
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repository]:
    repo = await open_repository(request.param, tmp_path)
    await populate(repo)
    yield repo
    await repo.close()


@pytest.fixture
def raw(repo: Repository) -> Raw:
    return raw_of(repo)


def people(repo: Repository, clock: FixedClock | None = None) -> PeopleService:
    store = stores_of(repo).people_store()
    return PeopleService(store, clock or FixedClock(T0), grace=timedelta(days=30))


async def test_every_table_is_covered_by_forget_and_purge(raw: Raw) -> None:
    """A new table must say what forget-me and a workspace purge do to it; one that can hold
    a user id cannot be left alone by forget-me, one with a workspace is purged or kept on
    purpose. Both back-ends have the same tables."""
    tables = await raw.tables()
    assert set(tables) == set(COVERAGE), "list the new table in bot/storage/people.py COVERAGE"
    for table, columns in tables.items():
        if columns & USER_COLUMNS:
            assert COVERAGE[table].forget is not Forget.NOTHING, table
        if "workspace" in columns and COVERAGE[table].purge is Purge.KEEP:
            assert table in {"learners", "daily_reminders"}, table  # the person's own rows


async def test_forget_leaves_no_trace_and_spares_the_others(repo: Repository, raw: Raw) -> None:
    """After forget, no cell of any table holds Ann's id or name; every row about Bob alone is
    as it was; boards and group records count only Bob; the competition keeps its result."""
    assert set(await cells(raw, ANN)) >= {
        "people", "learners", "sessions", "scores",
        "daily_answers", "daily_reminders", "daily_schedules", "competitions",
        "competition_answers", "competition_scores", "chat_decks", "chat_deck_shares",
        "app_installs",
    }  # fmt: skip
    bob_before = await rows_about(raw, BOB)
    records_g1 = await repo.card_records(PLATFORM, "g1")
    assert records_g1[("virt", "c1")].attempts == 2

    done = await people(repo).forget(Person(PLATFORM, ANN))

    assert done.rows["review_log"] == 6 and done.rows["card_states"] == 2
    assert await cells(raw, ANN) == {}
    # the group's deck stays, without its importer; its picture and share code stay too
    decks = await raw.select("SELECT workspace, imported_by FROM chat_decks ORDER BY 1")
    assert decks == [("g1", ""), ("g2", BOB)]
    assert await raw.value("SELECT count(*) FROM chat_deck_shares") == 2
    assert await raw.value("SELECT count(*) FROM chat_deck_media") == 2
    # the app stays installed in g1 without its installer or the installer's own token
    installs = await raw.select(
        "SELECT workspace, installed_by, secrets, user_secrets FROM app_installs ORDER BY 1"
    )
    assert installs == [
        ("g1", "", "sealed-bot", None),
        ("g2", BOB, "sealed-bot", f"sealed-user-of-{BOB}"),
    ]
    # rows keyed by row id: only Bob's are left
    assert await raw.value("SELECT count(*) FROM card_states") == 2
    assert await raw.value("SELECT count(*) FROM review_log") == 6
    assert await cells(raw, "Ann Example") == {}
    bob_after = await rows_about(raw, BOB)
    for table in bob_before:
        if table != "competitions":  # a shared row: Ann's part changed, Bob's is checked below
            assert bob_after[table] == bob_before[table], table
    top, _ = await repo.leaderboard(PLATFORM, "g1", "all", None, 10, BOB)
    assert [e.user for e in top] == [BOB]
    assert (await repo.card_records(PLATFORM, "g1"))[("virt", "c1")].attempts == 1
    assert await repo.totals(Learner(PLATFORM, "g2", BOB)) == (6, 6)
    data = await raw.value("SELECT data FROM competitions")
    await no_broken_references(repo)
    result = standings(decode(data))
    assert [s.name for s in result] == [FORGOTTEN_NAME, "Bob Example"]
    assert [s.points for s in result][1] == 0 and result[0].points > 0


async def test_forgotten_person_can_start_again(repo: Repository) -> None:
    """Forget clears the writer's id cache too: a later answer makes fresh rows."""
    from tests.fakes import answer

    await people(repo).forget(Person(PLATFORM, ANN))
    record, state = answer(Learner(PLATFORM, "g1", ANN), "again", T0)
    assert await repo.record_answer(record, state, None)
    assert await repo.totals(Learner(PLATFORM, "g2", ANN)) == (1, 1)
    await no_broken_references(repo)


async def test_export_holds_every_row_about_the_person(repo: Repository) -> None:
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
    assert [(i["enterprise"], i["workspace"]) for i in data["apps_installed"]] == [("", "g1")]
    assert BOB not in json.dumps(data)


async def test_departed_workspace_is_purged_after_the_grace_period(
    repo: Repository, raw: Raw
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
    for table, cover in COVERAGE.items():
        if cover.purge is Purge.DELETE and table not in {"daily_answers", "competition_answers"}:
            left = await raw.value(f"SELECT count(*) FROM {table} WHERE workspace = 'g1'")
            assert left == 0, table
    assert await raw.value("SELECT count(*) FROM daily_answers") == 0
    assert await raw.value("SELECT count(*) FROM competition_answers") == 0
    assert await repo.card_records(PLATFORM, "g2")
    for table in ("chat_decks", "chat_deck_media", "chat_deck_shares"):
        assert purged.rows[table] == 1, table  # g1's deck, its picture and its share code
        left = await raw.select(f"SELECT workspace FROM {table}")
        assert left == [("g2",)], table  # g2's own stay
    assert await repo.totals(Learner(PLATFORM, "g2", ANN)) == (6, 6)
    assert len(await repo.load_states(Learner(PLATFORM, "dm", ANN))) == 2
    assert await service.purge_due() == []

    await service.left(PLATFORM, "g2")
    clock.advance(days=10)
    await service.returned(PLATFORM, "g2")
    clock.advance(days=60)
    assert await service.purge_due() == []
    assert await repo.card_records(PLATFORM, "g2")


async def test_forget_waits_for_a_running_competition(repo: Repository, raw: Raw) -> None:
    """While Ann plays in a live game its state would write her back: forget refuses and
    changes nothing; once the game is over it goes through."""
    from bot.core.errors import InCompetition

    await raw.script([("UPDATE competitions SET phase = 'round'", ())])
    before = await cells(raw, ANN)
    with pytest.raises(InCompetition):
        await people(repo).forget(Person(PLATFORM, ANN))
    assert await cells(raw, ANN) == before
    await raw.script([("UPDATE competitions SET phase = 'finished'", ())])
    await people(repo).forget(Person(PLATFORM, ANN))
    assert await cells(raw, ANN) == {}


async def no_broken_references(repo: Repository) -> None:
    """SQLite checks foreign keys only when asked; PostgreSQL always enforces them."""
    if isinstance(repo, SqliteRepository):
        with sqlite3.connect(repo.path) as conn:
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize("kind", ["postgres"])
async def test_both_back_ends_export_the_same(kind: str, tmp_path: Path) -> None:
    """The same history exported from SQLite and from PostgreSQL reads the same (times as UTC
    text, flags as 0/1), apart from row ids and the time a session was last saved."""
    exports = []
    for backend in ("sqlite", kind):
        repo = await open_repository(backend, tmp_path / backend)
        try:
            await populate(repo)
            exports.append(await people(repo).export(Person(PLATFORM, ANN)))
        finally:
            await repo.close()
    for export in exports:
        for session in export["sessions"]:
            session.pop("updated_at")
    assert exports[0] == exports[1]
