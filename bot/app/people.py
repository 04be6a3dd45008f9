"""PeopleService: a person's data (forget me, my data) and a departed workspace's clean-up.

Forgetting deletes or anonymises every row about a person in one transaction; the group keeps
its boards without them and competitions keep their results with the name removed. A workspace
the bot was removed from keeps its data for a grace period (an accidental kick loses nothing),
then its group data goes; people's own memory stays.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.app._periodic import repeat
from bot.app.ports import PeopleStorage, stores_of
from bot.app.study import QuizService
from bot.core.models import Person
from bot.core.ports import Clock

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(days=30)
CONFIRM_WORD = "forget"
"""What a person types (Slack) to confirm `forget-me`; Discord uses a button that expires."""
CONFIRM_SECONDS = 120

StillIn = Callable[[str, str], bool]
"""(platform, workspace) -> whether the bot is in that workspace right now."""


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What forgetting removed: rows per table (only tables that had any)."""

    person: Person
    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True, slots=True)
class Purged:
    platform: str
    workspace: str
    rows: dict[str, int]


class PeopleService:
    """Forget, export, and purge workspaces the bot left, after `grace`."""

    def __init__(self, store: PeopleStorage, clock: Clock, *, grace: timedelta = DEFAULT_GRACE):
        self.store = store
        self.clock = clock
        self.grace = grace

    @classmethod
    def over(cls, service: QuizService, *, grace: timedelta = DEFAULT_GRACE) -> PeopleService:
        """People's data in the study service's own database, on its clock."""
        return cls(stores_of(service.repo).people_store(), service.clock, grace=grace)

    # --- a person's data -----------------------------------------------------------------

    async def forget(self, person: Person) -> Forgotten:
        """Every row about `person` deleted or anonymised, in one transaction."""
        alias = f"forgotten-{secrets.token_hex(6)}"
        rows = await self.store.forget(person, alias)
        log.info("forgot a %s user: %d rows", person.platform, sum(rows.values()))
        return Forgotten(person, rows)

    async def export(self, person: Person) -> dict[str, Any]:
        """Everything stored about `person`: states, reviews, scores, sessions, settings."""
        data = await self.store.export(person)
        return {"exported_at": self.clock.now().isoformat(), **data}

    async def export_json(self, person: Person) -> bytes:
        """`export` as an indented UTF-8 JSON file's bytes."""
        data = await self.export(person)
        return json.dumps(data, indent=1, ensure_ascii=False).encode()

    # --- workspaces the bot left ---------------------------------------------------------

    async def left(self, platform: str, workspace: str) -> None:
        """The bot was removed: the group data goes after the grace period, unless it returns."""
        await self.store.departed(platform, workspace, self.clock.now())
        log.info("left %s workspace %s; purge after %s", platform, workspace, self.grace)

    async def returned(self, platform: str, workspace: str) -> None:
        """The bot is back in the workspace: nothing is purged."""
        if await self.store.returned(platform, workspace):
            log.info("back in %s workspace %s; purge cancelled", platform, workspace)

    async def pending(self, platform: str) -> set[str]:
        """The workspaces of `platform` the bot left whose data is still kept."""
        return await self.store.departed_from(platform)

    async def purge_due(self, still_in: StillIn | None = None) -> list[Purged]:
        """Purge every workspace left longer ago than the grace period. One the bot is back in
        (`still_in`: re-added while it was offline, so no join event came) is kept instead."""
        done = []
        for platform, workspace in await self.store.departed_before(self.clock.now() - self.grace):
            if still_in is not None and still_in(platform, workspace):
                await self.returned(platform, workspace)
                continue
            done.append(await self.purge_workspace(platform, workspace))
        return done

    async def purge_workspace(self, platform: str, workspace: str) -> Purged:
        """A workspace's decks, daily quizzes, competitions, boards and group records, now."""
        rows = await self.store.purge_workspace(platform, workspace)
        log.info("purged %s workspace %s: %d rows", platform, workspace, sum(rows.values()))
        return Purged(platform, workspace, rows)

    async def run_purges(self, every: float = 3600.0, *, still_in: StillIn | None = None) -> None:
        """Purge due workspaces every `every` seconds until cancelled; a failure is logged."""
        await repeat(
            lambda: self.purge_due(still_in),
            every,
            log,
            "purging departed workspaces failed; retrying later",
        )
