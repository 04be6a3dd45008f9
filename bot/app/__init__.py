"""The application layer: one front-door class per use case, between the adapters and the core.

- `bot.app.study.QuizService`: study sessions, quizzes, answers, boards, stats, deck reloads.
- `bot.app.daily.DailyService`: a channel's daily quiz, posted and closed on schedule.
- `bot.app.competitions.CompetitionService`: live competitions with timed rounds and teams.

Adapters call these; these call the pure core and the repositories. Nothing here imports an
adapter or a chat library (ruff's banned-api rules in pyproject.toml enforce it).
"""
