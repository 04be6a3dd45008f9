"""The burst on Slack in HTTP mode: `quizbot run slack` in a subprocess against the fake Slack.

Each member's click is a signed block_actions request to the bot's /slack/events; its latency
runs from sending it to the bot's HTTP answer (the ack Slack waits 3 s for). The reply itself
goes to the click's response_url afterwards; `replies` counts those that arrived, and the
bot's CPU time runs until the last of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench._burst import seed
from bench._burst.figures import Burst, cpu_seconds
from bench._burst.process import bot_process, first_of
from tests.adapters.slack.conftest import CHANNEL, FORM, SECRET, TEAM, block_action, sign
from tests.adapters.slack.fake_slack import BOT_TOKEN, FakeSlack, buttons, wait_until
from tests.adapters.slack.workspaces import User, Workspace

WHERE = seed.Place("slack", TEAM, CHANNEL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def with_members(fake: FakeSlack, members: list[str]) -> None:
    """The workspace knows every member (users.info answers their names)."""
    home = fake.workspaces[TEAM]
    users = {**home.users, **{m: User(f"Member {m[1:]}") for m in members}}
    fake.workspaces[TEAM] = Workspace(TEAM, users, home.channels)


async def the_post(fake: FakeSlack, proc: asyncio.subprocess.Process, prefix: str) -> dict:
    async def posted() -> dict[str, Any]:
        while True:
            for message in fake.called("chat.postMessage"):
                if any(a.startswith(prefix) for a in buttons(message)):
                    return message
            await asyncio.sleep(0.05)

    found = await first_of(proc, asyncio.create_task(asyncio.wait_for(posted(), 90)))
    assert isinstance(found, dict)
    return found


async def burst(
    scenario: str, members: int, latency_ms: float, spread: float, folder: Path
) -> Burst:
    fake = FakeSlack()
    fake.latency = latency_ms / 1000
    await fake.start()
    people = [f"U{i:08d}" for i in range(members)]
    with_members(fake, people)
    db = folder / "burst.sqlite3"
    seed.write_deck(folder / "questions")
    if scenario == "daily":
        await seed.seed_daily(db, WHERE)
        prefix = "daily.answer.0."
    else:
        await seed.seed_round(db, WHERE, [(p, f"Member {p[1:]}") for p in people])
        prefix = "compete.answer."
    port = free_port()
    env = {"QUIZBOT_PLATFORM": "slack", "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url,
           "QUIZBOT_SLACK_PORT": str(port)}  # fmt: skip
    try:
        async with bot_process(env, folder) as proc:
            post = await the_post(fake, proc, prefix)
            await asyncio.sleep(1.0)
            choices = [b for a, b in buttons(post).items() if a.startswith(prefix)]
            url = f"http://127.0.0.1:{port}/slack/events"
            latencies, cpu = await clicks(fake, proc.pid, url, choices, people, spread)
            await asyncio.sleep(1.0)
            count = seed.recorded(db, scenario)
    finally:
        await fake.close()
    failed = sum("could not" in json.dumps(r) for r in fake.responses)
    extra = {"latency_ms_per_rest_call": latency_ms, "replies": len(fake.responses),
             "error_replies": failed, "violations": len(fake.violations)}  # fmt: skip
    return Burst("slack", scenario, members, latencies, count, cpu, extra)


async def clicks(
    fake: FakeSlack, pid: int, url: str, choices: list[dict[str, Any]], people: list[str],
    spread: float,
) -> tuple[list[float | None], float]:  # fmt: skip
    """Every member clicks once at a uniformly spread moment; ms to the ack each, CPU s."""
    rng = random.Random(len(people))
    moments = sorted(rng.uniform(0, spread) for _ in people)
    latencies: list[float | None] = [None] * len(people)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(n: int, user: str) -> None:
            payload = block_action(fake, rng.choice(choices), user)
            body = urlencode({"payload": json.dumps(payload)})
            ts = str(int(time.time()))
            headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": ts,
                       "X-Slack-Signature": sign(body, ts)}  # fmt: skip
            began = time.perf_counter()
            try:
                async with http.post(url, data=body.encode(), headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        return
            except aiohttp.ClientError:
                return
            latencies[n] = (time.perf_counter() - began) * 1000

        cpu_before = cpu_seconds(pid)
        start = time.perf_counter()
        tasks = []
        for n, (at, user) in enumerate(zip(moments, people, strict=True)):
            delay = start + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, user)))
        await asyncio.gather(*tasks)
        with contextlib.suppress(AssertionError):  # the bot's work ends with its replies
            await wait_until(lambda: len(fake.responses) >= len(people))
    return latencies, cpu_seconds(pid) - cpu_before
