"""The Discord adapter: discord.py over the application layer.

No two modules here import each other; the arrows point one way:

    client ─> commands, daily, competition      (cogs: read the input, one service call, send)
    commands ─> flow ─> render ─> views ─> actions
    competition ─> render_competition ─> competition_items ─> actions
    daily ─> render_daily ─> render
    every sender ─> _replies ─> render

- `views.py` and `competition_items.py` hold the buttons and modals; they know only their
  custom-id format and the callback Protocols of `actions.py`.
- `flow.SessionFlow` and `competition.CompeteCog` implement those Protocols; they know the
  application services.
- `render*.py` turn the services' replies into plain data (`render.Reply`: an embed, a view, a
  file) that the flow and the cogs send.
"""
