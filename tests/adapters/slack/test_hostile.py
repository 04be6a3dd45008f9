"""Hostile and odd input on Slack: every reply is clear and escaped, nothing pings, nothing
outside the questions folder is read. (Slack has no deck reload command to permission-check:
decks reload on restart; see the Discord test for /deck reload.)"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.adapters.slack.kit import literal
from tests.adapters.slack.conftest import FORM, SlackHarness, sign, view_submission
from tests.adapters.slack.fake_slack import buttons

RTL = "\u202eopen\u202c \u200f\u05e9\u05dc\u05d5\u05dd\u200e"
RIGHT, WRONG = "✅ *Right!*", "❌ *Not quite.*"
HOSTILE = [
    pytest.param("x" * 4000, WRONG, id="4000-chars"),
    pytest.param("a\u200bu\u200d\ufeff", RIGHT, id="zero-width"),  # invisible marks dropped
    pytest.param(RTL, WRONG, id="rtl"),
    pytest.param("<!channel> <!here> <!everyone> <@U2> <#C1> <!subteam^S1>", WRONG, id="mentions"),
    pytest.param("*bold* _it_ ~s~ > quote <http://evil|click> &amp; &lt;", WRONG, id="markdown"),
    pytest.param("```\n<!channel>\n```\n`au`", WRONG, id="code-block"),
    pytest.param("💧 au 🧪 :skull: 👨‍👩‍👧", WRONG, id="emoji"),
]
PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U2>", "<!subteam", "<http://evil")


def _no_pings(reply: dict[str, Any]) -> None:
    raw = json.dumps(reply, ensure_ascii=False)
    for ping in PINGS:
        assert ping not in raw, f"{ping} reached Slack unescaped: {raw[:300]}"
    assert "link_names" not in reply or not reply["link_names"]


async def _typed_card(slack: SlackHarness) -> tuple[dict[str, Any], str]:
    """The solo card, known well enough to come back as typed recall."""
    card = await slack.known_card("solo")
    typed = await slack.click(buttons(card)["quiz.type"])
    opened = await slack.fake.call("views.open")
    return opened["view"], typed.url


@pytest.mark.parametrize(("answer", "verdict"), HOSTILE)
async def test_hostile_typed_answers_get_a_clear_escaped_reply(
    slack: SlackHarness, answer: str, verdict: str
) -> None:
    """The exact verdict; the answer echoed as typed (escaped, style marks fenced by zero-width
    spaces so `*bold*` is not bold), then the card's answer."""
    view, url = await _typed_card(slack)
    status = await slack.submit(view, answer)
    assert status == 200
    graded = await slack.fake.reply(url)
    text = graded["blocks"][0]["text"]["text"]
    assert text.startswith(verdict + "\nYou answered: "), text
    assert text.endswith("*Answer:*\nAu")
    echoed = text.split("You answered: ")[1].split("\n*Answer:*")[0]
    assert echoed == literal(answer[:500], 500) and "\n" not in echoed  # the modal takes 500
    for mark in ("*bold*", "_it_", "~s~", "```", "`au`"):
        assert mark not in echoed
    _no_pings(graded)


async def test_an_empty_typed_answer_is_refused_on_the_field(slack: SlackHarness) -> None:
    """An empty (or blank) submission keeps the modal open with a clear error on the field,
    and records nothing."""
    view, _ = await _typed_card(slack)
    before = (await slack.service.stats(slack.learner())).reviews
    for text in ("", "   ", "\n\t"):
        body = urlencode({"payload": json.dumps(view_submission(view, text, "U1"))})
        ts = str(int(time.time()))
        headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": sign(body, ts)}  # fmt: skip
        async with slack.http.post(slack.url, data=body.encode(), headers=headers) as response:
            assert response.status == 200
            reply = await response.json()
        assert reply["response_action"] == "errors"
        assert "Type an answer first" in json.dumps(reply)
    assert (await slack.service.stats(slack.learner())).reviews == before


@pytest.mark.parametrize(
    "deck",
    ["nope", "../../etc/passwd", "/etc/passwd", "..\\..\\secret", "capitals/../capitals",
     "<!channel>", "<@U2>", "\u202ecapitals", "x" * 500],
)  # fmt: skip
async def test_a_deck_naming_no_loaded_deck_is_refused(slack: SlackHarness, deck: str) -> None:
    reply = await slack.ask(f"study {deck}")
    assert reply["response_type"] == "ephemeral"
    assert "no deck called" in reply["text"], reply
    assert "root:" not in json.dumps(reply)
    _no_pings(reply)
    assert len(reply["text"]) < 400


async def test_a_deck_outside_the_folder_is_never_read(slack: SlackHarness, tmp_path) -> None:
    """Only loaded decks are looked up: a deck file beside the questions folder stays unknown."""
    (tmp_path / "secret.yaml").write_text(
        "deck: {id: secret}\ncards:\n  - {question: Secret?, answer: hidden}\n"
    )
    for name in ("secret", "../secret", str(tmp_path / "secret.yaml")):
        reply = await slack.ask(f"go {name}")
        assert "no deck called" in reply["text"] and "Secret?" not in json.dumps(reply)
    assert "secret" not in {d.id for d in slack.service.load_report().decks}
