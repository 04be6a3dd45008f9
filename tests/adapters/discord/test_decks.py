"""`/deck` end to end: the real discord.py client against the fake Discord, which serves the
uploads at their signed addresses and checks every reply, file and modal."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot.adapters.discord import _download
from bot.app.deck_book import DeckBook
from bot.core.limits import LIMITS
from bot.core.models import Card, Deck, MediaFile
from bot.process.deck_upload import UploadParser
from tests.adapters.discord.conftest import Env
from tests.adapters.discord.fake_discord import (
    BOB,
    DM,
    GUILD2_ID,
    GUILD_ID,
    MANAGE_GUILD,
    Call,
    FakeDiscord,
    Upload,
)
from tests.adapters.discord.harness import running_bot, settings_for
from tests.fakes import FixedClock

VIRT = b"""\
deck: {id: virt, name: Virtualization}
cards:
  - id: hypervisor
    question: What runs virtual machines?
    answer: A hypervisor
    accept: [hypervisor]
  - id: container
    question: What shares the host kernel?
    answer: A container
  - id: vm
    question: What does VM stand for?
    answer: Virtual machine
"""
NOTES = """\
What is a hypervisor?
Software that runs virtual machines.

What is a container?
An isolated process sharing the host kernel.
"""


@pytest.fixture
async def deck_env(fake: FakeDiscord, tmp_path: Path, questions: Path) -> AsyncIterator[Env]:
    """The bot on a clock the test moves, its deck book reachable as `env.book`."""
    books: list[DeckBook] = []
    clock = FixedClock()
    db = tmp_path / "quiz.sqlite3"
    async with running_bot(settings_for(fake, db, questions), clock=clock, books=books):
        env = Env(fake, db, questions)
        env.book, env.clock = books[0], clock  # type: ignore[attr-defined]
        yield env


async def followup(fake: FakeDiscord, call: Call) -> Call:
    """The message that replaces an interaction's 'thinking' (its own, never another's)."""
    return await fake.wait_for(
        lambda c: c.kind == "followup" and c.interaction_id == call.interaction_id, within=20
    )


async def import_file(
    fake: FakeDiscord, upload: Upload, guild: str = GUILD_ID, **options: str
) -> tuple[Call, Call]:
    """`/deck import file:` by an admin: the deferral and the report."""
    call = await fake.command(
        "deck", {"file": upload, **options}, sub="import", permissions=MANAGE_GUILD, guild=guild
    )
    assert call.type == 5 and call.ephemeral, call.payload
    return call, await followup(fake, call)


def deck_id(report: Call) -> str:
    """The id a report gives the imported deck (`virt@3f9a1c`: its name, then its server's)."""
    found = re.search(r"`/study deck:([^`]+)`", report.text)
    assert found, report.text
    return found[1]


async def imported_virt(fake: FakeDiscord, guild: str = GUILD_ID) -> str:
    """Import the Virtualization deck by an admin; its id."""
    _, report = await import_file(fake, fake.upload("virt.yaml", VIRT, guild=guild), guild)
    assert "Deck imported" in report.text, report.text
    return deck_id(report)


async def test_an_admin_imports_a_file_and_the_server_studies_it(deck_env: Env) -> None:
    """The report is the importer's alone; then any member studies the deck."""
    fake = deck_env.fake
    upload = fake.upload("virt.yaml", VIRT, content_type="text/yaml")
    _, report = await import_file(fake, upload)
    assert report.ephemeral
    virt = deck_id(report)
    assert f"**Virtualization** (`{virt}`, 3 cards) from `virt.yaml`" in report.text
    assert "3 added · 0 updated · 0 kept · 0 retired" in report.text
    assert fake.uploads.requests == [upload.id]
    assert report.payload["allowed_mentions"] == {"parse": []}
    question = await fake.command("study", {"deck": virt}, user=BOB)
    assert question.type == 4 and "Virtualization" in question.text


async def test_a_plain_member_is_refused_before_any_download(deck_env: Env) -> None:
    fake = deck_env.fake
    upload = fake.upload("virt.yaml", VIRT)
    call = await fake.command("deck", {"file": upload}, sub="import", user=BOB)
    assert call.type == 4 and call.ephemeral
    assert "You need the Manage Server" in call.text
    assert fake.uploads.requests == []
    for sub in ("remove", "add", "share"):
        refused = await fake.command("deck", {"deck": "geo"}, sub=sub, user=BOB)
        assert "You need the Manage Server" in refused.text, sub


async def test_changes_in_a_direct_message_are_refused_politely(deck_env: Env) -> None:
    fake = deck_env.fake
    call = await fake.command("deck", {"code": "ABC"}, sub="import", guild=DM)
    assert call.ephemeral and "Decks belong to a server" in call.text


async def test_a_declared_size_over_the_limit_is_refused_unread(deck_env: Env) -> None:
    fake = deck_env.fake
    upload = fake.upload("huge.txt", b"x", size=LIMITS.text_file_bytes + 1)
    call = await fake.command("deck", {"file": upload}, sub="import", permissions=MANAGE_GUILD)
    assert call.type == 4 and call.ephemeral
    assert "huge.txt is 5 MB; files of this kind may have 5 MB at most" in call.text
    assert "Nothing was downloaded" in call.text
    assert fake.uploads.requests == []


async def test_a_lying_declared_size_is_caught_by_the_bytes_read(deck_env: Env) -> None:
    """Discord says 10 bytes; the file is 40 MB: the bot stops reading past the 5 MB limit
    (the fake could not write it all)."""
    fake = deck_env.fake
    data = b"What?\nThat.\n" * (40 * 1024 * 1024 // 12)
    upload = fake.upload("liar.txt", data, size=10)
    _, reply = await import_file(fake, upload)
    assert "liar.txt is larger than the 5 MB allowed" in reply.text
    assert upload.served < len(data)
    listing = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    assert "This server's decks (0)" in listing.text


@pytest.mark.parametrize("status", [404, 403])
async def test_a_failed_download_is_said_in_one_line(deck_env: Env, status: int) -> None:
    fake = deck_env.fake
    _, reply = await import_file(fake, fake.upload("virt.yaml", VIRT, status=status))
    assert f"Discord would not hand over virt.yaml (HTTP {status})" in reply.text
    assert reply.ephemeral


async def test_a_slow_download_times_out(
    fake: FakeDiscord, tmp_path: Path, questions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_download, "DOWNLOAD_SECONDS", 0.3)
    async with running_bot(settings_for(fake, tmp_path / "db.sqlite3", questions)):
        _, reply = await import_file(fake, fake.upload("virt.yaml", VIRT, delay=2.0))
    assert "Downloading virt.yaml took longer than 0.3 s" in reply.text


async def test_file_and_code_together_or_neither_is_refused(deck_env: Env) -> None:
    fake = deck_env.fake
    for options in ({}, {"file": fake.upload("virt.yaml", VIRT), "code": "X"}):
        call = await fake.command("deck", options, sub="import", permissions=MANAGE_GUILD)
        assert "Give one of `file:`" in call.text
    assert fake.uploads.requests == []


async def test_errors_are_reported_with_their_line_and_nothing_is_stored(deck_env: Env) -> None:
    fake = deck_env.fake
    broken = b"deck: {id: broken, name: Broken}\ncards:\n  - id: x\n"
    _, report = await import_file(fake, fake.upload("broken.yaml", broken))
    assert "Nothing imported" in report.text and "line 3:" in report.text
    listing = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    assert "Broken" not in listing.text


async def test_a_long_report_says_how_many_more(deck_env: Env) -> None:
    """Hundreds of warnings: the report shows whole lines within Discord's limits, then the
    count of the rest, never a silent cut."""
    fake = deck_env.fake
    text = "What is kept?\nThis.\n" + "".join(
        f"Question {n} without an answer?\n" for n in range(300)
    )
    _, report = await import_file(fake, fake.upload("many.txt", text.encode()))
    warnings = next(f for f in report.payload["embeds"][0]["fields"] if "warning" in f["name"])
    assert warnings["name"].startswith("300 warnings")
    assert "…and " in warnings["value"] and warnings["value"].endswith(" more")
    shown = warnings["value"].count("\n• ") + 1
    assert f"…and {300 - shown} more" in warnings["value"]


async def test_paste_opens_a_modal_and_imports_the_text(deck_env: Env) -> None:
    fake = deck_env.fake
    modal = await fake.command("deck", {"name": "Containers"}, sub="paste",
                               permissions=MANAGE_GUILD)  # fmt: skip
    assert modal.type == 9
    inputs = [c for row in modal.data["components"] for c in row["components"]]
    assert [(i["label"], i["style"], i.get("max_length")) for i in inputs] == [
        ("Deck name", 1, 100),
        ("Cards", 2, 4000),
    ]
    assert inputs[0]["value"] == "Containers"
    with pytest.raises(ValueError, match="1 to 4000 characters in 'Cards'"):
        await fake.submit(modal, modal, {"Cards": "x" * 4001}, permissions=MANAGE_GUILD)
    done = await fake.submit(modal, modal, {"Cards": NOTES}, permissions=MANAGE_GUILD)
    assert done.type == 5 and done.ephemeral
    report = await followup(fake, done)
    assert f"**Containers** (`{deck_id(report)}`, 2 cards)" in report.text
    assert deck_id(report).startswith("containers@")


async def test_list_and_autocomplete_keep_servers_apart(deck_env: Env) -> None:
    fake = deck_env.fake
    virt = await imported_virt(fake)
    here = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    assert "This server's decks (1)" in here.text and "Virtualization" in here.text
    assert "Bundled decks (3)" in here.text and "Geography" in here.text
    there = await fake.command("deck", sub="list", permissions=MANAGE_GUILD, guild=GUILD2_ID)
    assert "This server's decks (0)" in there.text and "Virtualization" not in there.text

    own = await fake.autocomplete("deck", "deck", "", sub="remove", permissions=MANAGE_GUILD)
    assert [c["value"] for c in own] == [virt]
    seen = await fake.autocomplete("deck", "deck", "", sub="export", permissions=MANAGE_GUILD)
    assert {c["value"] for c in seen} == {virt, "geo", "solo", "ping"}
    other = await fake.autocomplete(
        "deck", "deck", "", sub="remove", permissions=MANAGE_GUILD, guild=GUILD2_ID
    )
    assert other == []


async def test_remove_asks_first_and_a_double_click_removes_once(deck_env: Env) -> None:
    fake = deck_env.fake
    virt = await imported_virt(fake)
    prompt = await fake.command("deck", {"deck": virt}, sub="remove", permissions=MANAGE_GUILD)
    assert prompt.ephemeral and "Remove this deck?" in prompt.text
    remove, keep = prompt.custom_ids
    assert remove.startswith("qb:deckrm:") and keep.startswith("qb:deckkeep:")
    bob = await fake.click(prompt, remove, user=BOB, permissions=MANAGE_GUILD)
    assert bob.type == 4 and "Only the person who asked" in bob.text

    first, second = await asyncio.gather(
        fake.click(prompt, remove, permissions=MANAGE_GUILD),
        fake.click(prompt, remove, permissions=MANAGE_GUILD),
    )
    assert first.type == second.type == 6
    edits = [
        await fake.wait_for(
            lambda c, i=call.interaction_id: c.kind == "edit" and c.interaction_id == i
        )
        for call in (first, second)
    ]
    assert [e.payload["content"] for e in edits] == [
        f"Removed Virtualization (`{virt}`) from this server."
    ] * 2
    assert all(e.payload["components"] == [] and e.payload["embeds"] == [] for e in edits)
    listing = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    assert "This server's decks (0)" in listing.text
    gone = await fake.command("study", {"deck": virt})
    assert f"There is no deck called '{virt}'" in gone.text


async def test_an_expired_confirmation_removes_nothing(deck_env: Env) -> None:
    fake, clock = deck_env.fake, deck_env.clock  # type: ignore[attr-defined]
    await imported_virt(fake)  # the typed name finds the deck too
    prompt = await fake.command("deck", {"deck": "virt"}, sub="remove", permissions=MANAGE_GUILD)
    clock.advance(minutes=3)
    late = await fake.click(prompt, prompt.custom_ids[0], permissions=MANAGE_GUILD)
    assert late.type == 7 and "That confirmation has expired" in late.text
    assert late.data["components"] == []
    keep = await fake.click(prompt, prompt.custom_ids[1], permissions=MANAGE_GUILD)
    assert "Kept Virtualization" in keep.text
    listing = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    assert "This server's decks (1)" in listing.text


async def test_another_servers_deck_cannot_be_removed(deck_env: Env) -> None:
    fake = deck_env.fake
    virt = await imported_virt(fake)
    for deck in (virt, "virt", "geo"):
        call = await fake.command(
            "deck", {"deck": deck}, sub="remove", permissions=MANAGE_GUILD, guild=GUILD2_ID
        )
        assert f"'{deck}' is not a deck this server imported" in call.text


async def test_export_then_import_again_keeps_the_ids(deck_env: Env) -> None:
    fake = deck_env.fake
    virt = await imported_virt(fake)
    call = await fake.command("deck", {"deck": virt}, sub="export", permissions=MANAGE_GUILD)
    assert call.type == 5 and call.ephemeral
    sent = await followup(fake, call)
    ((name, _, data),) = sent.files
    assert name == "virt.yaml" and sent.ephemeral
    assert [c["id"] for c in yaml.safe_load(data)["cards"]] == ["hypervisor", "container", "vm"]
    _, again = await import_file(fake, fake.upload(name, data))
    assert "0 added · 0 updated · 3 kept · 0 retired" in again.text
    assert deck_id(again) == virt


async def test_a_card_added_through_the_modal_is_studied(deck_env: Env) -> None:
    fake = deck_env.fake
    virt = await imported_virt(fake)
    modal = await fake.command("deck", {"deck": virt}, sub="add", permissions=MANAGE_GUILD)
    assert modal.type == 9 and modal.data["title"] == "Add a card to Virtualization"
    labels = [c["label"] for row in modal.data["components"] for c in row["components"]]
    assert labels == ["Question", "Answer", "Accepted short answers (one a line)"]
    card = {
        "Question": "What is KVM?",
        "Answer": "A Linux hypervisor",
        "Accepted short answers (one a line)": "kvm\nKVM module\n",
    }
    done = await fake.submit(modal, modal, card, permissions=MANAGE_GUILD)
    added = await followup(fake, done)
    assert "Card added" in added.text and "What is KVM?" in added.text
    assert "Accepted: kvm, KVM module" in added.text
    listing = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    assert f"(`{virt}`, 4 cards)" in listing.text
    assert "What is KVM?" in await study_all(fake, virt, BOB)


async def test_a_share_code_copies_the_deck_into_another_server(deck_env: Env) -> None:
    fake = deck_env.fake
    virt = await imported_virt(fake)
    shared = await fake.command("deck", {"deck": virt}, sub="share", permissions=MANAGE_GUILD)
    assert shared.ephemeral and "Share code" in shared.text
    code = shared.text.split("```\n")[1].split("\n```")[0]
    call = await fake.command(
        "deck", {"code": code}, sub="import", permissions=MANAGE_GUILD, guild=GUILD2_ID
    )
    report = await followup(fake, call)
    copy = deck_id(report)
    assert copy != virt and copy.startswith("virt@")
    assert f"(`{copy}`, 3 cards)" in report.text and "3 added" in report.text
    there = await fake.command("deck", sub="list", permissions=MANAGE_GUILD, guild=GUILD2_ID)
    assert "This server's decks (1)" in there.text
    exported = await fake.command(
        "deck", {"deck": copy}, sub="export", permissions=MANAGE_GUILD, guild=GUILD2_ID
    )
    ((_, _, data),) = (await followup(fake, exported)).files
    assert [c["id"] for c in yaml.safe_load(data)["cards"]] == ["hypervisor", "container", "vm"]


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


async def picture_deck(filename: str, data: bytes, fmt: str | None, name: str | None) -> Deck:
    """What the importer makes of an Anki package whose note shows an image: the card names
    the picture (`media:`), the picture travels in `Deck.media`."""
    card = Card("cells", "n1", "What is shown?", "A cell", image="media:cell diagram.png")
    plain = Card("cells", "n2", "What is a nucleus?", "The cell's core")
    picture = MediaFile("cell diagram.png", "image/png", PNG)
    return Deck("cells", "Cells", (card, plain), media=(picture,))


async def test_a_card_picture_travels_as_an_attachment(deck_env: Env) -> None:
    """A picture stored with the deck is the message's file, shown by `attachment://` (never
    its bare name as a URL); revealing keeps it; the feedback after it drops it."""
    fake, book = deck_env.fake, deck_env.book  # type: ignore[attr-defined]
    book.parse = picture_deck
    _, report = await import_file(fake, fake.upload("cells.apkg", b"PK\x03\x04"))
    cells = deck_id(report)
    question = await fake.command("study", {"deck": cells})
    if "What is shown?" not in question.text:  # the plain card came first: rate it, go on
        shown = await fake.click(question, question.custom_ids[0])
        good = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":3"))
        rated = await fake.click(shown, good)
        question = await fake.click(rated, next(i for i in rated.custom_ids if "next" in i))
    assert "What is shown?" in question.text
    ((name, _, data),) = question.files
    assert (name, data) == ("card.png", PNG)
    assert question.data["embeds"][0]["image"]["url"] == "attachment://card.png"
    assert [a["filename"] for a in question.message["attachments"]] == ["card.png"]
    shown = await fake.click(question, question.custom_ids[0])
    assert shown.files[0][0] == "card.png" and "A cell" in shown.text
    good = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":3"))
    rated = await fake.click(shown, good)
    assert rated.message["attachments"] == []


STUDIED = b"""\
deck: {id: virt, name: Virtualization}
cards:
  - id: hypervisor
    question: What runs virtual machines?
    answer: A hypervisor
    accept: [hypervisor]
  - id: vm
    question: What does VM stand for?
    answer: A virtual machine (edited)
  - id: kvm
    question: What is KVM?
    answer: A Linux hypervisor
"""


async def study_all(fake: FakeDiscord, deck: str, user: dict) -> list[str]:
    """Study `deck` as `user`, rating every card Good until nothing is due; the questions."""
    asked: list[str] = []
    call = await fake.command("study", {"deck": deck}, user=user)
    while call.custom_ids and call.custom_ids[0].startswith("qb:show:"):
        asked.append(call.data["embeds"][0]["description"])
        shown = await fake.click(call, call.custom_ids[0], user=user)
        good = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":3"))
        rated = await fake.click(shown, good, user=user)
        call = await fake.click(rated, next(i for i in rated.custom_ids if "next" in i), user=user)
    assert "All caught up" in call.text, call.text
    return asked


async def test_a_second_server_never_sees_the_deck(deck_env: Env) -> None:
    fake = deck_env.fake
    virt = await imported_virt(fake)
    study = await fake.command("study", {"deck": virt}, guild=GUILD2_ID)
    assert f"There is no deck called '{virt}'" in study.text
    decks = await fake.command("decks", guild=GUILD2_ID)
    assert "Virtualization" not in decks.text
    assert "Virtualization" in (await fake.command("decks")).text
    for guild, expected in ((GUILD2_ID, set()), (GUILD_ID, {virt})):
        choices = await fake.autocomplete("study", "deck", "virt", guild=guild)
        assert {c["value"] for c in choices} == expected, guild


async def test_an_import_of_an_edited_deck_keeps_what_members_learned(deck_env: Env) -> None:
    """Bob learns all three cards; the admin imports an edited file (one card changed, one
    gone, one new): the report counts it, and Bob is asked only the new card."""
    fake = deck_env.fake
    virt = await imported_virt(fake)
    assert len(await study_all(fake, virt, BOB)) == 3
    _, report = await import_file(fake, fake.upload("virt.yaml", STUDIED))
    assert deck_id(report) == virt
    assert "1 added · 1 updated · 1 kept · 1 retired" in report.text
    assert await study_all(fake, virt, BOB) == ["What is KVM?"]


def zip_bomb() -> bytes:
    """An .apkg whose collection inflates to 300 MB of zeros from 300 KB."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("collection.anki2", bytes(300 * 1024 * 1024))
    return packed.getvalue()


async def test_a_hostile_package_is_refused_in_one_line(deck_env: Env) -> None:
    """A zip bomb is refused with one line, nothing stored; Bob studies meanwhile."""
    fake = deck_env.fake
    importing = asyncio.create_task(import_file(fake, fake.upload("bomb.apkg", zip_bomb())))
    await study_all(fake, "solo", BOB)
    _, report = await importing
    assert "Nothing imported" in report.text
    assert "• not a readable .apkg: the collection inflates past 67108864 bytes" in report.text
    listing = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    assert "This server's decks (0)" in listing.text


async def test_a_parse_that_never_ends_is_cut_off_while_others_study(deck_env: Env) -> None:
    """The parse runs past Discord's 3 s (in a child, off the loop): Bob's command and clicks
    meanwhile are each answered within the fake's 3 s window; the import is refused at its
    budget with one line."""
    fake, book = deck_env.fake, deck_env.book  # type: ignore[attr-defined]
    book.parse = UploadParser(budget=4.0, program="tests.adapters.discord.endless_parser")
    call = await fake.command(
        "deck", {"file": fake.upload("big.apkg", b"PK" * 1000)}, sub="import",
        permissions=MANAGE_GUILD,
    )  # fmt: skip
    assert call.type == 5
    await study_all(fake, "solo", BOB)
    assert not [c for c in fake.of(call.interaction_id) if c.kind == "followup"]
    refused = await followup(fake, call)
    assert (
        refused.text
        == "big.apkg: reading it took over 4 seconds, so it was refused (is it very large, or damaged?)"
    )
    assert refused.ephemeral


LOUD = b"""\
deck: {id: loud, name: "**Loud** @everyone <@&123456789012345678>"}
cards:
  - {question: "Who is <@123456789012345678>?", answer: "@here"}
  - {question: "Q2 @everyone?", answer: "A"}
"""


async def test_deck_text_is_shown_never_obeyed(deck_env: Env) -> None:
    """Names, file names and importer messages are escaped and no reply allows a mention."""
    fake = deck_env.fake
    _, report = await import_file(fake, fake.upload("@everyone.yaml", LOUD))
    listing = await fake.command("deck", sub="list", permissions=MANAGE_GUILD)
    loud = deck_id(report)
    prompt = await fake.command("deck", {"deck": loud}, sub="remove", permissions=MANAGE_GUILD)
    for call in (report, listing, prompt):
        data = call.data
        assert data["allowed_mentions"] == {"parse": []}, call.kind
        assert "\\*\\*Loud\\*\\* @\u200beveryone <@\u200b&123456789012345678>" in call.text
        assert "@everyone" not in call.text and "<@&" not in call.text
    assert "`@\u200beveryone.yaml`" in report.text
