"""Serve the test suite's fake Discord (REST + gateway) on 127.0.0.1 for .ci/docker-check.

    python .ci/docker/fake_discord.py --port-file PATH   (run from the repository root)

Writes the port it listens on to PATH once it accepts connections, logs when a bot identifies
and what it calls, and stops on SIGTERM or SIGINT. The container reaches it with
`--network host`, DISCORD_API_URL=http://127.0.0.1:PORT/api/v10 and
DISCORD_GATEWAY_URL=ws://127.0.0.1:PORT/gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.adapters.discord.fake_discord import FakeDiscord


async def serve(port_file: Path | None) -> None:
    fake = FakeDiscord()
    await fake.start()
    print(f"fake discord: listening, api {fake.api_url}, gateway {fake.gateway_url}", flush=True)
    if port_file is not None:
        tmp = port_file.with_name(port_file.name + ".tmp")
        tmp.write_text(f"{fake.port}\n")
        tmp.replace(port_file)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def report_identify() -> None:
        while not stop.is_set():
            await fake.identified.wait()
            synced = {scope: len(commands) for scope, commands in fake.synced.items()}
            print(f"fake discord: a bot identified; commands synced so far: {synced}", flush=True)
            fake.identified.clear()

    reporter = asyncio.create_task(report_identify())
    await stop.wait()
    reporter.cancel()
    await fake.close()
    print(f"fake discord: stopped after {len(fake.calls)} recorded calls", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-file", type=Path, help="write the port here when listening")
    args = parser.parse_args()
    asyncio.run(serve(args.port_file))


if __name__ == "__main__":
    main()
