"""`/deck import` end to end: a file, pasted text or a share code, by an admin only; the
upload fetched from its signed address within the limits; the report; hostile files."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

import pytest

from bot.adapters.discord import _download
from bot.core.limits import LIMITS
from bot.process.deck_upload import UploadParser
from tests.adapters.discord._decks import (
    VIRT,
    deck_id,
    followup,
    import_file,
    imported_virt,
    study_all,
)
from tests.adapters.discord.conftest import Env
from tests.adapters.discord.fake_discord import (
    BOB,
    DM,
    MANAGE_GUILD,
    FakeDiscord,
)
from tests.adapters.discord.harness import running_bot, settings_for

NOTES = """\
What is a hypervisor?
Software that runs virtual machines.

What is a container?
An isolated process sharing the host kernel.
"""


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
    assert call.text == (
        "You need the Manage Server (or workspace admin) right to import decks into this server."
    )
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
        assert "Attach a deck file (`file:`) or give a share code (`code:`)" in call.text
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
    fake, book = deck_env.fake, deck_env.book
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
