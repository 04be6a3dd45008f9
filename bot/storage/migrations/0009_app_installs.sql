-- Chat app installations (bot/storage/installs.py): Slack's distribution model, where every
-- workspace that installs the app hands the bot its own token. One row per workspace (or
-- organisation, workspace ''), the latest install. `secrets` and `user_secrets` are sealed by
-- the adapter (Fernet, keyed by QUIZBOT_SECRET_KEY): this table never holds a usable token.
CREATE TABLE app_installs (
    platform           TEXT NOT NULL,
    enterprise         TEXT NOT NULL DEFAULT '',
    workspace          TEXT NOT NULL DEFAULT '',
    installed_by       TEXT NOT NULL DEFAULT '',   -- user id; '' once they asked to be forgotten
    enterprise_install INTEGER NOT NULL DEFAULT 0,
    installed_at       TEXT NOT NULL,
    details            TEXT NOT NULL DEFAULT '{}', -- JSON: app id, bot user, scopes, expiry
    secrets            TEXT NOT NULL,              -- sealed: bot token, refresh token
    user_secrets       TEXT,                       -- sealed: the installer's token, if any
    PRIMARY KEY (platform, enterprise, workspace)
) WITHOUT ROWID;

-- The `state` of each install in progress: single-use, and refused once expired.
CREATE TABLE oauth_states (
    state      TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
