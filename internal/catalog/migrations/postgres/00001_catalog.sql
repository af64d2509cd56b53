-- +goose Up
-- Administrative procedures of the official lists and the versions of their
-- electronic regulations (R637 ch. 2).
CREATE TABLE catalog_procedures (
    id               BIGSERIAL PRIMARY KEY,
    list             TEXT NOT NULL,
    number           TEXT NOT NULL,
    number_key       TEXT NOT NULL,
    chapter_number   INTEGER NOT NULL,
    chapter_name_ru  TEXT NOT NULL,
    chapter_name_be  TEXT NOT NULL,
    name_ru          TEXT NOT NULL,
    name_be          TEXT NOT NULL,
    regulator        TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (list, number)
);
CREATE INDEX catalog_procedures_order ON catalog_procedures (list, number_key);
CREATE INDEX catalog_procedures_regulator ON catalog_procedures (regulator);
-- Search terms: the stemmed and the lower-cased words of the names, one row
-- each, so that both engines search with plain LIKE 'prefix%'.
CREATE TABLE catalog_terms (
    procedure_id  BIGINT NOT NULL REFERENCES catalog_procedures(id),
    term          TEXT NOT NULL,
    PRIMARY KEY (procedure_id, term)
);
CREATE INDEX catalog_terms_term ON catalog_terms (term text_pattern_ops);
-- content is the regulation as the typed catalog.Regulation serialises it;
-- the columns beside it are what queries select and order by.
CREATE TABLE catalog_regulations (
    id              BIGSERIAL PRIMARY KEY,
    procedure_id    BIGINT NOT NULL REFERENCES catalog_procedures(id),
    version         INTEGER NOT NULL,
    state           TEXT NOT NULL,
    round           INTEGER NOT NULL DEFAULT 0,
    content         TEXT NOT NULL,
    effective_date  TEXT NOT NULL DEFAULT '',
    online          BOOLEAN NOT NULL DEFAULT FALSE,
    demo            BOOLEAN NOT NULL DEFAULT FALSE,
    imported        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (procedure_id, version)
);
-- At most one version of a procedure is being drafted or approved.
CREATE UNIQUE INDEX catalog_regulations_in_progress ON catalog_regulations (procedure_id)
    WHERE state IN ('draft', 'submitted', 'operator_approved');
CREATE INDEX catalog_regulations_state ON catalog_regulations (state, effective_date);
-- The approval of each information-resource owner, per submission round.
CREATE TABLE catalog_approvals (
    regulation_id  BIGINT NOT NULL REFERENCES catalog_regulations(id),
    round          INTEGER NOT NULL,
    owner_body     TEXT NOT NULL,
    resources      TEXT NOT NULL,
    decision       TEXT NOT NULL DEFAULT 'pending',
    actor_id       TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    decided_at     TIMESTAMPTZ,
    PRIMARY KEY (regulation_id, round, owner_body)
);
CREATE INDEX catalog_approvals_owner ON catalog_approvals (owner_body, decision);
-- Every transition of a version, with who made it and why.
CREATE TABLE catalog_events (
    id             BIGSERIAL PRIMARY KEY,
    regulation_id  BIGINT NOT NULL REFERENCES catalog_regulations(id),
    at             TIMESTAMPTZ NOT NULL,
    action         TEXT NOT NULL,
    from_state     TEXT NOT NULL,
    to_state       TEXT NOT NULL,
    actor_id       TEXT NOT NULL,
    actor_role     TEXT NOT NULL,
    actor_body     TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX catalog_events_regulation ON catalog_events (regulation_id, id);
