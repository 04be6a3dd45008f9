"""Logs never carry a credential: configured secrets and Discord's URL tokens are cut out."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.process.log_setup import REDACTED, configure

INTERACTION_TOKEN = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnRva2Vu" * 2


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure("DEBUG", "json", secrets=["bot-token-123456"])
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.captureWarnings(False)


def lines_of(stream: io.StringIO, *loggers: str) -> list[dict[str, str]]:
    """The JSON lines of the named loggers: a library thread left by an earlier test (aiosqlite
    logs at DEBUG) may write into the stream too."""
    found = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in found if line["logger"] in loggers]


def test_rate_limit_warning_keeps_the_route_but_not_the_token(captured: io.StringIO) -> None:
    """discord.py logs 429s with the full URL: the interaction token in it must not reach a log."""
    url = f"https://discord.com/api/v10/webhooks/100000000000000001/{INTERACTION_TOKEN}?wait=1"
    logging.getLogger("discord.http").warning(
        "We are being rate limited. %s %s responded with 429. Retrying in %.2f seconds.",
        "POST",
        url,
        1.0,
    )
    callback = f"/api/v10/interactions/600000000000000001/{INTERACTION_TOKEN}/callback"
    logging.getLogger("discord.http").warning("%s failed", callback)
    lines = lines_of(captured, "discord.http")
    assert len(lines) == 2
    assert INTERACTION_TOKEN not in captured.getvalue()
    assert f"/webhooks/100000000000000001/{REDACTED}?wait=1" in lines[0]["message"]
    assert f"/interactions/600000000000000001/{REDACTED}/callback" in lines[1]["message"]


def test_configured_secret_is_cut_from_messages_and_tracebacks(captured: io.StringIO) -> None:
    try:
        raise RuntimeError("login with bot-token-123456 failed")
    except RuntimeError:
        logging.getLogger("x").exception("token bot-token-123456 refused")
    [line] = lines_of(captured, "x")
    assert "bot-token-123456" not in captured.getvalue()
    assert line["message"] == f"token {REDACTED} refused"
    assert f"RuntimeError: login with {REDACTED} failed" in line["exception"]


def test_slack_tokens_and_oauth_codes_are_cut_wherever_they_appear(captured: io.StringIO) -> None:
    """Each installed workspace brings tokens nobody configured: they are recognised by shape;
    an OAuth code or state goes from a URL and from a logged body, Basic credentials too."""
    log = logging.getLogger("slack_sdk.web.async_base_client")
    log.debug(
        "Received: {'access_token': 'xoxb-12-34-abcdefXYZ', 'refresh_token': 'xoxe-1-ab12cd'}"
    )
    log.debug("GET /slack/oauth_redirect?code=123.456.7f&state=Zq_9-x HTTP/1.1")
    log.debug("query: {'code': ['123.456.7f'], 'state': ['Zq_9-x']}")
    log.debug("headers: {'Authorization': 'Basic MTExMToyMjI6c2VjcmV0'} xoxe.xoxb-1-Q2FzZQ")
    logged = captured.getvalue()
    for secret in ("abcdefXYZ", "ab12cd", "123.456.7f", "Zq_9-x", "MTExMToyMjI6c2VjcmV0", "Q2FzZQ"):
        assert secret not in logged, secret
    assert "xoxb-[redacted]" in logged and "code=[redacted]&state=[redacted]" in logged


def test_the_database_url_and_its_password_are_cut_from_logs() -> None:
    """QUIZBOT_DATABASE_URL may carry a password: neither the URL nor the password alone (as
    written or percent-decoded, as a driver's message might quote it) reaches a log line."""
    from bot.process.cli import _secrets
    from bot.process.settings import Settings

    url = "postgresql://quiz:s3cret%2Fpass@db.internal:5432/quiz"
    settings = Settings(QUIZBOT_DATABASE_URL=url)
    stream, root = io.StringIO(), logging.getLogger()
    saved = root.handlers[:], root.level
    configure("DEBUG", "text", _secrets(settings))
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        log = logging.getLogger("pg")
        log.error("could not connect to %s", url)
        log.error("password s3cret/pass refused; raw s3cret%%2Fpass")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.captureWarnings(False)
    logged = stream.getvalue()
    assert "could not connect to" in logged and "refused" in logged
    for secret in (url, "s3cret/pass", "s3cret%2Fpass"):
        assert secret not in logged, secret
    assert "db.internal" not in logged  # the URL went whole
