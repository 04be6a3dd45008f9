"""Daily quiz replies as Discord embeds and buttons; names are plain text, never mentions."""

from __future__ import annotations

import re

import discord

from bot.adapters.discord import limits
from bot.adapters.discord.limits import LETTERS, count, join_lines, safe
from bot.adapters.discord.render import BLURPLE, GREEN
from bot.app.daily import DailyAnswer, DailyPost, ScheduleView
from bot.core.daily import DailyResults

MEDALS = ("1.", "2.", "3.", "4.", "5.")


class DailyButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"qb:daily:(?P<run>\d{1,12}):(?P<q>\d{1,2}):(?P<opt>\d{1,3})",
):
    """One option of one daily question; the id alone says what it answers, across restarts."""

    def __init__(
        self, run_id: int, question: int, option: int, letter: str = "?", row: int = 0
    ) -> None:
        self.run_id, self.question, self.option = run_id, question, option
        custom_id = f"qb:daily:{run_id}:{question}:{option}"
        label = f"Q{question + 1} · {letter}"
        super().__init__(limits.button(label, custom_id, discord.ButtonStyle.secondary, row))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> DailyButton:
        return cls(int(match["run"]), int(match["q"]), int(match["opt"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        cog = interaction.client.get_cog("Daily")  # type: ignore[attr-defined]
        await cog.answer(interaction, self.run_id, self.question, self.option)


def schedule(view: ScheduleView) -> discord.Embed:
    s = view.schedule
    embed = discord.Embed(title="Daily quiz", color=BLURPLE)
    embed.description = (
        f"<#{s.channel}> at {s.at:%H:%M} {limits.name(s.timezone, 64)}: {count(s.questions, 'question')}"
        f" from {limits.name(view.deck_name, 200)}."
        f"\nNext post: {discord.utils.format_dt(view.next_post, 'F')}"
        + (f"\nCloses at {s.close_at:%H:%M}." if s.close_at else "\nCloses at the next post.")
    )
    return embed


FOOTER = "One answer per question. Results when the quiz closes."


def post(p: DailyPost) -> tuple[list[discord.Embed], discord.ui.View]:
    """One embed per question and its options as buttons, each question on its own row(s).

    The 25 buttons and 5 rows of a message are shared out between the questions (5 questions:
    5 options each), the right answer always among those shown; the embeds share the 6,000
    characters, so long cards are shortened rather than refused.
    """
    embeds = []
    view = discord.ui.View(timeout=None)
    n = max(1, len(p.questions))
    rows_each = max(1, limits.ROWS // n)
    author = f"{safe(p.title, 200)} · {p.day.isoformat()}"
    budget = (limits.EMBED_TOTAL - len(author) - len(FOOTER)) // n
    for i, q in enumerate(p.questions):
        shown = limits.shown_options(len(q.options), q.correct, rows_each * limits.ROW_WIDTH)
        title = f"Q{i + 1}. {safe(q.question, min(250, budget // 3))}"
        room = (budget - len(title)) // len(shown) - 8
        lines = [
            f"**{LETTERS[k]}**  {safe(q.options[j], min(300, room))}" for k, j in enumerate(shown)
        ]
        embed = discord.Embed(title=title, color=BLURPLE)
        embed.description = "\n".join(lines)
        embeds.append(embed)
        for k, j in enumerate(shown):
            row = i * rows_each + k // limits.ROW_WIDTH
            view.add_item(DailyButton(p.run_id, i, j, LETTERS[k], row))
    embeds[0].set_author(name=author)
    embeds[-1].set_footer(text=FOOTER)
    return embeds, view


def results(r: DailyResults) -> discord.Embed:
    embed = discord.Embed(title=f"Daily quiz results · {r.day.isoformat()}", color=GREEN)
    lines = [
        f"**Q{i + 1}.** {safe(q.question.question, 200)}\n"
        f"Answer: **{limits.name(q.question.answer, 200)}** · {q.right}/{q.answered} right"
        for i, q in enumerate(r.questions)
    ]
    embed.description = join_lines(lines, 4000)
    top = join_lines(
        [f"{MEDALS[i]} {limits.name(s.name)}: {s.correct} right" for i, s in enumerate(r.top)],
        limits.FIELD_VALUE,
    )
    embed.add_field(name="Top scorers", value=top or "Nobody got one right this time.")
    embed.set_footer(text=f"{r.members} took part")
    return embed


def outcome(a: DailyAnswer) -> str:
    if a.status == "already":
        return "You already answered that question; your first answer counts."
    if a.status == "closed":
        return "This daily quiz has closed; see the results in the channel."
    if a.status == "unknown":
        return "That question is no longer available."
    verdict = "Right!" if a.correct else "Not quite."
    return f"Recorded for Q{a.question + 1}: {verdict} The answers come with the results."


def reminder(due: int) -> str:
    cards = "card is" if due == 1 else "cards are"
    return f"{due} {cards} due for review. Use /study to keep your streak."
