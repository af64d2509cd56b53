-- +goose Up
-- Government bodies and organisations connected to the complex, and their
-- staff accounts with roles.
CREATE TABLE bodies (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_ru     TEXT NOT NULL,
    name_be     TEXT NOT NULL,
    kinds       TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'active',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE staff (
    id             BIGSERIAL PRIMARY KEY,
    body_id        BIGINT NOT NULL REFERENCES bodies(id),
    login          TEXT NOT NULL UNIQUE,
    full_name      TEXT NOT NULL,
    position       TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    roles          TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    cert_serial    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'active',
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_body ON staff (body_id);
