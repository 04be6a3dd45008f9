"""Uploads that are pictures or hostile: a card's stored picture reaches Slack as an uploaded file
shown by its id, and a hostile package is refused while another member keeps studying.

They run the real DeckBook and the real parsing child (`UploadParser`): a package Anki wrote
brings its own pictures; for the upload cache, a wrapper adds a picture to a small YAML deck;
for the hostile package, a wrapper only watches when the parse starts and ends.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from bot.app.deck_book import DeckBook
from bot.core.models import Deck, MediaFile
from bot.process.deck_upload import UploadParser
from tests.adapters.slack.conftest import FakeClock, SlackHarness, make_settings, served
from tests.adapters.slack.deck_steps import (
    chat_id,
    deck_yaml,
    import_file,
    open_import,
    text,
    values,
)
from tests.adapters.slack.fake_slack import FakeSlack, buttons, wait_until
from tests.adapters.slack.test_study import right_option

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
CELL = {"cell": ("What does this picture show?", "A cell")}


class WithPicture:
    """The real parser, then `cell.png` on the first card (`image: media:cell.png`)."""

    def __init__(self) -> None:
        self.inner = UploadParser()

    async def __call__(self, filename: str, data: bytes, fmt: str | None, name: str | None) -> Deck:
        deck = await self.inner(filename, data, fmt, name)
        first = replace(deck.cards[0], image="media:cell.png")
        picture = MediaFile("cell.png", "image/png", PNG)
        return replace(deck, cards=(first, *deck.cards[1:]), media=(picture,))


class Watched:
    """The real parser, noting when a parse is under way and when it is over."""

    def __init__(self) -> None:
        self.inner = UploadParser()
        self.started = asyncio.Event()
        self.finished = asyncio.Event()

    async def __call__(self, filename: str, data: bytes, fmt: str | None, name: str | None) -> Deck:
        self.started.set()
        try:
            return await self.inner(filename, data, fmt, name)
        finally:
            self.finished.set()


@pytest.fixture
async def pictures(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    settings = make_settings(tmp_path, fake)
    book = partial(DeckBook.over, parse=WithPicture())
    async with served(settings, fake, FakeClock(), SlackHarness, book=book) as (harness, _):
        yield harness


def _image_ids(message: dict) -> list[str]:
    return [b["slack_file"]["id"] for b in message["blocks"] if b["type"] == "image"]


async def test_a_stored_picture_is_uploaded_once_and_shown_by_file_id(
    pictures: SlackHarness,
) -> None:
    slack = pictures
    await import_file(slack, "cells.yaml", deck_yaml("cells", "Cells", CELL))
    card = await slack.ask(f"study {chat_id('cells')}")
    [file_id] = _image_ids(card)
    uploaded = slack.fake.bot_file(file_id)
    assert uploaded is not None and uploaded.data == PNG and uploaded.name == "cell.png"
    assert uploaded.shared_in == ()  # uploaded, not posted anywhere
    assert "cell.png" not in json.dumps(card).replace(f'"{file_id}"', "")  # never as a URL
    shown = await slack.press(buttons(card)["quiz.show"])
    assert _image_ids(shown) == [file_id]
    other = await slack.ask(f"study {chat_id('cells')}", user="U2")
    assert _image_ids(other) == [file_id]
    assert len(slack.fake.called("files.completeUploadExternal")) == 1  # cached per workspace
    await import_file(slack, "cells.yaml", deck_yaml("cells", "Cells", CELL))  # re-imported
    again = await slack.ask(f"study {chat_id('cells')}", user="U3")
    [new_id] = _image_ids(again)
    assert new_id != file_id and slack.fake.bot_file(new_id) is not None


async def test_a_failed_picture_upload_still_asks_the_card(pictures: SlackHarness) -> None:
    """Slack refuses the upload: the card is asked without its picture, and the next card
    shown tries the upload again (a failure is not cached)."""
    slack = pictures
    await import_file(slack, "cells.yaml", deck_yaml("cells", "Cells", CELL))
    slack.fake.fail("files.getUploadURLExternal", "internal_error", status=503)
    card = await slack.ask(f"study {chat_id('cells')}")
    assert _image_ids(card) == [] and "What does this picture show?" in text(card)
    other = await slack.ask(f"study {chat_id('cells')}", user="U2")
    assert len(_image_ids(other)) == 1


def _zip_bomb() -> bytes:
    """An .apkg whose collection claims little and inflates to 200 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", bytes(200 * 1024 * 1024))
        archive.writestr("media", "{}")
    return out.getvalue()


async def test_a_hostile_package_is_refused_while_another_member_studies(
    tmp_path: Path, fake: FakeSlack
) -> None:
    """A zip bomb goes to the parsing child; meanwhile a member's answer is acked and graded
    before the parse is over (the loop is free), and the package is refused: nothing stored."""
    watched = Watched()
    settings = make_settings(tmp_path, fake)
    book = partial(DeckBook.over, parse=watched)
    async with served(settings, fake, FakeClock(), SlackHarness, book=book) as (slack, _):
        card = await slack.ask("go capitals", user="U2")
        opened = await open_import(slack)
        bomb = slack.fake.add_file("hostile.apkg", _zip_bomb())
        status, ack = await slack.submit_values(opened.view, values(file=bomb))
        assert (status, ack) == (200, {})
        await wait_until(watched.started.is_set)
        click = await slack.click(right_option(card), "U2")
        assert click.status == 200 and not watched.finished.is_set()
        assert "Right!" in text(await slack.fake.reply(click.url))
        report = await slack.fake.reply(opened.sent.url)
        assert report["response_type"] == "ephemeral"
        assert "hostile.apkg" in text(report) and "✅" not in text(report), text(report)
        assert not any(d.owner for d in slack.service.library.decks)
        assert (await slack.service.stats(slack.learner("U2"))).reviews == 1


async def test_an_anki_package_brings_its_pictures_to_slack(slack: SlackHarness) -> None:
    """A package Anki wrote, through the modal and the real parser: its cards are studied and
    a card's picture reaches Slack as an uploaded file, never as a bare file name."""
    package = (Path(__file__).parents[2] / "fixtures" / "anki_modern.apkg").read_bytes()
    report = await import_file(slack, "cells.apkg", package)
    assert "7" in text(report) and "cards" in text(report)
    deck = chat_id("biology-cells")
    for _ in range(7):
        card = await slack.ask(f"study {deck}")
        if ids := _image_ids(card):
            break
        shown = await slack.press(buttons(card)["quiz.show"])
        await slack.press(buttons(shown)["quiz.rate.3"])
    else:
        raise AssertionError("no card of the package showed its picture")
    uploaded = slack.fake.bot_file(ids[0])
    assert uploaded is not None and uploaded.name in ("cell_diagram.png", "membrane.gif")
    assert uploaded.data[:4] in (b"\x89PNG", b"GIF8")
    assert "cell_diagram.png" not in json.dumps(card).replace(f'"{ids[0]}"', "")
