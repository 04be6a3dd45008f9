"""`/deck list|export|remove|add|share` end to end, and what a server's decks look like to the
members: kept apart from other servers, pictures attached, text never obeyed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from bot.core.models import Card, Deck, MediaFile
from tests.adapters.discord._decks import (
    deck_id,
    followup,
    import_file,
    imported_virt,
    study_all,
)
from tests.adapters.discord.conftest import Env
from tests.adapters.discord.fake_discord import (
    BOB,
    GUILD2_ID,
    GUILD_ID,
    MANAGE_GUILD,
)


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
    fake, clock = deck_env.fake, deck_env.clock
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
    fake, book = deck_env.fake, deck_env.book
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


async def test_an_anki_package_brings_its_pictures_to_discord(deck_env: Env) -> None:
    """A package Anki wrote, through `/deck import` and the real parser: its seven cards are
    studied, and a card's picture is the message's attachment, shown by `attachment://`."""
    fake = deck_env.fake
    package = (Path(__file__).parents[2] / "fixtures" / "anki_modern.apkg").read_bytes()
    _, report = await import_file(fake, fake.upload("cells.apkg", package))
    assert "Deck imported" in report.text and "7 cards" in report.text, report.text
    deck = deck_id(report)
    question = await fake.command("study", {"deck": deck})
    for _ in range(7):
        if question.files:
            break
        shown = await fake.click(question, question.custom_ids[0])
        good = next(i for i in shown.custom_ids if i.startswith("qb:rate:") and i.endswith(":3"))
        rated = await fake.click(shown, good)
        question = await fake.click(rated, next(i for i in rated.custom_ids if "next" in i))
    else:
        raise AssertionError("no card of the package came with its picture")
    ((name, _, data),) = question.files
    assert data[:4] in (b"\x89PNG", b"GIF8")
    assert question.data["embeds"][0]["image"]["url"] == f"attachment://{name}"
