"""What a Slack member does to manage decks, as steps the deck tests share: open the import
modal, submit a file / pasted cards / a share code, read the report posted to the command's own
response_url.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core.library import chat_deck_id
from tests.adapters.slack.conftest import TEAM, Sent, SlackHarness
from tests.adapters.slack.fake_slack import mrkdwn_texts

CHANNELS = {"T1": "C1", "T2": "C2"}


def deck_yaml(deck_id: str, name: str, cards: dict[str, tuple[str, str]]) -> bytes:
    """A quizbot YAML deck (JSON is YAML): card id -> (question, answer)."""
    body = {
        "deck": {"id": deck_id, "name": name},
        "cards": [
            {"id": cid, "question": q, "answer": a, "accept": [a]} for cid, (q, a) in cards.items()
        ],
    }
    return json.dumps(body).encode()


BIOLOGY = {
    "cell": ("What is the basic unit of life?", "Cell"),
    "dna": ("Which molecule carries genetic information?", "DNA"),
    "atp": ("Which molecule stores energy in cells?", "ATP"),
}


def chat_id(slug: str, team: str = TEAM) -> str:
    """The id a workspace's imported deck has (`biology@3f9a1c`): what `/quiz deck list` shows
    and `/quiz study` takes."""
    return chat_deck_id(slug, ("slack", team))


def text(message: dict[str, Any]) -> str:
    return " ".join(mrkdwn_texts(message))


def values(
    *, file: dict[str, Any] | None = None, paste: str | None = None, code: str | None = None,
    name: str | None = None,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """The state of a submitted import modal, as Slack sends it (empty fields included)."""
    return {
        "file": {"file": {"type": "file_input", "files": [file] if file else []}},
        "paste": {"text": {"type": "plain_text_input", "value": paste}},
        "code": {"code": {"type": "plain_text_input", "value": code}},
        "name": {"name": {"type": "plain_text_input", "value": name}},
    }


@dataclass
class Opened:
    """An import modal opened by one command: the command (its response_url gets the report)
    and the view Slack shows."""

    sent: Sent
    view: dict[str, Any]


async def open_import(slack: SlackHarness, user: str = "U1", *, team: str = TEAM) -> Opened:
    sent = await slack.command("deck import", user, team=team, channel=CHANNELS[team])
    assert sent.status == 200
    return Opened(sent, await slack.fake.opened(sent.trigger))


async def import_file(
    slack: SlackHarness, name: str, data: bytes, user: str = "U1", *, team: str = TEAM,
    deck_name: str | None = None, **file_options: Any,
) -> dict[str, Any]:  # fmt: skip
    """The whole import: a member's upload, the modal, its submission, the report."""
    opened = await open_import(slack, user, team=team)
    shared = slack.fake.add_file(name, data, team=team, user=user, **file_options)
    status, ack = await slack.submit_values(
        opened.view, values(file=shared, name=deck_name), user, team=team
    )
    assert (status, ack) == (200, {}), ack
    return await slack.fake.reply(opened.sent.url)


async def submit(
    slack: SlackHarness, opened: Opened, user: str = "U1", *, team: str = TEAM, **fields: Any
) -> dict[str, Any]:
    """Submit the modal with these fields; the report posted to the command's response_url."""
    status, ack = await slack.submit_values(opened.view, values(**fields), user, team=team)
    assert (status, ack) == (200, {}), ack
    return await slack.fake.reply(opened.sent.url)
