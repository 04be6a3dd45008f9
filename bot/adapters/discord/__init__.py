"""The Discord adapter: discord.py over the application layer.

No two modules here import each other; the arrows point one way:

    client ─> commands, daily, competition, people  (cogs: read the input, one service call, send)
    commands ─> flow ─> render ─> views ─> actions
    competition ─> render_competition ─> competition_items ─> actions
    daily ─> render_daily ─> render
    people ─> render_people ─> people_items ─> actions
    every sender ─> _replies ─> render

- `views.py`, `competition_items.py` and `people_items.py` hold the buttons and modals; they
  know only their custom-id format and the callback Protocols of `actions.py`.
- `flow.SessionFlow`, `competition.CompeteCog` and `people.PeopleCog` implement those
  Protocols; they know the application services.
- `render*.py` turn the services' replies into plain data (`render.Reply`: an embed, a view, a
  file) that the flow and the cogs send.
"""
