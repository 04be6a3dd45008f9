"""The study use case: sessions, answers, leaderboards, stats and deck reloads.

`QuizService` is the front door every adapter calls; the modules starting with `_` are its
helpers (session cache and locks, card choice per mode, SQL-side next-card picks, stats
gathering) and nothing outside this package imports them.
"""

from bot.app.study.service import QUIZ_DEFAULT_LENGTH, QUIZ_MAX_LENGTH, QuizService

__all__ = ["QUIZ_DEFAULT_LENGTH", "QUIZ_MAX_LENGTH", "QuizService"]
