-- +goose Up
-- Years of the national calendar loaded by the operator at run time; they
-- override the years embedded in the binary.
CREATE TABLE calendar_years (
    year       INTEGER PRIMARY KEY,
    data       TEXT NOT NULL,
    source     TEXT NOT NULL,
    loaded_at  TIMESTAMPTZ NOT NULL,
    loaded_by  TEXT NOT NULL
);
