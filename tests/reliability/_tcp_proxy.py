"""A test-only TCP proxy on 127.0.0.1 in front of PostgreSQL, which a test cuts and restores.

The real server keeps running (other work uses it): an outage is the proxy dropping every
link and refusing new ones. `hold()` first stops forwarding what clients send, so the
statements in flight at the cut are known to be in flight (their reply can never come).
"""

from __future__ import annotations

import asyncio
import contextlib


class PgProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.up = True
        self.holding = False
        self.held = asyncio.Event()
        """Set once something a client sent was held back (a statement is in flight)."""
        self._links: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def hold(self) -> None:
        """Keep what clients send from here on: the statements sent are in flight for good."""
        self.holding = True

    def cut(self) -> None:
        """The outage: every open link is dropped, every new one closed at once."""
        self.up = False
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    def restore(self) -> None:
        self.up, self.holding = True, False
        self.held.clear()

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._links |= {writer, up_writer}
        await asyncio.gather(
            self._pipe(reader, up_writer, upstream=True),
            self._pipe(up_reader, writer, upstream=False),
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                if upstream and self.holding:
                    self.held.set()
                    continue
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._links.discard(writer)
            with contextlib.suppress(Exception):
                writer.transport.abort()
