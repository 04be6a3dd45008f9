"""`quizbot`: run the bot (Discord, Slack or the console), import and validate decks, back up,
check health. Everything is built here, in `main()`, never at import time."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from bot.core.importers import ALIASES, FORMATS
from bot.core.models import Learner, Mode
from bot.process.settings import Settings

log = logging.getLogger("quizbot")

PLATFORMS = ("discord", "slack", "console")
IMPORT_FORMATS = (*FORMATS, *ALIASES)
NO_PLATFORM = (
    "quizbot: no platform to run: set DISCORD_TOKEN (Discord) or SLACK_BOT_TOKEN with "
    "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET (Slack), or QUIZBOT_PLATFORM; "
    "to study in a terminal run `quizbot console`"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quizbot", description=__doc__)
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser("run", help="run the bot (console when no token is set)")
    run.add_argument(
        "platform",
        nargs="?",
        choices=PLATFORMS,
        help="default: QUIZBOT_PLATFORM, else discord/slack when its token is set, else console",
    )

    console = commands.add_parser("console", help="study in the terminal, no token needed")
    add_console_options(console)

    validate = commands.add_parser("validate", help="check decks; exit 1 on any error")
    validate.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: QUIZBOT_QUESTIONS)"
    )
    validate.add_argument("--json", action="store_true", help="print one JSON object")

    imp = commands.add_parser(
        "import",
        help="turn notes, Obsidian, Quizlet, CSV/TSV, an Anki export or package into a YAML deck",
    )
    imp.add_argument("source", type=Path)
    imp.add_argument("--out", type=Path, help="write here instead of standard output")
    imp.add_argument(
        "--format",
        dest="fmt",
        choices=IMPORT_FORMATS,
        help="read the source as this format (default: by extension and content)",
    )

    backup = commands.add_parser(
        "backup", help="consistent copy of the database, safe while the bot runs"
    )
    backup.add_argument("dest", type=Path, help="file, or folder for a time-stamped file")

    commands.add_parser("health", help="exit 0 when the database and the running bot are healthy")

    forget = commands.add_parser(
        "forget", help="delete or anonymise every row about one person (a request by mail)"
    )
    forget.add_argument("--platform", required=True, choices=PLATFORMS)
    forget.add_argument("--user", required=True, help="their user id on that platform")

    purge = commands.add_parser(
        "purge-workspace", help="delete a server's or workspace's group data now"
    )
    purge.add_argument("--platform", required=True, choices=PLATFORMS)
    purge.add_argument("--workspace", required=True, help="Discord guild id or Slack team id")

    fit = commands.add_parser(
        "fit", help="fit FSRS parameters to each workspace's reviews; print default vs fitted"
    )
    fit.add_argument("--workspace", help="platform:workspace (default: every one with enough)")
    fit.add_argument(
        "--min-reviews", type=int, default=5000, help="fit only with this many reviews"
    )
    return parser


def add_console_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--deck", help="deck id (default: every deck)")
    parser.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.REVIEW.value)
    parser.add_argument("--user", default="me", help="whose progress (default: me)")
    parser.add_argument("--db", type=Path, help="database file (default: QUIZBOT_DB)")
    parser.add_argument("--questions", type=int, dest="limit", help="quiz length (quiz mode)")
    parser.add_argument("--at", help="pretend it is this UTC time (ISO 8601), to try spacing out")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = first.get("loc", ("?",))[0]
        from bot.process.log_setup import configure

        # The settings did not parse, but the log format is read alone so JSON mode stays JSON.
        json_mode = os.environ.get("QUIZBOT_LOG_FORMAT", "").strip().lower() == "json"
        configure("ERROR", "json" if json_mode else "bare")
        log.error("quizbot: setting %s: %s", str(name).upper(), first.get("msg"))
        return 2
    from bot.process.log_setup import configure

    command = args.command or "run"
    quiet = command in {
        "console",
        "validate",
        "import",
        "backup",
        "health",
        "forget",
        "purge-workspace",
        "fit",
    }
    level = settings.log_level if "QUIZBOT_LOG_LEVEL" in os.environ or not quiet else "WARNING"
    configure(level, settings.log_format, _secrets(settings))
    if command == "validate":
        from bot.process.deck_tools import run_validate

        return run_validate(args.paths, args.json, sys.stdout, default_dir=settings.questions)
    if command == "import":
        from bot.process.deck_tools import run_import

        return run_import(args.source, args.out, sys.stdout, fmt=args.fmt)
    if command == "backup":
        return asyncio.run(_backup(settings, args.dest))
    if command == "health":
        return asyncio.run(_health(settings))
    if command in {"forget", "purge-workspace"}:
        from bot.process.data_tools import run_forget, run_purge

        if command == "forget":
            return asyncio.run(run_forget(settings, args.platform, args.user, sys.stdout))
        return asyncio.run(run_purge(settings, args.platform, args.workspace, sys.stdout))
    if command == "console":
        return _run_console(settings, args)
    if command == "fit":
        from bot.process.fit_command import run_fit

        return asyncio.run(
            run_fit(settings, args.workspace, sys.stdout, min_reviews=args.min_reviews)
        )
    platform = (
        getattr(args, "platform", None) or settings.platform or _platform_from_tokens(settings)
    )
    if platform is None:
        print(NO_PLATFORM, file=sys.stderr)
        return 2
    if platform == "console":
        return _run_console(settings, build_parser().parse_args(["console"]))
    return _run_platform(platform, settings)


def _secrets(settings: Settings) -> list[str]:
    found = [
        settings.discord_token,
        settings.slack_bot_token,
        settings.slack_app_token,
        settings.slack_signing_secret,
        settings.slack_client_secret,
        settings.secret_key,
        settings.database_url,
    ]
    values = [s.get_secret_value() for s in found if s is not None]
    keys = [k.strip() for v in values if "," in v for k in v.split(",")]
    return values + keys + _database_password(settings)


def _database_password(settings: Settings) -> list[str]:
    """The PostgreSQL URL's password on its own too (as written and decoded): a driver's
    message may quote it without the rest of the URL."""
    if settings.database_url is None:
        return []
    password = urlsplit(settings.database_url.get_secret_value()).password or ""
    return [p for p in {password, unquote(password)} if p]


def _platform_from_tokens(settings: Settings) -> str | None:
    """Whichever platform has a token; the console only for a person at a terminal."""
    if settings.discord_token:
        return "discord"
    if settings.slack_bot_token or settings.slack_client_id:
        return "slack"
    return "console" if sys.stdin.isatty() else None


def _run_platform(platform: str, settings: Settings) -> int:
    if platform == "discord":
        from bot.process.platforms import run_discord as runner
    else:
        from bot.process.platforms import run_slack as runner
    from bot.adapters.errors import MissingSetting, TokenRefused
    from bot.process.runtime import serve

    try:
        asyncio.run(serve(runner(settings), settings.heartbeat_path))
    except MissingSetting as error:
        log.error("quizbot: %s", error)
        return 2
    except TokenRefused as error:
        log.error("quizbot: %s", error)
        return 1
    except Exception:
        # Through logging, so JSON mode stays one JSON object per line (traceback included).
        log.exception("quizbot stopped on an unexpected error")
        return 1
    return 0


def _run_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.adapters.console import Console
    from bot.core.ports import SystemClock
    from bot.process.bootstrap import build_service

    if args.db:
        settings = settings.model_copy(update={"db": args.db})
    clock = SystemClock()
    if args.at:
        at = datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        clock = _FixedClock(at if at.tzinfo else at.replace(tzinfo=UTC))

    async def session() -> int:
        service = await build_service(settings, clock=clock)
        try:
            console = Console(service, Learner("console", "local", args.user))
            return await console.run(Mode(args.mode), args.deck, args.limit)
        finally:
            await service.close()

    try:
        return asyncio.run(session())
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`quizbot console | head`); answers are saved
        return 0


class _FixedClock:
    """A clock that starts at a chosen time and runs on from there."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


async def _backup(settings: Settings, dest: Path) -> int:
    from bot.storage.sqlite import SqliteRepository

    if settings.database_url is not None:
        print(
            "quizbot: QUIZBOT_DATABASE_URL is set: back PostgreSQL up with pg_dump "
            "(or the server's own backups); `quizbot backup` copies the SQLite file",
            file=sys.stderr,
        )
        return 1
    if dest.is_dir():
        dest = dest / f"quizbot-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sqlite3"
    if not settings.db.exists():
        print(f"quizbot: no database at {settings.db}", file=sys.stderr)
        return 1
    repo = await SqliteRepository.open(settings.db)
    try:
        await repo.backup(dest)
    finally:
        await repo.close()
    print(f"backed up {settings.db} to {dest}")
    return 0


async def _health(settings: Settings) -> int:
    from bot.process.bootstrap import open_repository
    from bot.process.runtime import HEARTBEAT_STALE_SECONDS, heartbeat_age

    where = "PostgreSQL" if settings.database_url is not None else settings.db
    try:
        repo = await open_repository(settings)
        try:
            result = await repo.check()
        finally:
            await repo.close()
    except Exception as error:  # any failure to open is unhealthy, said in one line
        print(f"unhealthy: database {where}: {error}")
        return 1
    if result != "ok":
        print(f"unhealthy: database check says {result}")
        return 1
    age = heartbeat_age(settings.heartbeat_path)
    if age is not None and age > HEARTBEAT_STALE_SECONDS:
        print(f"unhealthy: bot heartbeat is {age:.0f}s old")
        return 1
    print("ok" + ("" if age is None else f" (heartbeat {age:.0f}s ago)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
