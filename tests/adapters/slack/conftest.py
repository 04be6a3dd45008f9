"""The real slack_bolt app, built and served exactly as run_slack does, against a fake Slack."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp

from bot.adapters.slack import competition
from bot.adapters.slack.app import build_app, close
from bot.adapters.slack.server import start_http
from bot.app.deck_book import DeckBook
from bot.app.study import QuizService
from bot.core.models import Learner
from bot.process.bootstrap import build_deck_book, build_service
from bot.process.settings import Settings
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.fake_slack import buttons as buttons_of

SECRET = "test-signing-secret"
TEAM = "T1"
CHANNEL = "C1"
CAPITALS = {"France": "Paris", "Japan": "Tokyo", "Peru": "Lima", "Kenya": "Nairobi"}

DECKS = {
    "capitals.yaml": {
        "deck": {"id": "capitals", "name": "Capitals"},
        "cards": [
            {
                "id": c.lower(),
                "question": f"What is the capital of {c}?",
                "answer": a,
                "accept": [a],
            }
            for c, a in CAPITALS.items()
        ],
    },
    "solo.yaml": {
        "deck": {"id": "solo", "name": "Chemistry"},
        "cards": [
            {
                "id": "gold",
                "question": "What is the chemical symbol for gold?",
                "answer": "Au",
                "accept": ["Au"],
            }
        ],
    },
    "hostile.yaml": {
        "deck": {"id": "hostile", "name": "Hostile <!everyone>"},
        "cards": [
            {
                "id": "ping",
                "question": "Who gets <!channel> & <@U999> pings?",
                "answer": "Nobody <!here> <!subteam^S1>",
            }
        ],
    },
}

SLACK_ENV = (
    "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET", "QUIZBOT_SECRET_KEY",
)  # fmt: skip


class FakeClock:
    """A clock tests move forward to make cards come due."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.at

    def advance(self, days: float) -> None:
        self.at += timedelta(days=days)


def write_decks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, deck in DECKS.items():
        (folder / name).write_text(json.dumps(deck))  # JSON is YAML
    return folder


def sign(body: str, timestamp: str, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return "v0=" + digest.hexdigest()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SLACK_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    """The strict fake; a request it refused as malformed fails the test here, at teardown."""
    slack = FakeSlack()
    await slack.start()
    yield slack
    await slack.close()
    assert not slack.violations, "the bot sent what Slack refuses:\n" + "\n".join(slack.violations)


def make_settings(tmp_path: Path, fake: FakeSlack, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.api_url,
        "questions": write_decks(tmp_path / "questions"),
        "db": tmp_path / "quiz.sqlite3",
    }
    values.update(extra)
    return Settings(**values)


@dataclass(frozen=True)
class Sent:
    """A request delivered to the app: the HTTP status, its own response_url and trigger_id."""

    status: int
    url: str = ""
    trigger: str = ""


class SlackHarness:
    """Sends signed requests the way Slack does and reads what the fake recorded.

    Each command and click carries its own response_url, and `ask`/`press` read the reply
    posted there: Slack does not order a click's reply against the bot's other posts.
    """

    def __init__(
        self, fake: FakeSlack, service: QuizService, clock: FakeClock, url: str, book: DeckBook
    ) -> None:
        self.fake = fake
        self.service = service
        self.clock = clock
        self.url = url
        self.book = book
        self.http = aiohttp.ClientSession()
        self.app: AsyncApp | None = None
        """The app being served (set by `served`)."""

    async def post(
        self, body: str, content_type: str, *, retry: int | None = None, secret: str = SECRET
    ) -> int:
        ts = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(body, ts, secret),
        }
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            return response.status

    async def command(self, text: str, user: str = "U1", *, team: str = TEAM, channel: str = CHANNEL,
                      **kw: Any) -> Sent:  # fmt: skip
        form = command_form(self.fake, text, user, team=team, channel=channel)
        status = await self.post(urlencode(form), FORM, **kw)
        return Sent(status, form["response_url"], form["trigger_id"])

    async def click(self, button: dict[str, Any], user: str = "U1", *, team: str = TEAM,
                    channel: str = CHANNEL, **kw: Any) -> Sent:  # fmt: skip
        payload = block_action(self.fake, button, user, team=team, channel=channel)
        status = await self.post(urlencode({"payload": json.dumps(payload)}), FORM, **kw)
        return Sent(status, payload["response_url"], payload["trigger_id"])

    async def ask(self, text: str, user: str = "U1", **kw: Any) -> dict[str, Any]:
        """Run a command and return the reply posted to its own response_url."""
        sent = await self.command(text, user, **kw)
        assert sent.status == 200, sent
        return await self.fake.reply(sent.url)

    async def press(self, button: dict[str, Any], user: str = "U1", **kw: Any) -> dict[str, Any]:
        """Click a button and return the reply posted to that click's response_url."""
        sent = await self.click(button, user, **kw)
        assert sent.status == 200, sent
        return await self.fake.reply(sent.url)

    async def submit(self, view: dict[str, Any], text: str, user: str = "U1") -> int:
        payload = view_submission(view, text, user)
        return await self.post(urlencode({"payload": json.dumps(payload)}), FORM)

    async def submit_values(
        self, view: dict[str, Any], values: dict[str, dict[str, Any]], user: str = "U1",
        *, team: str = TEAM,
    ) -> tuple[int, dict[str, Any]]:  # fmt: skip
        """Submit a modal with these state values (block id -> action id -> value); the HTTP
        status and the ack's body (`response_action` errors), {} for a plain ack."""
        payload = view_submission(view, "", user, team=team, values=values)
        body = urlencode({"payload": json.dumps(payload)})
        ts = str(int(time.time()))
        headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": sign(body, ts)}  # fmt: skip
        async with self.http.post(self.url, data=body.encode(), headers=headers) as response:
            text = await response.text()
            return response.status, (json.loads(text) if text.strip() else {})

    async def known_card(self, deck: str = "solo") -> dict[str, Any]:
        """Study `deck`'s card, rating it Easy and coming back two months later, until it is
        known well enough to be asked as typed recall (a card being learned is a flashcard)."""
        for _ in range(6):
            card = await self.ask(f"study {deck}")
            if "quiz.type" in buttons_of(card):
                return card
            shown = await self.press(buttons_of(card)["quiz.show"])
            await self.press(buttons_of(shown)["quiz.rate.4"])
            self.clock.advance(days=60)
        raise AssertionError(f"the card of {deck} never came back as typed recall")

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> int:
        body = json.dumps(event_callback(event, event_id))
        return await self.post(body, "application/json", retry=retry)

    def learner(self, user: str = "U1") -> Learner:
        return Learner("slack", TEAM, user)

    async def close(self) -> None:
        await self.http.close()


FORM = "application/x-www-form-urlencoded"


H = TypeVar("H", bound=SlackHarness)


def trigger_of(response_url: str) -> str:
    """Each request's own trigger_id (Slack's are single-use), named after its response_url."""
    return "trigger-" + response_url.rsplit("/", 1)[-1]


def command_form(
    fake: FakeSlack, text: str, user: str, *, team: str = TEAM, channel: str = CHANNEL
) -> dict[str, str]:
    return {
        "token": "legacy",
        "team_id": team,
        "team_domain": "test",
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/quiz",
        "text": text,
        "api_app_id": "A1",
        "is_enterprise_install": "false",
        "response_url": (url := fake.response_url()),
        "trigger_id": trigger_of(url),
    }


def block_action(
    fake: FakeSlack, button: dict[str, Any], user: str, *, team: str = TEAM, channel: str = CHANNEL
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": "1.1",
            "channel_id": channel,
            "is_ephemeral": True,
        },
        "trigger_id": trigger_of(url := fake.response_url()),
        "team": {"id": team, "domain": "test"},
        "channel": {"id": channel, "name": "general"},
        "response_url": url,
        "actions": [
            {
                "type": "button",
                "action_id": button["action_id"],
                "block_id": button.get("block_id", "quiz"),
                "value": button["value"],
                "action_ts": "1.2",
            }
        ],
    }


def view_submission(
    view: dict[str, Any], text: str, user: str, *, team: str = TEAM,
    values: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A modal's submission; `values` are its state (else `text` in the typed-answer field)."""
    state = values if values is not None else {
        "answer": {"text": {"type": "plain_text_input", "value": text}}
    }  # fmt: skip
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "trigger-view",
        "view": {
            **view,
            "id": "V1",
            "team_id": team,
            "state": {"values": state},
        },
    }


_EVENTS = itertools.count(1)


def event_callback(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """Each event its own id, as Slack gives it (a redelivery passes the first's)."""
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_EVENTS)}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}],
    }


@contextlib.asynccontextmanager
async def served(
    settings: Settings, fake: FakeSlack, clock: FakeClock, harness: type[H], seed: int = 7,
    *, book: Callable[[QuizService], DeckBook] = build_deck_book, **options: Any,
) -> AsyncIterator[tuple[H, competition.SlackCompetitions]]:  # fmt: skip
    """HTTP mode: build_service, build_deck_book, build_app + start_http, the calls run_slack
    makes, on port 0; the harness and the app's competitions, closed in order on the way out.
    `options` go to build_app (a shorter download budget)."""
    service = await build_service(settings, clock=clock, rng=random.Random(seed))
    deck_book = book(service)
    app = build_app(settings, service, deck_book=deck_book, **options)
    server = await start_http(app, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.port}/slack/events"
    served = harness(fake, service, clock, url, deck_book)
    served.app = app
    comps = competition.of(app)
    assert comps is not None
    try:
        yield served, comps
    finally:
        await comps.close()
        await served.close()
        await server.close()
        await close(app)
        await service.close()


@pytest.fixture
async def slack(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    async with served(make_settings(tmp_path, fake), fake, FakeClock(), SlackHarness) as (h, _):
        yield h
