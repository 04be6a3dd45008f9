"""Which card a study session asks next: the reads each mode needs, then `choose_card`.

Review mode goes through `bot.app.study._next_card.ReviewPicker` when the repository offers narrow reads
(SQLite does), so a learner with 10,000 cards is not read whole per question; quiz and missed
modes read what they rank. The group's per-card record is cached for a minute: it only orders
new cards easiest first, where a minute-old figure is as good as a fresh one.
"""

from __future__ import annotations

import random
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime

from bot.app.study._next_card import NarrowReads, ReviewPicker
from bot.core.library import Library
from bot.core.models import Card, CardKey, CardRecord, CardState, Mode, StudySession
from bot.core.ports import Repository
from bot.core.scheduler import Scheduler
from bot.core.selection import SelectionConfig, choose_card

RECORDS_TTL_SECONDS = 60.0
QUIZ_SNAPSHOTS = 1_000
SNAPSHOT_MAX_STATES = 1_000
"""Memory bound: at most a million states held; a learner with more is read per question."""

Picked = tuple[tuple[Card, bool] | None, Mapping[CardKey, CardState]]


class CardChooser:
    def __init__(
        self, repo: Repository, scheduler: Scheduler, config: SelectionConfig, rng: random.Random
    ) -> None:
        self.repo = repo
        self.scheduler = scheduler
        self.config = config
        self.rng = rng
        self._picker = ReviewPicker(repo) if isinstance(repo, NarrowReads) else None
        self._records: dict[tuple[str, str], tuple[float, dict[CardKey, CardRecord]]] = {}
        self._snapshots: OrderedDict[str, Mapping[CardKey, CardState]] = OrderedDict()

    async def pick(
        self,
        library: Library,
        session: StudySession,
        now: datetime,
        scheduler: Scheduler | None = None,
    ) -> Picked:
        """The next card (and whether it is new), with the states that decided it.

        `scheduler` is the learner's workspace's (its fitted parameters, `bot.app.fitting`), so
        cards are ranked with the forgetting curve their answers are scheduled with; None for
        the service's default."""
        scheduler = scheduler or self.scheduler
        learner = session.learner
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if session.mode is Mode.REVIEW and self._picker is not None:
            fast = await self._picker.pick(
                library,
                learner,
                session.deck_id,
                scheduler,
                now,
                self.rng,
                config=self.config,
                last_card=session.last_card,
                new_today=lambda: self.repo.new_cards_since(learner, day_start),
                records=lambda: self.records(learner.platform, learner.workspace),
            )
            if fast is not None:
                return fast
        if session.mode is Mode.MISSED:
            keys = dict.fromkeys(session.missed)
            found = [await self.repo.load_state(learner, k) for k in keys]
            states: Mapping[CardKey, CardState] = {s.key: s for s in found if s is not None}
            records: Mapping[CardKey, CardRecord] = {}
            new_today = 0
        elif session.mode is Mode.QUIZ:  # a quiz ignores the group's record and the new limit
            states, records, new_today = await self._quiz_states(session), {}, 0
        else:
            states = await self.repo.load_states(learner)
            records = await self.records(learner.platform, learner.workspace)
            new_today = await self.repo.new_cards_since(learner, day_start)
        picked = choose_card(
            library.cards(session.deck_id),
            states,
            records,
            scheduler,
            now,
            self.rng,
            new_today=new_today,
            config=self.config,
            last_card=session.last_card,
            mode=session.mode,
            missed=session.missed,
            asked=session.asked,
        )
        return picked, states

    async def _quiz_states(self, session: StudySession) -> Mapping[CardKey, CardState]:
        """The learner's states as the quiz began. They only bias which unasked card comes
        next (weak ones first), so a snapshot serves the whole quiz: one read, not 25."""
        states = self._snapshots.get(session.id)
        if states is None:
            states = await self.repo.load_states(session.learner)
            if len(states) <= SNAPSHOT_MAX_STATES:
                self._snapshots[session.id] = states
                if len(self._snapshots) > QUIZ_SNAPSHOTS:
                    self._snapshots.popitem(last=False)
        return states

    async def records(self, platform: str, workspace: str) -> dict[CardKey, CardRecord]:
        key = (platform, workspace)
        cached = self._records.get(key)
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        records = await self.repo.card_records(platform, workspace)
        self._records[key] = (time.monotonic() + RECORDS_TTL_SECONDS, records)
        return records
