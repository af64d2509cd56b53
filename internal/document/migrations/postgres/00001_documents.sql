-- +goose Up
-- Issued official documents: the exact PDF bytes, their hash and, once
-- signed, the detached signature, found by the verification code printed
-- on every page.
CREATE TABLE documents (
    id             BIGSERIAL PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    reg_number     TEXT NOT NULL,
    title          TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    lang           TEXT NOT NULL,
    subject_uid    TEXT NOT NULL DEFAULT '',
    case_number    TEXT NOT NULL DEFAULT '',
    issued_at      TIMESTAMPTZ NOT NULL,
    sha256         TEXT NOT NULL,
    pdf            BYTEA NOT NULL,
    signature      BYTEA,
    signer_name    TEXT NOT NULL DEFAULT '',
    signer_org     TEXT NOT NULL DEFAULT '',
    signer_serial  TEXT NOT NULL DEFAULT '',
    signed_at      TIMESTAMPTZ
);
CREATE INDEX documents_subject ON documents (subject_uid) WHERE subject_uid <> '';
CREATE INDEX documents_case ON documents (case_number) WHERE case_number <> '';
