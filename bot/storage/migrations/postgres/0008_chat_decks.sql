-- Decks imported in chat, as ../0008_chat_decks.sql (bot/storage/postgres/chat_decks.py). A
-- chat deck belongs to the workspace that imported it: its id is its slug plus a short tag of
-- that workspace (`biology@3f9a1c`), unique across every workspace; importing the same slug
-- again in the same workspace replaces the row and keeps the id, so card ids survive.
CREATE TABLE chat_decks (
    id          TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',    -- JSON list of the deck's tags
    cards       TEXT NOT NULL,                 -- JSON list, one object per card, every Card field
    warnings    TEXT NOT NULL DEFAULT '[]',    -- JSON list of [line, message] from the import
    source      TEXT NOT NULL,                 -- the file name (or paste, share code) it came from
    imported_by TEXT NOT NULL,                 -- user id; '' once that person asked to be forgotten
    imported_at TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (platform, workspace, slug)
);

-- Pictures a chat deck's cards name as `media:<name>`, kept apart so listing and studying never
-- read the bytes.
CREATE TABLE chat_deck_media (
    deck_id   TEXT NOT NULL REFERENCES chat_decks (id) ON DELETE CASCADE,
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    name      TEXT NOT NULL,
    mime      TEXT NOT NULL,
    content   BYTEA NOT NULL,                -- the picture's bytes
    PRIMARY KEY (deck_id, name)
);

CREATE INDEX chat_deck_media_workspace ON chat_deck_media (platform, workspace);

-- Share codes: a random, unguessable code another workspace's admin imports a copy with.
-- One code per deck; it dies with the deck.
CREATE TABLE chat_deck_shares (
    code       TEXT PRIMARY KEY,
    deck_id    TEXT NOT NULL UNIQUE REFERENCES chat_decks (id) ON DELETE CASCADE,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX chat_deck_shares_workspace ON chat_deck_shares (platform, workspace);
