-- Chat app installations, as ../0009_app_installs.sql (bot/storage/postgres/installs.py). One
-- row per workspace (or organisation, workspace ''), the latest install. `secrets` and
-- `user_secrets` are sealed by the adapter (Fernet, keyed by QUIZBOT_SECRET_KEY).
CREATE TABLE app_installs (
    platform           TEXT NOT NULL,
    enterprise         TEXT NOT NULL DEFAULT '',
    workspace          TEXT NOT NULL DEFAULT '',
    installed_by       TEXT NOT NULL DEFAULT '',   -- user id; '' once they asked to be forgotten
    enterprise_install BOOLEAN NOT NULL DEFAULT FALSE,
    installed_at       TIMESTAMPTZ NOT NULL,
    details            TEXT NOT NULL DEFAULT '{}', -- JSON: app id, bot user, scopes, expiry
    secrets            TEXT NOT NULL,              -- sealed: bot token, refresh token
    user_secrets       TEXT,                       -- sealed: the installer's token, if any
    PRIMARY KEY (platform, enterprise, workspace)
);

-- The `state` of each install in progress: single-use, and refused once expired.
CREATE TABLE oauth_states (
    state      TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
