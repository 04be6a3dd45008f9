"""The burst on Discord: `quizbot run discord` in a subprocess against the fake Discord.

Each member's click is an INTERACTION_CREATE on the gateway; its latency runs from the moment
the fake sends it to the moment the bot's interaction response reaches the fake (REST latency
included, both ways paid once: the gateway's and the callback's). The fake keeps answering
after Discord's 3 s so a late answer is still measured (and counted late).
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

from bench._burst import seed
from bench._burst.figures import Burst, cpu_seconds
from bench._burst.process import bot_process, first_of
from tests.adapters.discord.fake_discord import CHANNEL_ID, GUILD_ID, Call, FakeDiscord

WHERE = seed.Place("discord", GUILD_ID, CHANNEL_ID)


def member(i: int) -> dict[str, object]:
    uid = str(800000000000000000 + i)
    return {"id": uid, "username": f"m{i}", "discriminator": "0", "avatar": None,
            "global_name": f"Member {i}"}  # fmt: skip


def env_for(fake: FakeDiscord) -> dict[str, str]:
    return {
        "QUIZBOT_PLATFORM": "discord",
        "DISCORD_TOKEN": "fake-token",
        "DISCORD_GUILD_IDS": GUILD_ID,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }


async def the_post(fake: FakeDiscord, proc: asyncio.subprocess.Process, prefix: str) -> Call:
    """The channel message whose buttons start with `prefix`, once the bot has posted it."""

    def posted(c: Call) -> bool:
        return c.kind == "channel" and any(i.startswith(prefix) for i in c.custom_ids)

    found = await first_of(proc, asyncio.create_task(fake.wait_for(posted, within=90)))
    assert isinstance(found, Call)
    return found


async def burst(
    scenario: str, members: int, latency_ms: float, spread: float, folder: Path
) -> Burst:
    fake = FakeDiscord()
    fake.latency = latency_ms / 1000
    fake.response_window = 600.0  # measure late answers too; `late` counts them
    await fake.start()
    db = folder / "burst.sqlite3"
    seed.write_deck(folder / "questions")
    people = [member(i) for i in range(members)]
    if scenario == "daily":
        await seed.seed_daily(db, WHERE)
        prefix = "qb:daily:"
    else:
        names = [(str(p["id"]), str(p["global_name"])) for p in people]
        await seed.seed_round(db, WHERE, names)
        prefix = "qb:ca:"
    try:
        async with bot_process(env_for(fake), folder) as proc:
            post = await the_post(fake, proc, prefix)
            await asyncio.sleep(1.0)  # let start-up work (command sync, refits) settle
            buttons = sorted(i for i in post.custom_ids if i.startswith(prefix))
            if scenario == "daily":
                buttons = [b for b in buttons if b.split(":")[3] == "0"]  # question 1
            latencies, cpu = await clicks(fake, proc.pid, post, buttons, people, spread)
            await asyncio.sleep(0.5)
            count = seed.recorded(db, scenario)
    finally:
        await fake.close()
    texts = [c.text for c in fake.calls if c.kind == "callback"]
    failed = sum("could not" in t or "went wrong" in t for t in texts)
    extra = {"latency_ms_per_rest_call": latency_ms, "error_replies": failed,
             "refused": len(fake.refused), "violations": len(fake.violations)}  # fmt: skip
    return Burst("discord", scenario, members, latencies, count, cpu, extra)


async def clicks(
    fake: FakeDiscord, pid: int, post: Call, buttons: list[str], people: list[dict[str, object]],
    spread: float,
) -> tuple[list[float | None], float]:  # fmt: skip
    """Every member clicks once at a uniformly spread moment (open loop); ms each, CPU s."""
    rng = random.Random(len(people))
    moments = sorted(rng.uniform(0, spread) for _ in people)
    latencies: list[float | None] = [None] * len(people)

    async def one(n: int, person: dict[str, object]) -> None:
        began = time.perf_counter()
        try:
            call = await fake.click(post, rng.choice(buttons), user=person, within=120)
        except Exception:
            return
        latencies[n] = (call.at - began) * 1000

    cpu_before = cpu_seconds(pid)
    start = time.perf_counter()
    tasks = []
    for n, (at, person) in enumerate(zip(moments, people, strict=True)):
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, person)))
    await asyncio.gather(*tasks)
    return latencies, cpu_seconds(pid) - cpu_before
