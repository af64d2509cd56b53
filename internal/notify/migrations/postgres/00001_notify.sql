-- +goose Up
-- The outbox: every message the platform sends, written in the transaction
-- of the change that causes it and worked by the notify_deliver job.
CREATE TABLE notify_messages (
    id              BIGSERIAL PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('sms', 'email', 'inbox')),
    recipient       TEXT NOT NULL,
    citizen_id      TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    lang            TEXT NOT NULL,
    params          TEXT NOT NULL DEFAULT '{}',
    secret_names    TEXT NOT NULL DEFAULT '[]',
    -- AES-256-GCM sealed JSON of the secret params while the message is
    -- pending; '[удалено]' once it is sent or finally failed.
    secrets         TEXT NOT NULL DEFAULT '',
    link            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX notify_messages_status ON notify_messages (status, id);
CREATE INDEX notify_messages_citizen ON notify_messages (citizen_id, id) WHERE citizen_id <> '';

-- The citizen's cabinet inbox: written in the same transaction as the
-- decision it announces.
CREATE TABLE inbox_messages (
    id          BIGSERIAL PRIMARY KEY,
    citizen_id  TEXT NOT NULL,
    message_id  BIGINT NOT NULL REFERENCES notify_messages (id),
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ
);
CREATE INDEX inbox_messages_citizen ON inbox_messages (citizen_id, id);
CREATE INDEX inbox_messages_unread ON inbox_messages (citizen_id) WHERE read_at IS NULL;

-- +goose Down
DROP TABLE inbox_messages;
DROP TABLE notify_messages;
