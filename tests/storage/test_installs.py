"""Chat app installations and OAuth states on both back-ends: one row per workspace, the
latest install wins, and a state works once, before it expires, whichever process asks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.ports import InstallStorage, stores_of
from bot.core.installs import AppInstall
from bot.core.ports import Repository
from tests.backends import SQL_BACKENDS, open_repository
from tests.storage.people_data import T0


@pytest.fixture(params=SQL_BACKENDS)
async def repo(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repository]:
    repo = await open_repository(request.param, tmp_path)
    yield repo
    await repo.close()


@pytest.fixture
def store(repo: Repository) -> InstallStorage:
    return stores_of(repo).install_store()


def install(workspace: str, by: str = "U1", secrets: str = "sealed-1", **kw: object) -> AppInstall:
    values: dict[str, object] = {
        "platform": "slack", "enterprise": "", "workspace": workspace, "installed_by": by,
        "enterprise_install": False, "installed_at": T0, "details": '{"app_id": "A1"}',
        "secrets": secrets, "user_secrets": None,
    }  # fmt: skip
    values.update(kw)
    return AppInstall(**values)  # type: ignore[arg-type]


async def test_an_install_reads_back_and_a_reinstall_replaces_it(store: InstallStorage) -> None:
    """Each workspace has its own row; installing again (another admin, a new token)
    replaces that workspace's row and leaves the other's alone."""
    await store.save(install("T1", secrets="sealed-T1", user_secrets="sealed-user"))
    await store.save(install("T2", by="U5", secrets="sealed-T2"))
    assert await store.find("slack", "", "T1") == install(
        "T1", secrets="sealed-T1", user_secrets="sealed-user"
    )
    later = install("T1", by="U7", secrets="sealed-T1-new", installed_at=T0 + timedelta(days=1))
    await store.save(later)
    assert await store.find("slack", "", "T1") == later
    assert (await store.find("slack", "", "T2")) == install("T2", by="U5", secrets="sealed-T2")
    assert await store.find("slack", "", "T3") is None
    assert await store.find("discord", "", "T1") is None


async def test_an_organisation_install_is_its_own_row(store: InstallStorage) -> None:
    org = install("", enterprise="E1", enterprise_install=True, secrets="sealed-org")
    await store.save(org)
    await store.save(install("T1", enterprise="E1"))
    assert await store.find("slack", "E1", "") == org
    assert (await store.find("slack", "E1", "T1")).secrets == "sealed-1"  # type: ignore[union-attr]


async def test_delete_and_a_revoked_user_token(store: InstallStorage) -> None:
    """A revoked installer token goes alone (only the installer's); an uninstall takes the
    row."""
    await store.save(install("T1", user_secrets="sealed-user"))
    assert not await store.drop_user_secrets("slack", "", "T1", "U9")
    assert await store.drop_user_secrets("slack", "", "T1", "U1")
    found = await store.find("slack", "", "T1")
    assert found is not None and found.user_secrets is None and found.secrets == "sealed-1"
    assert await store.delete("slack", "", "T1")
    assert await store.find("slack", "", "T1") is None
    assert not await store.delete("slack", "", "T1")


async def test_a_state_works_once_and_only_before_it_expires(store: InstallStorage) -> None:
    await store.issue_state("s-fresh", T0 + timedelta(minutes=10), T0)
    await store.issue_state("s-stale", T0 + timedelta(minutes=1), T0)
    later = T0 + timedelta(minutes=2)
    assert not await store.consume_state("s-stale", later)
    assert not await store.consume_state("s-forged", later)
    assert await store.consume_state("s-fresh", later)
    assert not await store.consume_state("s-fresh", later)  # replayed


async def test_expired_states_are_dropped_when_a_new_one_is_issued(
    store: InstallStorage, repo: Repository
) -> None:
    from tests.storage.people_data import raw_of

    await store.issue_state("old", T0 + timedelta(minutes=10), T0)
    await store.issue_state("new", T0 + timedelta(hours=1, minutes=10), T0 + timedelta(hours=1))
    assert await raw_of(repo).select("SELECT state FROM oauth_states") == [("new",)]


async def test_two_racing_consumers_of_one_state_one_wins(store: InstallStorage) -> None:
    """Two instances receive the same redirect (a double submit, a replay): one install."""
    await store.issue_state("s-race", T0 + timedelta(minutes=10), T0)
    results = await asyncio.gather(*(store.consume_state("s-race", T0) for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
