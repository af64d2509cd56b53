-- +goose Up
-- Append-only, hash-chained record of every state change and every staff
-- read of a citizen's personal data.
CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    actor_body   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    subject_uid  TEXT NOT NULL DEFAULT '',
    case_number  TEXT NOT NULL DEFAULT '',
    object_type  TEXT NOT NULL DEFAULT '',
    object_id    TEXT NOT NULL DEFAULT '',
    client_addr  TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    details      TEXT NOT NULL DEFAULT '{}',
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_uid, seq) WHERE subject_uid <> '';
CREATE INDEX audit_log_case ON audit_log (case_number, seq) WHERE case_number <> '';
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
