"""The PostgreSQL back-end (asyncpg): the same Repository and feature stores as SQLite, for
several bot processes sharing one database. Its migrations are `../migrations/postgres/`."""

from bot.storage.postgres.repository import PostgresRepository

__all__ = ["PostgresRepository"]
