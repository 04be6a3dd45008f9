"""The Discord adapter: discord.py over the application layer.

No two modules here import each other; the arrows point one way:

    client ─> commands, decks, daily, competition, people  (cogs: read the input, one call, send)
    commands ─> flow ─> render ─> views ─> actions
    decks ─> render_decks ─> deck_items ─> actions;  decks, render_decks ─> _download
    competition ─> render_competition ─> competition_items ─> actions
    daily ─> render_daily ─> render
    people ─> render_people ─> people_items ─> actions
    every sender ─> _replies ─> render

- `views.py`, `competition_items.py`, `people_items.py` and `deck_items.py` hold the buttons
  and modals; they know only their custom-id format and the callback Protocols of `actions.py`.
- `flow.SessionFlow`, `competition.CompeteCog`, `people.PeopleCog` and `decks.DeckCog`
  implement those Protocols; they know the application services.
- `render*.py` turn the services' replies into plain data (`render.Reply`: an embed, a view, a
  file) that the flow and the cogs send.
"""
