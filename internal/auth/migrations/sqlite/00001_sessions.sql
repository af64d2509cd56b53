-- +goose Up
-- Server-side sessions of citizens and staff. Only a hash of the token is
-- kept, so a copy of the table cannot be used to log in.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    stage         TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    client_addr   TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    revoked_at    TIMESTAMP,
    revoke_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_subject ON sessions (kind, subject_id) WHERE revoked_at IS NULL;
