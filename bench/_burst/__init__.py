"""The pieces of `bench/burst.py`: seeding the database, driving Discord and Slack, figures."""
