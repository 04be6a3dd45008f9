"""`/quiz` text -> a Command. The text is whatever the user typed: bounded, split, checked."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import Mode, Period

MAX_TEXT = 300
"""Longer input is cut before parsing; no deck id or argument list needs more."""
QUIZ_MIN, QUIZ_MAX, QUIZ_DEFAULT = 1, 25, 10

SUBCOMMANDS = ("study", "missed", "go", "leaderboard", "stats", "decks", "help")
_PERIODS = frozenset(p.value for p in Period)


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed subcommand; `problem` is a message for the user when the arguments are wrong."""

    name: str
    mode: Mode | None = None
    deck: str | None = None
    count: int | None = None
    period: Period = Period.ALL
    problem: str | None = None


def parse(text: str | None) -> Command:
    """Unknown or empty subcommands become `help`; bad arguments carry a `problem`."""
    words = (text or "")[:MAX_TEXT].split()
    if not words or words[0].lower() not in SUBCOMMANDS:
        return Command("help")
    name, args = words[0].lower(), words[1:]
    if name in ("study", "missed"):
        mode = Mode.REVIEW if name == "study" else Mode.MISSED
        return _too_many(name, args, 1) or Command(name, mode=mode, deck=_first(args))
    if name == "go":
        return _quiz(args)
    if name == "leaderboard":
        return _leaderboard(args)
    return _too_many(name, args, 0) or Command(name)


def _first(args: list[str]) -> str | None:
    return args[0] if args else None


def _too_many(name: str, args: list[str], most: int) -> Command | None:
    if len(args) <= most:
        return None
    return Command(name, problem=f"Too many arguments for `{name}`. Try `/quiz help`.")


def _quiz(args: list[str]) -> Command:
    """`go [deck] [n]`: a lone number is the count, not a deck."""
    deck, count = None, QUIZ_DEFAULT
    rest = list(args)
    if rest and rest[-1].lstrip("-").isdigit():
        number = rest.pop()
        if not number.isdigit() or not QUIZ_MIN <= int(number) <= QUIZ_MAX:
            return Command("go", problem=f"A quick quiz has {QUIZ_MIN} to {QUIZ_MAX} questions.")
        count = int(number)
    if len(rest) > 1:
        return Command("go", problem="Usage: `/quiz go [deck] [number of questions]`.")
    deck = _first(rest)
    return Command("go", mode=Mode.QUIZ, deck=deck, count=count)


def _leaderboard(args: list[str]) -> Command:
    """`leaderboard [day|week|all] [deck]`, in either order."""
    period, deck = Period.ALL, None
    for arg in args:
        lowered = arg.lower()
        if lowered in _PERIODS:
            period = Period(lowered)
        elif deck is None:
            deck = arg
        else:
            return Command(
                "leaderboard", problem="Usage: `/quiz leaderboard [day|week|all] [deck]`."
            )
    return Command("leaderboard", period=period, deck=deck)
