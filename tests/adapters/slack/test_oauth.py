"""Slack for many workspaces through the real slack_bolt: installs from two workspaces, each
request served with its own workspace's token, the install's `state` single-use, an uninstall
removing the installation, token rotation, tokens sealed at rest and absent from logs."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.oauth import BOT_SCOPES, NOT_INSTALLED
from tests.adapters.slack.fake_oauth import CLIENT_ID
from tests.adapters.slack.fake_slack import FakeSlack, mrkdwn_texts, wait_until
from tests.adapters.slack.oauth_harness import Installer, oauth_settings, serve_multi
from tests.adapters.slack.test_study import right_option

T1, T2, ADA, LIN, C2 = "T1", "T2", "U1", "U5", "C2"
IN_T2 = {"team": T2, "channel": C2}


@pytest.fixture
async def multi(tmp_path: Path, fake: FakeSlack) -> AsyncIterator[Installer]:
    """The bot serving every workspace that installs it (none yet), on SQLite."""
    async with serve_multi(oauth_settings(tmp_path, fake), fake) as installer:
        yield installer


def text(message: dict[str, Any]) -> str:
    return " ".join(mrkdwn_texts(message))


def rows(slack: Installer, sql: str) -> list[tuple[Any, ...]]:
    path: Path = slack.service.repo.path  # type: ignore[attr-defined]
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def board(slack: Installer, user: str, **where: str) -> tuple[str, str | None]:
    """`/quiz leaderboard all` posts the board in the channel: its text and the token used."""
    posted = len(slack.fake.called("chat.postMessage"))
    assert (await slack.command("leaderboard all", user, **where)).status == 200
    message = await slack.fake.call("chat.postMessage", posted + 1)
    return text(message), slack.fake.tokens_used("chat.postMessage")[posted]


async def test_two_workspaces_install_and_each_is_served_with_its_own_token(
    multi: Installer,
) -> None:
    """The install page asks Slack for the manifest's scopes; each workspace gets its token;
    a command in T1 calls the Web API with T1's token, one in T2 with T2's."""
    done = await multi.install(T1)
    assert "Thank you!" in done.text
    await multi.install(T2)
    (asked_t1, asked_t2) = multi.fake.app.requested
    assert asked_t1["scope"] == ",".join(BOT_SCOPES) and asked_t1["client_id"] == CLIENT_ID
    assert asked_t2["team"] == T2
    (t1_token,), (t2_token,) = multi.fake.tokens_of(T1), multi.fake.tokens_of(T2)

    card = await multi.ask("go capitals 1", ADA)
    assert "Right!" in text(await multi.press(right_option(card), ADA))
    shown, token = await board(multi, ADA)
    assert token == t1_token and "Ada" in shown
    shown, token = await board(multi, LIN, **IN_T2)
    assert token == t2_token and "Ada" not in shown
    assert set(multi.fake.tokens_used("auth.test")) == {t1_token, t2_token}
    assert not multi.fake.failed("chat.postMessage")


async def test_a_forged_replayed_or_stale_state_is_refused(multi: Installer) -> None:
    """The redirect must carry a state this bot issued, in the browser that started it, not
    used before and not older than ten minutes; a code works once. Nothing is installed by
    a refused redirect."""
    url, cookie = await multi.start(T1)
    back = await multi.approve(url)
    forged = back.replace("state=", "state=forged")
    assert (await multi.get(forged, "forged" + cookie)).status == 401
    assert (await multi.get(back, "another-browser")).status == 400  # the cookie must match
    assert multi.fake.called("oauth.v2.access") == []
    assert (await multi.get(back, cookie)).status == 200
    replayed = await multi.get(back, cookie)
    assert replayed.status == 401  # the state was consumed
    assert len(multi.fake.called("oauth.v2.access")) == 1

    url, cookie = await multi.start(T2)
    multi.clock.advance(days=11 / 1440)  # eleven minutes
    assert (await multi.get(await multi.approve(url), cookie)).status == 401

    url, cookie = await multi.start(T2)  # a fresh state with the old, used code
    reused = (await multi.approve(url)).split("?")[0] + "?" + back.split("?")[1]
    reused = reused.replace(back.split("state=")[1], url.split("state=")[1].split("&")[0])
    assert (await multi.get(reused, cookie)).status == 401
    assert multi.fake.failed("oauth.v2.access") == ["invalid_code"]
    assert rows(multi, "SELECT workspace FROM app_installs") == [(T1,)]


async def test_an_uninstall_removes_the_installation_and_refuses_that_workspace(
    multi: Installer,
) -> None:
    """T2 uninstalls: Slack's events delete its installation at once and start the grace
    period; its requests are refused with a plain message and no Web API call; T1 goes on."""
    await multi.install(T1)
    await multi.install(T2)
    card = await multi.ask("go capitals 1", LIN, **IN_T2)
    assert "Right!" in text(await multi.press(right_option(card), LIN, **IN_T2))
    assert await multi.fake.uninstall(T2) == [200, 200]
    await wait_until(lambda: rows(multi, "SELECT workspace FROM departures") == [(T2,)])
    assert rows(multi, "SELECT workspace FROM app_installs") == [(T1,)]

    calls = len(multi.fake.calls)
    refused = await multi.ask("go capitals 1", LIN, **IN_T2)
    assert refused["text"] == NOT_INSTALLED
    assert multi.fake.calls[calls:] == []  # no token of T2 was tried
    assert rows(multi, "SELECT count(*) FROM scores WHERE workspace = 'T2'") != [(0,)]  # grace
    _, token = await board(multi, ADA)
    assert token == multi.fake.tokens_of(T1)[0]

    await multi.install(T2)  # back within the grace period: nothing is purged
    assert rows(multi, "SELECT workspace FROM departures") == []
    shown, token = await board(multi, LIN, **IN_T2)
    assert token == multi.fake.tokens_of(T2)[0] and "Lin" in shown


async def test_rotation_refreshes_an_expired_token(multi: Installer) -> None:
    """With token rotation on, a workspace's token that expired is refreshed with its refresh
    token before the request runs; the new token is stored (sealed) and used from then on."""
    multi.fake.app.rotation, multi.fake.app.token_seconds = True, 60
    await multi.install(T1)
    (old,) = multi.fake.tokens_of(T1)
    multi.fake.expire(old)
    multi.fake.app.token_seconds = 12 * 3600
    _, token = await board(multi, ADA)
    (new,) = [t for t in multi.fake.tokens_of(T1) if t != old]
    assert token == new and new.startswith("xoxe.xoxb-")
    refreshes = [c for c in multi.fake.calls if c.method == "oauth.v2.access"][1:]
    assert [c.args.get("grant_type") for c in refreshes] == ["refresh_token"]
    _, again = await board(multi, ADA)
    assert again == new and len(multi.fake.called("oauth.v2.access")) == 2  # no second refresh
    assert "token_expired" not in multi.fake.failed("chat.postMessage")


async def test_tokens_are_sealed_at_rest(multi: Installer) -> None:
    """No column of any table holds a token: the row holds Fernet text that only
    QUIZBOT_SECRET_KEY opens."""
    from cryptography.fernet import Fernet

    from tests.adapters.slack.oauth_harness import KEY
    from tests.storage.people_data import cells_mentioning

    multi.fake.app.rotation = True
    await multi.install(T1)
    (token,) = multi.fake.tokens_of(T1)
    refresh = next(iter(multi.fake.app.refresh))
    path = multi.service.repo.path  # type: ignore[attr-defined]
    for secret in (token, refresh, "xox"):
        assert cells_mentioning(path, secret) == {}, secret
    ((sealed, details),) = rows(multi, "SELECT secrets, details FROM app_installs")
    opened = Fernet(KEY.encode()).decrypt(sealed.encode()).decode()
    assert token in opened and refresh in opened
    assert "UBT1" in details and "chat:write" in details  # what is not secret stays readable


async def test_nothing_secret_reaches_the_logs(tmp_path: Path, fake: FakeSlack) -> None:
    """Debug logging on, as quizbot sets it up: an install (code, state, client secret), a
    rotation (refresh token) and requests (every token) leave none of them in any line,
    whichever library logged it (slack_sdk prints request and response bodies at debug)."""
    import io
    import logging

    from bot.process.cli import _secrets
    from bot.process.log_setup import configure
    from tests.adapters.slack.fake_oauth import CLIENT_SECRET
    from tests.adapters.slack.oauth_harness import KEY

    settings = oauth_settings(tmp_path, fake)
    stream, root = io.StringIO(), logging.getLogger()
    saved = root.handlers[:], root.level
    configure("DEBUG", "text", _secrets(settings))
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        async with serve_multi(settings, fake) as slack:
            fake.app.rotation, fake.app.token_seconds = True, 60
            await slack.install(T1)
            first = fake.tokens_of(T1)[0]
            fake.app.token_seconds = 12 * 3600
            fake.expire(first)
            await board(slack, ADA)
            codes = [c.args["code"] for c in fake.calls if "code" in c.args]
            states = [q["state"] for q in fake.app.requested]
            secrets = [*fake.tokens_of(T1), first, *fake.app.refresh, *codes, *states]
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.captureWarnings(False)
    logged = stream.getvalue()
    assert "oauth_redirect" in logged and "oauth.v2.access" in logged  # it did log at debug
    for secret in (*secrets, CLIENT_SECRET, KEY):
        assert secret not in logged, secret
