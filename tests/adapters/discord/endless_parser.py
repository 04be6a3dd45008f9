"""A hostile upload as the parsing child sees it: it reads the request, then spins on the CPU
forever. `UploadParser(program="tests.adapters.discord.endless_parser")` runs it, so the e2e
test proves the bot keeps answering while a parse runs and cuts it off at its budget."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    sys.stdin.buffer.read()
    while True:
        pass
