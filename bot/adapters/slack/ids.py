"""Action ids and button values: everything a click needs is in the click itself.

A button's value carries the session id and turn (and the option), so a click still works after
a restart: the session lives in SQLite, not in this process. Values come back from Slack as
untrusted text, so they are parsed strictly and anything odd is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.core.models import Learner

PLATFORM = "slack"

CHOICE = "quiz.choice"
TYPE = "quiz.type"
SHOW = "quiz.show"
RATE = "quiz.rate"
NEXT = "quiz.next"
SKIP = "quiz.skip"
STOP = "quiz.stop"
TYPED_VIEW = "quiz.typed"
TYPED_BLOCK = "answer"
TYPED_INPUT = "text"

CHOICE_PATTERN = re.compile(r"^quiz\.choice\.\d{1,2}$")
RATE_PATTERN = re.compile(r"^quiz\.rate\.[1-4]$")
_VALUE = re.compile(r"^([0-9A-Za-z]{1,32}):(\d{1,9})(?::(\d{1,2}))?$")


@dataclass(frozen=True, slots=True)
class Ref:
    """Which question a click is about: session, turn, and an option or rating if any."""

    session_id: str
    turn: int
    extra: int | None = None


def value(session_id: str, turn: int, extra: int | None = None) -> str:
    return f"{session_id}:{turn}" + ("" if extra is None else f":{extra}")


def parse_value(text: object) -> Ref | None:
    """The Ref in a button value, or None when the value was not made by `value`."""
    if not isinstance(text, str):
        return None
    match = _VALUE.match(text)
    if match is None:
        return None
    extra = match.group(3)
    return Ref(match.group(1), int(match.group(2)), None if extra is None else int(extra))


def modal_metadata(ref: Ref, response_url: str | None, channel_id: str | None) -> str:
    """What the typed-answer modal must remember: a view submission has no response_url."""
    return json.dumps(
        {"s": ref.session_id, "t": ref.turn, "u": response_url or "", "c": channel_id or ""}
    )


def parse_metadata(text: str) -> tuple[Ref, str, str] | None:
    """(ref, response_url, channel id) from a modal's private_metadata, or None if malformed."""
    try:
        data: Any = json.loads(text)
        ref = parse_value(f"{data['s']}:{data['t']}")
        url, channel = str(data.get("u", "")), str(data.get("c", ""))
    except (ValueError, KeyError, TypeError):
        return None
    if ref is None or not (url == "" or url.startswith(("https://", "http://"))):
        return None
    return ref, url, channel


def learner_of(team_id: str | None, user_id: str | None) -> Learner | None:
    """Learner("slack", team, user); None when Slack did not say who clicked."""
    if not team_id or not user_id:
        return None
    return Learner(PLATFORM, team_id, user_id)
