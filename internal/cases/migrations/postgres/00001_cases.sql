-- +goose Up
-- Applications (заявления), administrative complaints and everything that
-- happens to them. Nothing here is ever deleted: a withdrawn, refused or
-- decided application keeps its rows, and history is append-only.

-- Who applied: a citizen holding a UID (citizen_id set) or, at the front
-- office, a person identified by name and identity document.
CREATE TABLE case_applicants (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('citizen', 'person')),
    citizen_id     TEXT NOT NULL DEFAULT '',
    uid            TEXT NOT NULL DEFAULT '',
    surname        TEXT NOT NULL,
    name           TEXT NOT NULL,
    patronymic     TEXT NOT NULL DEFAULT '',
    birth_date     TEXT NOT NULL DEFAULT '',
    id_doc_type    TEXT NOT NULL DEFAULT '',
    id_doc_number  TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_applicants_citizen ON case_applicants (citizen_id) WHERE citizen_id <> '';

CREATE TABLE cases (
    id                  BIGSERIAL PRIMARY KEY,
    version             INTEGER NOT NULL DEFAULT 1,
    status              TEXT NOT NULL,
    channel             TEXT NOT NULL CHECK (channel IN ('online', 'written', 'oral')),
    procedure_id        BIGINT NOT NULL,
    regulation_version  INTEGER NOT NULL,
    procedure_number    TEXT NOT NULL DEFAULT '',
    procedure_name      TEXT NOT NULL DEFAULT '',
    body_code           TEXT NOT NULL,
    applicant_id        BIGINT NOT NULL REFERENCES case_applicants(id),
    citizen_id          TEXT NOT NULL DEFAULT '',
    applicant_uid       TEXT NOT NULL DEFAULT '',
    applicant_name      TEXT NOT NULL,
    lang                TEXT NOT NULL DEFAULT 'ru',
    form                TEXT NOT NULL DEFAULT '{}',
    reg_number          TEXT UNIQUE,
    reg_date            TEXT NOT NULL DEFAULT '',
    deadline            TEXT NOT NULL DEFAULT '{}',
    due_date            TEXT NOT NULL DEFAULT '',
    due_soon            BOOLEAN NOT NULL DEFAULT FALSE,
    overdue             BOOLEAN NOT NULL DEFAULT FALSE,
    deadline_gen        INTEGER NOT NULL DEFAULT 0,
    suspended_since     TEXT NOT NULL DEFAULT '',
    assignee_id         BIGINT,
    assignee_name       TEXT NOT NULL DEFAULT '',
    receipt_code        TEXT NOT NULL DEFAULT '',
    decision_code       TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    submitted_at        TIMESTAMPTZ,
    registered_at       TIMESTAMPTZ,
    closed_at           TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_queue ON cases (body_code, status, due_date);
CREATE INDEX cases_citizen ON cases (citizen_id, id) WHERE citizen_id <> '';
CREATE INDEX cases_assignee ON cases (assignee_id) WHERE assignee_id IS NOT NULL;

-- Gapless per-body, per-year sequences of registration numbers. A row is
-- bumped in the registering transaction, so a rolled-back registration
-- gives its number back.
CREATE TABLE case_counters (
    body_code  TEXT NOT NULL,
    year       INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    last       BIGINT NOT NULL,
    PRIMARY KEY (body_code, year, kind)
);

CREATE TABLE complaints (
    id               BIGSERIAL PRIMARY KEY,
    version          INTEGER NOT NULL DEFAULT 1,
    status           TEXT NOT NULL,
    case_id          BIGINT NOT NULL REFERENCES cases(id),
    about            TEXT NOT NULL CHECK (about IN ('decision', 'inaction')),
    case_status      TEXT NOT NULL,
    body_code        TEXT NOT NULL,
    case_body_code   TEXT NOT NULL,
    procedure_id     BIGINT NOT NULL,
    citizen_id       TEXT NOT NULL DEFAULT '',
    applicant_uid    TEXT NOT NULL DEFAULT '',
    applicant_name   TEXT NOT NULL,
    lang             TEXT NOT NULL DEFAULT 'ru',
    text             TEXT NOT NULL,
    reg_number       TEXT UNIQUE,
    reg_date         TEXT NOT NULL DEFAULT '',
    deadline         TEXT NOT NULL DEFAULT '{}',
    due_date         TEXT NOT NULL DEFAULT '',
    due_soon         BOOLEAN NOT NULL DEFAULT FALSE,
    overdue          BOOLEAN NOT NULL DEFAULT FALSE,
    deadline_gen     INTEGER NOT NULL DEFAULT 0,
    decision_code    TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    registered_at    TIMESTAMPTZ,
    closed_at        TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX complaints_queue ON complaints (body_code, status, due_date);
CREATE INDEX complaints_case ON complaints (case_id);
CREATE INDEX complaints_citizen ON complaints (citizen_id, id) WHERE citizen_id <> '';

-- History of applications and complaints: one row per action taken.
CREATE TABLE case_events (
    id            BIGSERIAL PRIMARY KEY,
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('application', 'complaint')),
    subject_id    BIGINT NOT NULL,
    version       INTEGER NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    actor_name    TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    comment       TEXT NOT NULL DEFAULT '',
    internal      BOOLEAN NOT NULL DEFAULT FALSE,
    details       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_subject ON case_events (subject_kind, subject_id, id);

-- Files attached by the citizen or the staff; the bytes live in the
-- content-addressed file store under their SHA-256.
CREATE TABLE case_attachments (
    id            BIGSERIAL PRIMARY KEY,
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('application', 'complaint')),
    subject_id    BIGINT NOT NULL,
    doc_code      TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TIMESTAMPTZ NOT NULL,
    event_id      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX case_attachments_subject ON case_attachments (subject_kind, subject_id, id);

-- Documents issued through the document registry: receipts, notices,
-- decisions. A decision is hidden from the citizen until signed.
CREATE TABLE case_documents (
    id            BIGSERIAL PRIMARY KEY,
    subject_kind  TEXT NOT NULL CHECK (subject_kind IN ('application', 'complaint')),
    subject_id    BIGINT NOT NULL,
    code          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    title         TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('issued', 'draft', 'signed', 'superseded')),
    issued_at     TIMESTAMPTZ NOT NULL,
    event_id      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX case_documents_subject ON case_documents (subject_kind, subject_id, id);

-- Drafted decisions; the signed one is final, returned ones stay.
CREATE TABLE case_decisions (
    id             BIGSERIAL PRIMARY KEY,
    subject_kind   TEXT NOT NULL CHECK (subject_kind IN ('application', 'complaint')),
    subject_id     BIGINT NOT NULL,
    outcome        TEXT NOT NULL,
    grounds        TEXT NOT NULL DEFAULT '[]',
    reasoning      TEXT NOT NULL DEFAULT '',
    issued         TEXT NOT NULL DEFAULT '{}',
    document_code  TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'returned', 'signed')),
    drafted_by     TEXT NOT NULL,
    drafted_at     TIMESTAMPTZ NOT NULL,
    signed_by      TEXT NOT NULL DEFAULT '',
    signer         TEXT NOT NULL DEFAULT '',
    signed_at      TIMESTAMPTZ
);
CREATE INDEX case_decisions_subject ON case_decisions (subject_kind, subject_id, id);

-- Requests to other bodies and information resources (R637 ch. 3), with
-- their answers.
CREATE TABLE case_requests (
    id              BIGSERIAL PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES cases(id),
    addressee       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    channel         TEXT NOT NULL DEFAULT '',
    external_ref    TEXT NOT NULL DEFAULT '',
    sent_at         TIMESTAMPTZ NOT NULL,
    sent_by         TEXT NOT NULL,
    answered_at     TIMESTAMPTZ,
    answer          TEXT NOT NULL DEFAULT '',
    answer_ref      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_requests_case ON case_requests (case_id, id);

-- Periods during which the term did not run.
CREATE TABLE case_suspensions (
    id            BIGSERIAL PRIMARY KEY,
    case_id       BIGINT NOT NULL REFERENCES cases(id),
    reason        TEXT NOT NULL,
    from_date     TEXT NOT NULL,
    to_date       TEXT NOT NULL DEFAULT '',
    working_days  INTEGER NOT NULL DEFAULT 0,
    suspended_by  TEXT NOT NULL,
    resumed_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_suspensions_case ON case_suspensions (case_id, id);
