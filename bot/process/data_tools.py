"""`quizbot forget` and `quizbot purge-workspace`: the operator's side of people's data, for
requests that arrive by mail. They run on the bot's database (the SQLite file or PostgreSQL), beside a running bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TextIO, TypeVar

from bot.app.people import Forgotten, PeopleService, Purged
from bot.core.errors import QuizError
from bot.core.models import Person
from bot.core.ports import SystemClock
from bot.process.bootstrap import open_repository
from bot.process.settings import Settings

T = TypeVar("T")


async def run_forget(settings: Settings, platform: str, user: str, out: TextIO) -> int:
    """Forget one person; prints what went, table by table. Exit 1 when nothing was stored."""
    try:
        done: Forgotten = await _with_people(settings, lambda p: p.forget(Person(platform, user)))
    except QuizError as error:
        print(f"not forgotten: {error}", file=out)
        return 1
    if not done.total:
        print(f"nothing stored about {platform} user {user}", file=out)
        return 1
    _print_rows(f"forgot {platform} user {user}", done.rows, out)
    return 0


async def run_purge(settings: Settings, platform: str, workspace: str, out: TextIO) -> int:
    """Purge one workspace's group data now, grace period or not."""
    done: Purged = await _with_people(settings, lambda p: p.purge_workspace(platform, workspace))
    _print_rows(f"purged {platform} workspace {workspace}", done.rows, out)
    return 0


async def _with_people(settings: Settings, action: Callable[[PeopleService], Awaitable[T]]) -> T:
    repo = await open_repository(settings)
    try:
        people = PeopleService(
            repo.people_store(), SystemClock(), grace=timedelta(days=settings.purge_grace_days)
        )
        return await action(people)
    finally:
        await repo.close()


def _print_rows(title: str, rows: dict[str, int], out: TextIO) -> None:
    print(f"{title}: {sum(rows.values())} rows", file=out)
    for table, n in sorted(rows.items()):
        if n:
            print(f"  {table}: {n}", file=out)
