-- +goose Up
-- Citizens holding a unique identifier (R637-UID). A row is never deleted:
-- blocking only changes status, so the history comes back on unblock
-- (p. 13, last part).
CREATE TABLE citizens (
    id                   BIGSERIAL PRIMARY KEY,
    uid                  TEXT NOT NULL UNIQUE,
    surname              TEXT NOT NULL,
    name                 TEXT NOT NULL,
    patronymic           TEXT NOT NULL DEFAULT '',
    birth_date           TEXT NOT NULL,
    phone                TEXT NOT NULL,
    lang                 TEXT NOT NULL DEFAULT 'ru',
    status               TEXT NOT NULL CHECK (status IN ('active', 'blocked')),
    password_hash        TEXT NOT NULL,
    password_kind        TEXT NOT NULL CHECK (password_kind IN ('temporary', 'static')),
    password_expires_at  TIMESTAMPTZ,
    password_set_at      TIMESTAMPTZ NOT NULL,
    issued_at            TIMESTAMPTZ NOT NULL,
    issued_by            TEXT NOT NULL,
    blocked_at           TIMESTAMPTZ,
    updated_at           TIMESTAMPTZ NOT NULL
);
-- p. 7: "the phone number is not used with another unique identifier".
-- A blocked identifier is one its owner gave up (p. 12), so its number may
-- be taken by someone else; unblocking then checks the number again.
CREATE UNIQUE INDEX citizens_active_phone ON citizens (phone) WHERE status = 'active';

-- The written application of the annex form, kept with every step the
-- issuance officer took, so the work survives a restart.
CREATE TABLE uid_applications (
    id                  BIGSERIAL PRIMARY KEY,
    office              TEXT NOT NULL,
    office_name         TEXT NOT NULL,
    office_address      TEXT NOT NULL DEFAULT '',
    officer             TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('issue', 'block', 'unblock', 'change_phone')),
    surname             TEXT NOT NULL,
    name                TEXT NOT NULL,
    patronymic          TEXT NOT NULL DEFAULT '',
    birth_date          TEXT NOT NULL,
    pin                 TEXT NOT NULL,
    phone               TEXT NOT NULL,
    lang                TEXT NOT NULL DEFAULT 'ru',
    document_presented  BOOLEAN NOT NULL,
    state               TEXT NOT NULL,
    checks              TEXT NOT NULL DEFAULT '{}',
    refusal_code        TEXT NOT NULL DEFAULT '',
    refusal_params      TEXT NOT NULL DEFAULT '{}',
    registry_checked_at TIMESTAMPTZ,
    phone_confirmed_at  TIMESTAMPTZ,
    citizen_id          BIGINT REFERENCES citizens(id),
    paper_code          TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    completed_at        TIMESTAMPTZ
);
CREATE INDEX uid_applications_office ON uid_applications (office, id);
CREATE INDEX uid_applications_pin ON uid_applications (pin);

-- One-time SMS codes, stored as keyed hashes (identity.HashCode).
CREATE TABLE uid_codes (
    id          BIGSERIAL PRIMARY KEY,
    purpose     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    phone       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used_at     TIMESTAMPTZ,
    void_at     TIMESTAMPTZ
);
CREATE INDEX uid_codes_subject ON uid_codes (purpose, subject, id);

-- Failed attempts per UID and per client address, for growing delays.
CREATE TABLE uid_throttle (
    key               TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL DEFAULT 0,
    first_failure_at  TIMESTAMPTZ NOT NULL,
    last_failure_at   TIMESTAMPTZ NOT NULL,
    locked_until      TIMESTAMPTZ,
    warned_at         TIMESTAMPTZ
);
CREATE INDEX uid_throttle_quiet ON uid_throttle (last_failure_at);
