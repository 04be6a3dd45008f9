"""Daily quiz replies as Block Kit; all text is escaped mrkdwn, names are plain text."""

from __future__ import annotations

from collections.abc import Mapping

from bot.adapters.slack.kit import SECTION_TEXT, button_rows, label, literal
from bot.adapters.slack.names import shown
from bot.adapters.slack.render import (
    Message,
    button,
    context,
    mrkdwn,
    notice,
    section,
    sections,
)
from bot.app.daily import DailyAnswer, DailyPost, ScheduleView
from bot.core.daily import DailyResults

USAGE = (
    "Usage: `/quiz daily set HH:MM Area/City [deck] [questions] [close=HH:MM]`, `/quiz daily show`,"
    " `/quiz daily off`, `/quiz remind on|off`."
)


def schedule(view: ScheduleView) -> Message:
    s = view.schedule
    closes = f"closes at {s.close_at:%H:%M}" if s.close_at else "closes at the next post"
    text = (
        f"Daily quiz at {s.at:%H:%M} {mrkdwn(s.timezone, 64)}: {s.questions} questions from"
        f" {mrkdwn(view.deck_name, 200)}; {closes}."
        f" Next post: <!date^{int(view.next_post.timestamp())}^{{date_long}} {{time}}|"
        f"{view.next_post:%Y-%m-%d %H:%M} UTC>."
    )
    return {"text": text, "blocks": [section(text)]}


def post(p: DailyPost) -> Message:
    """Each question with its lettered options, then a row (or rows) of letter buttons.
    The options share the section's 3,000 characters, so every one of them is shown."""
    blocks = [section(f"*{mrkdwn(p.title, 200)} · {p.day.isoformat()}*")]
    for i, q in enumerate(p.questions):
        head = f"*Q{i + 1}.* {mrkdwn(q.question, 1000)}"
        each = min(300, (SECTION_TEXT - len(head)) // max(1, len(q.options)) - 8)
        options = [f"*{label(j)}*  {mrkdwn(o, each)}" for j, o in enumerate(q.options)]
        blocks.append(section("\n".join([head, *options])))
        choices = [
            button(f"Q{i + 1} · {label(j)}", f"daily.answer.{i}.{j}", f"{p.run_id}:{i}:{j}")
            for j in range(len(q.options))
        ]
        blocks += button_rows(choices, f"daily.{p.run_id}.{i}")
    blocks.append(context("One answer per question. Results when the quiz closes."))
    return {"text": f"Daily quiz {p.day.isoformat()}", "blocks": blocks}


def results(r: DailyResults, names: Mapping[str, str] | None = None) -> Message:
    """`names`: display names looked up for the top scorers (else the recorded ones)."""
    names = names or {}
    lines = [
        f"*Q{i + 1}.* {mrkdwn(q.question.question, 300)}\nAnswer: *{mrkdwn(q.question.answer, 300)}*"
        f" · {q.right}/{q.answered} right"
        for i, q in enumerate(r.questions)
    ]
    top = "\n".join(
        f"{i + 1}. {literal(names.get(s.user) or shown(s.name, s.user), 80)}: {s.correct} right"
        for i, s in enumerate(r.top)
    )
    blocks = [
        section(f"*Daily quiz results · {r.day.isoformat()}*"),
        *sections(lines),
        section("*Top scorers*\n" + (top or "Nobody got one right this time.")),
        context(f"{r.members} took part"),
    ]
    return {"text": f"Daily quiz results {r.day.isoformat()}", "blocks": blocks}


def outcome(a: DailyAnswer) -> Message:
    if a.status == "already":
        return notice("You already answered that question; your first answer counts.")
    if a.status == "closed":
        return notice("This daily quiz has closed; see the results in the channel.")
    if a.status == "unknown":
        return notice("That question is no longer available.")
    verdict = "Right!" if a.correct else "Not quite."
    return notice(f"Recorded for Q{a.question + 1}: {verdict} The answers come with the results.")


def reminder(due: int) -> Message:
    cards = "card is" if due == 1 else "cards are"
    return notice(f"{due} {cards} due for review. Use /quiz study to keep your streak.")
