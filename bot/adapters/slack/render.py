"""Block Kit for every reply: the only place Slack messages, modals and the Home tab are built.

Deck text and user input are untrusted: every piece of it that lands in mrkdwn goes through
`escape` (Slack's rules: `&`, `<`, `>`), so `<!channel>` or `<@U123>` in a card shows as text
and pings nobody. plain_text fields (buttons, titles) are never parsed for mentions. Slack's
size limits are applied here too, so a long card cannot make a message fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.adapters.slack import ids, kit
from bot.adapters.slack.kit import (  # re-exported: the other render modules build from these
    Block,
    actions,
    button,
    context,
    literal,
    mrkdwn,
    section,
    sections,
)
from bot.adapters.slack.kit import (
    escape as escape,
)
from bot.adapters.slack.names import FALLBACK
from bot.core.models import Feedback, Format, Mode, Period, Question, Rating, SessionSummary
from bot.core.reports import DeckSummary, Leaderboard, Stats
from bot.core.timefmt import NOT_SCHEDULED, until

Message = dict[str, Any]

MORE_DECKS = "More decks than fit here: `/quiz decks` lists them all."
HELP = "\n".join(
    [
        "*quizbot* — spaced-repetition study in Slack",
        "`/quiz study [deck]` — review what is due, then new cards",
        "`/quiz missed [deck]` — retry what you got wrong last session",
        "`/quiz go [deck] [n]` — quick multiple-choice quiz of n questions (1-25, default 10)",
        "`/quiz leaderboard [day|week|all|competitions] [deck]` — post the leaderboard here",
        "`/quiz stats` — your progress, with a chart sent to you directly",
        "`/quiz decks` — the decks you can study",
        "`/quiz deck list` — this workspace's own decks and the bundled ones;"
        " `/quiz deck export <deck>` sends one to you as a YAML file",
        "`/quiz deck import` — bring your own deck (Anki .apkg/.colpkg, Obsidian or notes"
        " .md/.txt, Quizlet or CSV/TSV, YAML, or pasted cards) or `/quiz deck import <code>`"
        " a deck another workspace shared; `/quiz deck add|remove|share <deck>`"
        " (workspace admins)",
        "`/quiz compete start [deck] [rounds] [seconds] [teams]` — a live competition here;"
        " `/quiz compete stop` ends it (starter or admins)",
        "`/quiz daily set HH:MM Area/City [deck] [questions] [close=HH:MM]` — a daily quiz here"
        " (admins or the channel's creator); `/quiz daily show|off`",
        "`/quiz remind on|off [Area/City]` — a direct message when you have cards due, at most"
        " once a day; the zone is where your days (and streak) begin",
        "`/quiz my-data` — a file of everything quizbot stores about you, sent to you directly",
        "`/quiz forget-me` — delete everything quizbot stores about you (asks first)",
        "`/quiz help` — this help",
    ]
)
_RATING_STYLE = {Rating.AGAIN: "danger", Rating.GOOD: "primary"}
_PERIOD_TITLE = {Period.DAY: "today", Period.WEEK: "this week", Period.ALL: "all time"}
_REASON = {
    "complete": "Quiz complete!",
    "done": "That's everything for now: nothing else is due.",
    "stopped": "Session stopped.",
    "ended": "This session had already ended.",
}


def notice(text: str) -> Message:
    """A one-line message (an error from the service, a usage hint): text is escaped here."""
    safe = mrkdwn(text)
    return {"text": safe, "blocks": [section(safe)]}


def help_message() -> Message:
    return {"text": "quizbot help", "blocks": [section(HELP)]}


# --- study -----------------------------------------------------------------------------------


def _heading(q: Question) -> Block:
    where = f"{q.position} of {q.total}" if q.total else f"card {q.position}"
    parts = [f"*{mrkdwn(q.deck_name, 200)}*", where, q.format.value]
    if q.is_new:
        parts.append("new")
    return context(" · ".join(parts))


def _question_blocks(q: Question, picture: str | None = None) -> list[Block]:
    """The heading, the question and its picture: an https image by URL, a picture stored
    with the deck by the id of its upload (`picture`); a `media:` name is never a URL."""
    blocks = [_heading(q), section("*" + mrkdwn(q.card.question, 2900) + "*")]
    if picture is not None:
        blocks.append({"type": "image", "slack_file": {"id": picture}, "alt_text": "card image"})
    elif q.card.image and q.card.image.startswith("https://"):
        blocks.append({"type": "image", "image_url": q.card.image, "alt_text": "card image"})
    return blocks


def _tail(q: Question) -> list[Block]:
    """Skip and Stop, below every unanswered question."""
    v = ids.value(q.session_id, q.turn)
    return [button("Skip", ids.SKIP, v), button("Stop", ids.STOP, v)]


def question(q: Question, note: str | None = None, picture: str | None = None) -> Message:
    """A question with the controls for its format; `picture` is the card's uploaded file id."""
    blocks = _question_blocks(q, picture)
    if note:
        blocks.insert(0, context(mrkdwn(note)))
    v = ids.value(q.session_id, q.turn)
    if q.format is Format.CHOICE:
        labels = [f"{i + 1}. {' '.join(o.split())}" for i, o in enumerate(q.options)]
        choices = [
            button(label, f"{ids.CHOICE}.{i}", ids.value(q.session_id, q.turn, i))
            for i, label in enumerate(labels)
        ]
        blocks += kit.option_rows(labels, choices, "options")
        blocks.append(actions(*_tail(q)))
    elif q.format is Format.TYPED:
        blocks.append(actions(button("Type answer", ids.TYPE, v, "primary"), *_tail(q)))
    else:
        blocks.append(actions(button("Show answer", ids.SHOW, v, "primary"), *_tail(q)))
    return {"text": mrkdwn(q.card.question, 300), "blocks": blocks}


def revealed(q: Question, picture: str | None = None) -> Message:
    """A flashcard with its answer shown and the four self-ratings."""
    blocks = _question_blocks(q, picture)
    blocks.append(section("*Answer:*\n" + mrkdwn(q.card.answer, 2900)))
    blocks.append(context("How well did you remember it?"))
    blocks.append(
        actions(
            *(
                button(
                    r.name.title(),
                    f"{ids.RATE}.{int(r)}",
                    ids.value(q.session_id, q.turn, int(r)),
                    _RATING_STYLE.get(r),
                )
                for r in Rating
            ),
            button("Stop", ids.STOP, ids.value(q.session_id, q.turn)),
        )
    )
    return {"text": mrkdwn(q.card.question, 300), "blocks": blocks}


def typed_modal(q: Question, metadata: str) -> dict[str, Any]:
    """The modal "Type answer" opens; `metadata` says where the feedback goes afterwards."""
    return {
        "type": "modal",
        "callback_id": ids.TYPED_VIEW,
        "private_metadata": metadata,
        "title": kit.plain("Type your answer", 24),
        "submit": kit.plain("Check", 24),
        "close": kit.plain("Cancel", 24),
        "blocks": [
            section("*" + mrkdwn(q.card.question, 2900) + "*"),
            {
                "type": "input",
                "block_id": ids.TYPED_BLOCK,
                "label": kit.plain("Your answer", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.TYPED_INPUT,
                    "max_length": 500,
                },
            },
        ],
    }


def date_token(when: datetime) -> str:
    """A date Slack shows in the reader's own time zone, with a UTC fallback."""
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def feedback(f: Feedback, now: datetime, *, self_rated: bool = False) -> Message:
    """Right or wrong, the answer, when the card comes back; then Next and Stop."""
    if self_rated:
        verdict = f"Rated *{f.rating.name.title()}*."
    else:
        verdict = "✅ *Right!*" if f.correct else "❌ *Not quite.*"
    lines = [verdict]
    if f.given and not self_rated:  # shown as typed: `*x*` stays `*x*`, nothing pings
        lines.append("You answered: " + literal(f.given, 500))
    lines.append("*Answer:*\n" + mrkdwn(f.card.answer, 2000))
    blocks = [section("\n".join(lines))]
    if f.next_due is None:
        due = f"Next review: {NOT_SCHEDULED}"
    else:
        due = f"Next review {until(f.next_due, now)} ({date_token(f.next_due)})"
    extra = f" · +{f.points} points" if f.points else ""
    blocks.append(context(due + extra + (" · already recorded" if f.duplicate else "")))
    v = ids.value(f.session_id, f.turn)
    blocks.append(actions(button("Next", ids.NEXT, v, "primary"), button("Stop", ids.STOP, v)))
    return {"text": verdict, "blocks": blocks}


def step(
    item: Question | SessionSummary, note: str | None = None, picture: str | None = None
) -> Message:
    """What the service gave next: a question, or the summary when the session is over."""
    return question(item, note, picture) if isinstance(item, Question) else summary(item)


def summary(s: SessionSummary) -> Message:
    head = _REASON.get(s.reason, "Session over.")
    if s.mode is Mode.MISSED and s.reason == "done" and not s.answered:
        head = "Nothing to retry: you missed no cards last session."
    lines = [f"*{head}*"]
    if s.answered:
        lines.append(f"{s.correct} of {s.answered} right ({s.accuracy:.0%}) · {s.points} points")
    if s.missed:
        lines.append("*To look at again:*")
        lines.extend("• " + mrkdwn(card.question, 200) for card in s.missed[:10])
        lines.append("Retry them with `/quiz missed`.")
    return {"text": head, "blocks": [section("\n".join(lines))]}


# --- boards, stats, decks, home --------------------------------------------------------------


def leaderboard(board: Leaderboard, names: Mapping[str, str], title: str | None = None) -> Message:
    """Ranks with display names as plain (escaped) text: a channel post must ping nobody."""
    scope = f" · `{mrkdwn(board.deck_id, 100)}`" if board.deck_id else ""
    head = f"*Leaderboard · {_PERIOD_TITLE[board.period]}*{scope}"
    lines = [literal(title, 300)] if title else []
    lines.append(head)
    if not board.entries:
        lines.append("No answers yet. Be the first: `/quiz go`")
    for e in board.entries:
        name = literal(names.get(e.user) or FALLBACK, 80)
        lines.append(f"{e.rank}. *{name}* — {e.points} pts ({e.correct}/{e.answers} right)")
    if board.caller and all(e.user != board.caller.user for e in board.entries):
        c = board.caller
        lines.append(f"…\n{c.rank}. you — {c.points} pts")
    return {"text": "Leaderboard", "blocks": sections(lines)}


def quiz_done_title(name: str, s: SessionSummary) -> str:
    """The line above the board when someone finishes a quick quiz (name is escaped later)."""
    return f"{name} finished a quick quiz: {s.correct}/{s.answered} right, {s.points} points."


def _stats_lines(stats: Stats) -> list[str]:
    lines = [
        f"*Reviews:* {stats.reviews} · *right:* {stats.accuracy:.0%} · "
        f"*streak:* {stats.streak_days} day{'' if stats.streak_days == 1 else 's'}",
        f"*Due now:* {stats.due_now} · *today:* {stats.due_today} · *this week:* {stats.due_week}",
    ]
    if stats.rank is not None:
        r = stats.rank
        lines.append(f"*This workspace:* #{r.rank} · {r.points} points · {r.answers} answers")
    return lines


def _deck_lines(stats: Stats) -> list[str]:
    return [
        f"• *{literal(d.deck_name, 100)}* — {d.seen}/{d.total} seen, {d.mature} mature, {d.due} due"
        for d in stats.decks
    ]


def stats_message(stats: Stats) -> Message:
    blocks = [section("\n".join(["*Your progress*", *_stats_lines(stats)]))]
    blocks += sections(_deck_lines(stats))
    blocks = kit.fit(blocks, kit.MESSAGE_BLOCKS - 1, MORE_DECKS)
    blocks.append(context("Your 30-day chart is on its way in a direct message."))
    return {"text": "Your progress", "blocks": blocks}


def decks_message(decks: Sequence[DeckSummary]) -> Message:
    if not decks:
        return notice("No decks are loaded yet.")
    lines = [f"• `{mrkdwn(d.id, 100)}` — {literal(d.name, 150)} ({d.cards} cards)" for d in decks]
    blocks = [section("*Decks* (use the id in `/quiz study <deck>`)"), *sections(lines)]
    more = f"{len(decks)} decks in all; too many to list in one message."
    return {"text": "Decks", "blocks": kit.fit(blocks, kit.MESSAGE_BLOCKS, more)}


def home_view(stats: Stats) -> dict[str, Any]:
    """The App Home tab: the learner's numbers and what is due, refreshed on every visit."""
    blocks: list[Block] = [
        {"type": "header", "text": kit.plain("Your study", 150)},
        section("\n".join(_stats_lines(stats))),
        {"type": "divider"},
    ]
    decks = _deck_lines(stats)
    blocks += sections(decks) if decks else [section("No decks are loaded yet.")]
    blocks = kit.fit(blocks, kit.SURFACE_BLOCKS - 1, MORE_DECKS)
    blocks.append(context("Study with `/quiz study`, a quick quiz with `/quiz go`."))
    return {"type": "home", "blocks": blocks}
