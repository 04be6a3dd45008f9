"""What the application services need from storage beyond `bot.core.ports.Repository`.

Each group feature keeps its own tables, so each has its own store Protocol here; a back-end
(SQLite, PostgreSQL) implements all of them and its repository hands them out (`Stores`). The
services get their store from the study service's repository (`stores_of`), so no module of
`bot/app` names a back-end, and adding a back-end changes nothing here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from bot.core.competition import Answer, Competition
from bot.core.daily import AnswerRow, DailyQuestion, DailyRun, Schedule
from bot.core.installs import AppInstall
from bot.core.memory_fit import GroupFit, Review
from bot.core.models import Card, CardKey, Deck, DeckOwner, Learner, MediaFile, Person, ReviewEntry
from bot.core.ports import Repository
from bot.core.reports import DeckInfo, LeaderboardEntry


class DailyStorage(Protocol):
    """Daily-quiz schedules, runs, answers and reminder opt-ins.

    Whatever must happen once (posting a day, closing it, a member's answer, a reminder) is a
    claim committed before the message goes out, whichever process makes it. A day's post and
    its results are leased while in flight: when the process dies mid-post, another posts
    them once the lease lapses (with the same message key, so a platform that knows it returns
    the first message). A reminder lost in a crash stays lost: it is never sent twice.
    """

    async def save_schedule(self, s: Schedule) -> None: ...

    async def delete_schedule(self, platform: str, workspace: str, channel: str) -> bool: ...

    async def schedule(self, platform: str, workspace: str, channel: str) -> Schedule | None: ...

    async def schedules(self, platform: str) -> list[Schedule]: ...

    async def last_day(self, s: Schedule) -> date | None: ...

    async def previous_cards(self, s: Schedule) -> list[CardKey]:
        """The cards of the channel's latest posted day."""
        ...

    async def claim_run(
        self,
        s: Schedule,
        day: date,
        now: datetime,
        *,
        questions: tuple[DailyQuestion, ...] = (),
        close_at: datetime | None = None,
        note: str = "",
        until: datetime | None = None,
    ) -> int | None:
        """The new run's id, or None when that day was claimed already (by anyone); its post
        is in flight, leased until `until` (`set_refs` ends the lease)."""
        ...

    async def release_run(self, run_id: int) -> bool:
        """Give back a claimed day nobody answered (its post failed)."""
        ...

    async def set_refs(self, run_id: int, refs: list[str]) -> None: ...

    async def open_runs(self, platform: str) -> list[DailyRun]: ...

    async def run(self, run_id: int) -> DailyRun | None: ...

    async def claim_close(
        self, run_id: int, now: datetime, until: datetime | None = None
    ) -> bool: ...

    async def done(self, run_id: int) -> None:
        """The results post in flight is out, or given up: the run's lease ends."""
        ...

    async def lapsed(self, platform: str, now: datetime, until: datetime) -> list[DailyRun]:
        """Runs whose post was in flight when its process died (lease lapsed), each claimed
        again by one caller until `until`."""
        ...

    async def record_answer(
        self, run_id: int, question: int, name: str, choice: int, review: ReviewEntry
    ) -> str:
        """'recorded', 'already' (this member answered that question) or 'closed'; the
        member's row and the review commit together."""
        ...

    async def answers(self, run_id: int) -> list[AnswerRow]: ...

    async def set_reminder(self, learner: Learner, on: bool) -> None: ...

    async def set_zone(self, learner: Learner, zone: str) -> None: ...

    async def reminders_due(
        self, platform: str, today: str, now: datetime
    ) -> list[tuple[Learner, int]]: ...

    async def claim_reminder(self, learner: Learner, today: str) -> bool: ...


class CompetitionStorage(Protocol):
    """Competitions, their answers and the competitions board."""

    async def create(
        self, c: Competition, *, owner: str = "", until: datetime | None = None
    ) -> bool:
        """False (nothing written) when the channel already has a running game; `owner`
        holds its timer's lease until `until`."""
        ...

    async def save(
        self, c: Competition, *, owner: str = "", before: Competition | None = None
    ) -> None:
        """LeaseLost (nothing written) when `owner` is given and another process holds it;
        StaleGame (nothing written) when the stored game has a join (the lobby is not the one
        of `before`) or an answer (a round closed with fewer) that `c` lacks."""
        ...

    async def record_answer(
        self,
        c: Competition,
        answer: Answer,
        review: ReviewEntry | None,
        *,
        owner: str = "",
        elsewhere: bool = False,
    ) -> bool:
        """The round's answer, points, game state and review in one transaction; False when
        this player answered this round before; LeaseLost as `save`. `elsewhere` (a process
        not running the game): CompetitionError unless the stored round is open at its time."""
        ...

    async def amend(
        self, cid: str, change: Callable[[Competition], Competition]
    ) -> Competition | None:
        """Apply a lobby change (join, team) to the stored game from a process not running
        it; the new game, or None when there is no such game."""
        ...

    async def get(self, cid: str) -> Competition | None:
        """The stored game with its open round's answers; None when there is none."""
        ...

    async def renew(self, ids: list[str], owner: str, until: datetime) -> set[str]:
        """Extend `owner`'s leases; the ids it still holds (the rest another took over)."""
        ...

    async def take(
        self, platform: str, owner: str, now: datetime, until: datetime, *, steal: set[str]
    ) -> list[Competition]:
        """Claim the running games whose lease lapsed, and those of the workspaces in `steal`
        whoever holds them; each is claimed by one process only."""
        ...

    async def active(self, platform: str | None = None) -> list[Competition]: ...

    async def leaderboard(
        self, platform: str, workspace: str, user: str, limit: int = 10
    ) -> tuple[list[LeaderboardEntry], LeaderboardEntry | None]: ...


class PeopleStorage(Protocol):
    """Forget a person, export their data, purge a departed workspace."""

    async def forget(self, person: Person, alias: str) -> dict[str, int]: ...

    async def purge_workspace(self, platform: str, workspace: str) -> dict[str, int]: ...

    async def departed(self, platform: str, workspace: str, at: datetime) -> None: ...

    async def returned(self, platform: str, workspace: str) -> bool: ...

    async def departed_from(self, platform: str) -> set[str]: ...

    async def departed_before(self, cutoff: datetime) -> list[tuple[str, str]]: ...

    async def export(self, person: Person) -> dict[str, Any]: ...


class FitStorage(Protocol):
    """Per-workspace FSRS fits and the review log they are fitted from."""

    async def groups(self, min_reviews: int) -> list[tuple[str, str, int]]: ...

    async def reviews(self, platform: str, workspace: str) -> list[Review]: ...

    async def claim(self, platform: str, workspace: str, week: str, now: datetime) -> bool: ...

    async def save(self, fit: GroupFit) -> None: ...

    async def parameters(self, platform: str, workspace: str) -> tuple[float, ...] | None: ...


class ChatDeckStorage(Protocol):
    """Decks imported in chat, their pictures and share codes (`bot.app.deck_book`).

    A deck belongs to its (platform, workspace) owner; its id is its slug plus the owner's
    tag, chosen inside the write so two imports racing never take one id. Every change is one
    transaction. The store is shared by every bot process on the database: `infos` tells one
    process what another imported or removed.
    """

    async def decks(self) -> list[Deck]:
        """Every workspace's chat decks (start-up and reload), without picture bytes."""
        ...

    async def deck(self, deck_id: str) -> Deck | None: ...

    async def infos(self, owner: DeckOwner) -> dict[str, DeckInfo]:
        """The owner's decks now stored, by id: what a listing shows and catches up with."""
        ...

    async def media(self, deck_id: str, name: str) -> MediaFile | None: ...

    async def all_media(self, deck_id: str) -> tuple[MediaFile, ...]: ...

    async def shared(self, code: str) -> str | None:
        """The deck id a share code stands for, or None."""
        ...

    async def save(
        self, deck: Deck, owner: DeckOwner, slug: str, *, source: str, by: str, now: datetime
    ) -> tuple[str, tuple[Card, ...] | None]:
        """Store `deck` as the owner's deck `slug`, replacing one of that slug (same id) with
        its pictures, except those the cards still name without bringing them. Returns the id
        and the cards replaced (None: a new deck)."""
        ...

    async def append(
        self, owner: DeckOwner, slug: str, name: str, card: Card, *, by: str, now: datetime
    ) -> tuple[str, bool]:
        """Add `card` to the owner's deck `slug` (created, named `name`, when new); returns
        (deck id, created). DuplicateCard (`bot.core.ports`) when the deck has its id."""
        ...

    async def share(
        self, owner: DeckOwner, deck_id: str, code: str, *, by: str, now: datetime
    ) -> str | None:
        """The deck's share code (the one it has, else `code`); None: not the owner's deck."""
        ...

    async def remove(self, owner: DeckOwner, deck_id: str) -> bool:
        """Delete the owner's deck with its pictures and share code; learners' history stays."""
        ...


class SeenStorage(Protocol):
    """Ids of platform events already handled, shared by every instance on the database, so a
    redelivery that reaches another instance is dropped there. Entries expire."""

    async def first_sight(
        self, platform: str, workspace: str, event_id: str, now: datetime, until: datetime
    ) -> bool:
        """Record `event_id` until `until`; True only for the first delivery (or one whose
        record expired)."""
        ...

    async def drop_expired(self, now: datetime) -> int: ...


class InstallStorage(Protocol):
    """Chat app installations (one row per workspace, the latest install) and the single-use
    OAuth `state` values of installs in progress.

    Shared by every bot process on the database, so any instance behind the public address can
    finish an install another one started, and serve every installed workspace.
    """

    async def save(self, install: AppInstall) -> None:
        """Insert or replace the installation of its (platform, enterprise, workspace)."""
        ...

    async def find(self, platform: str, enterprise: str, workspace: str) -> AppInstall | None: ...

    async def delete(self, platform: str, enterprise: str, workspace: str) -> bool:
        """The installation is gone (uninstalled, bot token revoked); False: there was none."""
        ...

    async def drop_user_secrets(
        self, platform: str, enterprise: str, workspace: str, user: str
    ) -> bool:
        """The installer's own token was revoked: keep the bot's, forget the user's."""
        ...

    async def issue_state(self, state: str, expires_at: datetime, now: datetime) -> None:
        """Remember a new install's `state` until `expires_at` (and drop expired ones)."""
        ...

    async def consume_state(self, state: str, now: datetime) -> bool:
        """True once for a state issued and not expired; it is gone afterwards."""
        ...


@runtime_checkable
class Stores(Protocol):
    """A repository that keeps the group features too (every real back-end does)."""

    def daily_store(self) -> DailyStorage: ...

    def competition_store(self) -> CompetitionStorage: ...

    def people_store(self) -> PeopleStorage: ...

    def fit_store(self) -> FitStorage: ...

    def chat_deck_store(self) -> ChatDeckStorage: ...

    def install_store(self) -> InstallStorage: ...

    def seen_store(self) -> SeenStorage: ...


def stores_of(repo: Repository) -> Stores:
    """`repo`'s feature stores; a repository without them (a test fake) is a TypeError."""
    if not isinstance(repo, Stores):
        raise TypeError(f"{type(repo).__name__} keeps no daily quizzes, competitions or people")
    return repo
