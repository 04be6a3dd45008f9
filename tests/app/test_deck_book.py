"""DeckBook on each real back-end (a SQLite file, a PostgreSQL schema) and the real
child-process parser: a server imports its own deck, studies it, and no other server (nor a
direct message) ever sees it."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app.competitions import CompetitionService
from bot.app.daily import DailyService
from bot.app.deck_book import DeckBook
from bot.app.study import QuizService
from bot.core.competition import Competition
from bot.core.errors import ImportRefused, NotAllowed, NotYourDeck, UnknownDeck
from bot.core.models import (
    PRIVATE,
    Format,
    Learner,
    Mode,
    Question,
    Rating,
    Response,
    SessionSummary,
)
from bot.process.bootstrap import build_deck_book, build_service
from bot.process.deck_upload import UploadParser
from bot.process.settings import Settings
from tests.backends import SQL_BACKENDS, database_settings
from tests.fakes import FixedClock

GEO = "deck: {id: geo, name: Geography}\ncards:\n" + "".join(
    f"  - {{id: g{i}, question: 'Capital number {i}?', answer: 'City {i}',"
    f" choices: ['City {i}', 'Town {i}', 'Village {i}']}}\n"
    for i in range(4)
)


def biology(*ids: int, changed: int | None = None) -> bytes:
    """A YAML deck of cards `b<i>`, each with choices; `changed` rewords one answer."""
    lines = ["deck: {id: biology, name: Cell biology}", "cards:"]
    for i in ids:
        answer = f"Organelle {i}" + (" (revised)" if i == changed else "")
        lines.append(
            f"  - {{id: b{i}, question: 'Which organelle is number {i}?', answer: '{answer}',"
            f" choices: ['{answer}', 'Wall {i}', 'Gap {i}'], accept: ['{answer}']}}"
        )
    return ("\n".join(lines) + "\n").encode()


G1_ADMIN = Learner("discord", "G1", "ada")
G1_MEMBER = Learner("discord", "G1", "max")
G2_ADMIN = Learner("discord", "G2", "bea")
G2_MEMBER = Learner("discord", "G2", "kim")
ALONE = Learner("discord", PRIVATE, "max")


@dataclass
class World:
    kind: str
    tmp: Path
    clock: FixedClock
    service: QuizService
    book: DeckBook

    async def open(self) -> tuple[QuizService, DeckBook]:
        """Another bot process on the same database (and questions folder)."""
        return await _open(self.kind, self.tmp, self.clock)

    async def restart(self) -> None:
        await self.service.close()
        self.service, self.book = await self.open()


async def _open(kind: str, tmp: Path, clock: FixedClock) -> tuple[QuizService, DeckBook]:
    """The bot as `main()` builds it, its data on `kind` (the same database for one `tmp`)."""
    settings = Settings(  # type: ignore[call-arg]
        **await database_settings(kind, tmp),
        QUIZBOT_QUESTIONS=tmp / "questions",
    )
    service = await build_service(settings, clock=clock, rng=random.Random(3))
    return service, build_deck_book(service)


@pytest.fixture(params=SQL_BACKENDS)
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    (tmp_path / "questions").mkdir()
    (tmp_path / "questions" / "geo.yaml").write_text(GEO)
    clock = FixedClock()
    service, book = await _open(request.param, tmp_path, clock)
    w = World(request.param, tmp_path, clock, service, book)
    yield w
    await w.service.close()


async def answer_right(service: QuizService, learner: Learner, q: Question) -> None:
    card = q.card
    if q.format is Format.CHOICE:
        response = Response(choice=q.options.index(card.answer))
    elif q.format is Format.TYPED:
        response = Response(text=card.accept[0])
    else:
        response = Response(rating=Rating.GOOD)
    feedback = await service.answer(q.session_id, learner, q.turn, response)
    assert feedback.recorded


async def study_all(service: QuizService, learner: Learner, deck: str | None) -> set[str]:
    """Answer every question a review session asks; the deck ids the cards came from."""
    session = await service.start_session(learner, deck_id=deck)
    seen: set[str] = set()
    for _ in range(40):
        step = await service.next_question(session.id, learner)
        if isinstance(step, SessionSummary):
            break
        seen.add(step.card.deck_id)
        await answer_right(service, learner, step)
    return seen


class SilentPoster:
    async def post_lobby(self, c: Competition) -> None: ...
    async def post_round(self, c: Competition) -> None: ...
    async def post_round_result(self, c: Competition) -> None: ...
    async def post_podium(self, c: Competition) -> None: ...


async def test_an_import_is_listed_and_studied_by_its_server_only(world: World) -> None:
    """G1's admin imports a file: G1 lists and studies it; G2 cannot see, autocomplete,
    start, schedule a daily quiz on, or compete on it; a DM sees only the bundled deck."""
    report = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1, 2, 3), admin=True)
    assert report.imported and report.deck is not None
    assert (report.added, report.updated, report.kept, report.retired) == (3, 0, 0, 0)
    deck_id = report.deck.id
    assert deck_id.startswith("biology@") and report.deck.cards == 3

    listing = await world.book.listing(G1_MEMBER)
    assert [(d.summary.id, d.owned) for d in listing] == [(deck_id, True), ("geo", False)]
    assert listing[0].source == "biology.yaml" and listing[0].updated_at is not None
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {deck_id, "geo"}
    assert [d.id for d in world.service.search_decks(G1_MEMBER, "bio")] == [deck_id]
    assert await study_all(world.service, G1_MEMBER, deck_id) == {deck_id}

    for outsider in (G2_MEMBER, ALONE):
        assert {d.id for d in world.service.decks(outsider)} == {"geo"}
        assert world.service.search_decks(outsider, "bio") == ()
        assert world.book.search(outsider, "bio") == ()
        assert [d.summary.id for d in await world.book.listing(outsider)] == ["geo"]
        with pytest.raises(UnknownDeck):
            await world.service.start_session(outsider, deck_id=deck_id)
        with pytest.raises(UnknownDeck):
            await world.book.export(outsider, deck_id)
        assert await study_all(world.service, outsider, None) == {"geo"}  # "every deck"
    max_in_g2 = Learner("discord", "G2", G1_MEMBER.user)  # the same person, another server
    assert {p.deck_id for p in (await world.service.stats(G1_MEMBER)).decks} == {deck_id, "geo"}
    assert {p.deck_id for p in (await world.service.stats(max_in_g2)).decks} == {"geo"}
    with pytest.raises(UnknownDeck):
        await world.service.leaderboard("discord", "G2", deck_id=deck_id)
    board = await world.service.leaderboard("discord", "G1", deck_id=deck_id)
    assert [e.user for e in board.entries] == [G1_MEMBER.user]
    quiz = await world.service.start_session(G2_MEMBER, mode=Mode.QUIZ)
    step = await world.service.next_question(quiz.id, G2_MEMBER)
    assert isinstance(step, Question) and step.card.deck_id == "geo"

    daily = DailyService.over(world.service)
    with pytest.raises(UnknownDeck):
        await daily.set(G2_ADMIN, "C2", at="09:00", timezone="UTC", questions=3, deck_id=deck_id)
    view = await daily.set(G1_ADMIN, "C1", at="09:00", timezone="UTC", questions=3, deck_id=deck_id)
    assert view.deck_name == "Cell biology"

    comps = CompetitionService.over(world.service, SilentPoster())
    try:
        with pytest.raises(UnknownDeck):
            await comps.start(("discord", "G2", "C2"), "kim", "Kim", deck_id=deck_id)
        every = await comps.start(("discord", "G2", "C3"), "kim", "Kim")
        assert {r.deck_id for r in every.plan} == {"geo"}
        mine = await comps.start(("discord", "G1", "C1"), "max", "Max", deck_id=deck_id)
        assert {r.deck_id for r in mine.plan} == {deck_id}
    finally:
        await comps.close()


async def test_two_servers_importing_the_same_file_get_separate_decks(world: World) -> None:
    one = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1, 2), admin=True)
    two = await world.book.import_file(G2_ADMIN, "biology.yaml", biology(1, 2), admin=True)
    assert one.deck and two.deck and one.deck.id != two.deck.id
    assert two.added == 2 and two.kept == 0
    await world.book.remove(G2_ADMIN, two.deck.id, admin=True)
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {one.deck.id, "geo"}


async def test_reimport_keeps_progress_and_retires_gone_cards(world: World) -> None:
    """Same file name again: same deck id and card ids, so the learner's memory of the cards
    that stay is kept; a card gone is no longer asked, its history stays."""
    first = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1, 2, 3), admin=True)
    assert first.deck is not None
    deck_id = first.deck.id
    await study_all(world.service, G1_MEMBER, deck_id)
    before = await world.service.repo.load_states(G1_MEMBER)
    assert {k for k in before if k[0] == deck_id} == {(deck_id, f"b{i}") for i in (1, 2, 3)}

    again = await world.book.import_file(
        G1_ADMIN, "biology.yaml", biology(1, 2, 4, changed=2), admin=True
    )
    assert again.deck is not None and again.deck.id == deck_id
    assert (again.added, again.updated, again.kept, again.retired) == (1, 1, 1, 1)
    after = await world.service.repo.load_states(G1_MEMBER)
    assert after[(deck_id, "b1")] == before[(deck_id, "b1")]
    assert (deck_id, "b3") in after  # retired: history kept
    stats = await world.service.stats(G1_MEMBER)
    (progress,) = [p for p in stats.decks if p.deck_id == deck_id]
    assert progress.total == 3  # b3 retired: not a card of the deck any more
    assert await study_all(world.service, G1_MEMBER, deck_id) == {deck_id}  # only b4 is new
    cards = {c.id for c in world.service.view(G1_MEMBER).cards(deck_id)}
    assert cards == {"b1", "b2", "b4"}


async def test_a_file_with_an_error_imports_nothing_and_warnings_do_not_stop_it(
    world: World,
) -> None:
    broken = biology(1, 2) + b"  - {question: 'No answer here?'}\n"
    report = await world.book.import_file(G1_ADMIN, "biology.yaml", broken, admin=True)
    assert not report.imported and report.deck is None
    (error,) = report.errors
    assert (error.path, error.line) == ("biology.yaml", 5) and "no answer" in error.message
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {"geo"}
    assert [d.summary.id for d in await world.book.listing(G1_MEMBER)] == ["geo"]

    notes = b"What is ATP?\nenergy currency\n\nWhat is a cell?\n"  # a question with no answer
    report = await world.book.import_file(G1_ADMIN, "cells.txt", notes, admin=True)
    assert report.imported and report.deck is not None and report.deck.cards == 1
    assert [w.line for w in report.warnings] == [4]
    assert report.deck.id in {d.id for d in world.service.decks(G1_MEMBER)}


async def test_only_admins_change_only_their_own_decks(world: World) -> None:
    with pytest.raises(NotAllowed):
        await world.book.import_file(G1_MEMBER, "biology.yaml", biology(1), admin=False)
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {"geo"}
    report = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1), admin=True)
    assert report.deck is not None
    deck_id = report.deck.id
    with pytest.raises(NotAllowed):
        await world.book.remove(G1_MEMBER, deck_id, admin=False)
    with pytest.raises(NotYourDeck):
        await world.book.remove(G1_ADMIN, "geo", admin=True)
    with pytest.raises(UnknownDeck):  # another server's deck is not even named
        await world.book.remove(G2_ADMIN, deck_id, admin=True)
    with pytest.raises(ImportRefused):
        await world.book.import_file(ALONE, "biology.yaml", biology(1), admin=True)
    assert deck_id in {d.id for d in world.service.decks(G1_MEMBER)}


async def test_a_removed_deck_is_no_longer_studied_but_history_stays(world: World) -> None:
    report = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1, 2), admin=True)
    assert report.deck is not None
    deck_id = report.deck.id
    session = await world.service.start_session(G1_MEMBER, deck_id=deck_id)
    step = await world.service.next_question(session.id, G1_MEMBER)
    assert isinstance(step, Question)
    await answer_right(world.service, G1_MEMBER, step)

    removed = await world.book.remove(G1_ADMIN, deck_id, admin=True)
    assert removed.id == deck_id
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {"geo"}
    with pytest.raises(UnknownDeck):
        await world.service.start_session(G1_MEMBER, deck_id=deck_id)
    after = await world.service.next_question(session.id, G1_MEMBER)  # the open session ends
    assert isinstance(after, SessionSummary) and after.answered == 1
    assert await world.service.repo.totals(G1_MEMBER) == (1, 1)
    assert any(k[0] == deck_id for k in await world.service.repo.load_states(G1_MEMBER))
    await world.restart()
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {"geo"}


async def test_chat_decks_survive_a_restart_and_a_reload(world: World) -> None:
    report = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1, 2), admin=True)
    assert report.deck is not None
    deck_id = report.deck.id
    await world.restart()
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {deck_id, "geo"}
    assert {d.id for d in world.service.decks(G2_MEMBER)} == {"geo"}
    (world.tmp / "questions" / "more.yaml").write_text(
        "deck: {id: more}\ncards:\n  - {question: 'More?', answer: 'yes'}\n"
    )
    reload = await world.service.reload_decks()
    assert {d.id for d in reload.decks} == {"geo", "more"}  # the folder's, no chat deck named
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {deck_id, "geo", "more"}
    assert {d.id for d in world.service.decks(G2_MEMBER)} == {"geo", "more"}
    assert await study_all(world.service, G1_MEMBER, deck_id) == {deck_id}


async def test_export_then_import_gives_the_same_cards_and_ids(world: World) -> None:
    report = await world.book.import_file(G1_ADMIN, "biology.yaml", biology(1, 2, 3), admin=True)
    assert report.deck is not None
    deck_id = report.deck.id
    exported = await world.book.export(G1_MEMBER, deck_id)
    assert exported.filename == "biology.yaml"
    cards = world.service.view(G1_MEMBER).cards(deck_id)

    again = await world.book.import_file(
        G1_ADMIN, exported.filename, exported.text.encode(), admin=True
    )
    assert again.deck is not None and again.deck.id == deck_id
    assert (again.kept, again.added, again.updated, again.retired) == (3, 0, 0, 0)
    copy = await world.book.import_file(
        G2_ADMIN, exported.filename, exported.text.encode(), admin=True
    )
    assert copy.deck is not None and copy.deck.id != deck_id
    copied = world.service.view(G2_MEMBER).cards(copy.deck.id)
    strip = lambda cs: [(c.id, c.question, c.answer, c.accept, c.choices) for c in cs]  # noqa: E731
    assert strip(copied) == strip(cards)


async def test_a_hostile_upload_is_refused_while_other_members_keep_studying(
    world: World,
) -> None:
    """A parse that never ends runs in its child: meanwhile another member's study clicks
    are answered; past the budget the upload is refused in one line and nothing is stored."""
    pid_file = world.tmp / "pid"
    book = DeckBook(
        world.service,
        world.book.store,
        UploadParser(budget=4, program="tests.process.stuck_parser"),
    )
    upload = asyncio.create_task(
        book.import_file(G1_ADMIN, "huge.apkg", b"PK\x03\x04", admin=True, name=str(pid_file))
    )
    for _ in range(10_000):  # until the child runs
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.01)
    session = await world.service.start_session(G2_MEMBER)
    step = await world.service.next_question(session.id, G2_MEMBER)
    assert isinstance(step, Question)
    await answer_right(world.service, G2_MEMBER, step)
    assert not upload.done()  # the click was answered while the parse still ran
    with pytest.raises(ImportRefused) as refused:
        await upload
    assert "huge.apkg" in str(refused.value) and "\n" not in str(refused.value)
    assert {d.id for d in world.service.decks(G1_MEMBER)} == {"geo"}
    assert await world.book.listing(G1_MEMBER) == await world.book.listing(G2_MEMBER)


FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.mark.parametrize("package", ["anki_modern.apkg", "anki_legacy.apkg"])
async def test_an_anki_package_imports_with_its_pictures_and_keeps_ids(
    world: World, package: str
) -> None:
    """The real parser on a package Anki wrote: every card, its pictures stored with the deck,
    and importing it again changes nothing a learner has."""
    data = (FIXTURES / package).read_bytes()
    report = await world.book.import_file(G1_ADMIN, package, data, admin=True)
    assert report.imported and report.deck is not None
    assert report.deck.name == "Biology::Cells" and report.added == 7
    deck = world.service.view(G1_MEMBER).deck(report.deck.id)
    assert deck is not None
    pictured = [c for c in deck.cards if c.media_name]
    assert {c.media_name for c in pictured} == {"cell_diagram.png", "membrane.gif"}
    picture = await world.book.media(pictured[0])
    assert picture is not None and picture.mime.startswith("image/") and picture.data
    assert await study_all(world.service, G1_MEMBER, report.deck.id) == {report.deck.id}

    again = await world.book.import_file(G1_ADMIN, package, data, admin=True)
    assert (again.added, again.updated, again.kept, again.retired) == (0, 0, 7, 0)
    assert again.deck is not None and again.deck.id == report.deck.id


async def test_an_exported_deck_imported_again_keeps_its_pictures(world: World) -> None:
    """The YAML export names pictures (`media:...`) without their bytes: importing it back over
    the deck keeps the pictures the cards still name."""
    data = (FIXTURES / "anki_modern.apkg").read_bytes()
    report = await world.book.import_file(G1_ADMIN, "cells.apkg", data, admin=True)
    assert report.deck is not None
    exported = await world.book.export(G1_MEMBER, report.deck.id)
    assert "media:cell_diagram.png" in exported.text
    again = await world.book.import_file(
        G1_ADMIN, "cells.yaml", exported.text.encode(), admin=True, name="Biology::Cells"
    )
    assert again.deck is not None and again.deck.id == report.deck.id
    assert (again.added, again.retired) == (0, 0)
    deck = world.service.view(G1_MEMBER).deck(report.deck.id)
    assert deck is not None
    for card in deck.cards:
        if card.media_name:
            picture = await world.book.media(card)
            assert picture is not None and picture.name == card.media_name
