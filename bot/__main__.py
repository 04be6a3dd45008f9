"""`python -m bot` is the `quizbot` command (see bot/process/cli.py)."""

import sys

from bot.process.cli import main

if __name__ == "__main__":
    sys.exit(main())
