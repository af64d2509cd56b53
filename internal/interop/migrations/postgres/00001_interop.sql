-- +goose Up
-- Information resources (ИР/ИС) connected to the complex and the services
-- (methods) each offers: who owns it, where it answers, how long it may take.
CREATE TABLE interop_resources (
    code         TEXT PRIMARY KEY,
    owner_body   TEXT NOT NULL,
    name_ru      TEXT NOT NULL,
    name_be      TEXT NOT NULL,
    endpoint     TEXT NOT NULL DEFAULT '',
    signer_cn    TEXT NOT NULL DEFAULT '',
    signer_ou    TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'active',
    answer_days  INTEGER NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE TABLE interop_services (
    resource       TEXT NOT NULL REFERENCES interop_resources(code),
    code           TEXT NOT NULL,
    name_ru        TEXT NOT NULL,
    name_be        TEXT NOT NULL,
    input_fields   TEXT NOT NULL DEFAULT '[]',
    output_fields  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (resource, code)
);

-- Access of a staff user to one service of a resource (P3.3): asked for by
-- the operator after checking the user's certificate, decided by the owner.
CREATE TABLE interop_grants (
    id              BIGSERIAL PRIMARY KEY,
    staff_id        BIGINT NOT NULL,
    staff_body      TEXT NOT NULL,
    resource        TEXT NOT NULL,
    service         TEXT NOT NULL,
    state           TEXT NOT NULL,
    cert_serial     TEXT NOT NULL,
    cert_not_after  TIMESTAMPTZ NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_at    TIMESTAMPTZ NOT NULL,
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMPTZ,
    reason          TEXT NOT NULL DEFAULT '',
    revoked_by      TEXT NOT NULL DEFAULT '',
    revoked_at      TIMESTAMPTZ,
    FOREIGN KEY (resource, service) REFERENCES interop_services(resource, code)
);
-- One open (requested or approved) grant per user and service.
CREATE UNIQUE INDEX interop_grants_open ON interop_grants (staff_id, resource, service)
    WHERE state IN ('requested', 'approved');
CREATE INDEX interop_grants_resource ON interop_grants (resource, state);

-- One inter-agency request, whatever the channel; the correlation ID is the
-- same on every retry and in every archived message of the request.
CREATE TABLE interop_requests (
    id                BIGSERIAL PRIMARY KEY,
    correlation_id    TEXT NOT NULL UNIQUE,
    case_number       TEXT NOT NULL DEFAULT '',
    case_id           BIGINT NOT NULL DEFAULT 0,
    subject_uid       TEXT NOT NULL DEFAULT '',
    body_code         TEXT NOT NULL,
    staff_id          BIGINT NOT NULL,
    resource          TEXT NOT NULL,
    service           TEXT NOT NULL,
    channel           TEXT NOT NULL,
    state             TEXT NOT NULL,
    payload           TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_retry        TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    sent_at           TIMESTAMPTZ,
    answered_at       TIMESTAMPTZ,
    due_at            TIMESTAMPTZ NOT NULL,
    was_late          BOOLEAN NOT NULL DEFAULT FALSE,
    late_notified_at  TIMESTAMPTZ,
    last_error        TEXT NOT NULL DEFAULT '',
    last_error_at     TIMESTAMPTZ,
    answer_status     TEXT NOT NULL DEFAULT '',
    answer_payload    TEXT NOT NULL DEFAULT '',
    document_code     TEXT NOT NULL DEFAULT '',
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX interop_requests_case ON interop_requests (case_number) WHERE case_number <> '';
CREATE INDEX interop_requests_service ON interop_requests (resource, service, created_at);
CREATE INDEX interop_requests_open ON interop_requests (state, due_at);

-- The message log: every request and answer exactly as sent or received,
-- with its signature and hash. Rows are never changed or removed.
CREATE TABLE interop_messages (
    id              BIGSERIAL PRIMARY KEY,
    correlation_id  TEXT NOT NULL,
    case_number     TEXT NOT NULL DEFAULT '',
    resource        TEXT NOT NULL,
    service         TEXT NOT NULL,
    direction       TEXT NOT NULL,
    channel         TEXT NOT NULL,
    media_type      TEXT NOT NULL,
    body            BYTEA NOT NULL,
    signature       BYTEA,
    sha256          TEXT NOT NULL,
    verified        BOOLEAN NOT NULL,
    signer          TEXT NOT NULL DEFAULT '',
    problem         TEXT NOT NULL DEFAULT '',
    http_status     INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX interop_messages_correlation ON interop_messages (correlation_id, id);
CREATE INDEX interop_messages_case ON interop_messages (case_number, id) WHERE case_number <> '';
-- +goose StatementBegin
CREATE FUNCTION interop_messages_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'interop_messages is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER interop_messages_no_change BEFORE UPDATE OR DELETE ON interop_messages
    FOR EACH ROW EXECUTE FUNCTION interop_messages_append_only();

-- Requests rendered as electronic documents for the inter-agency document
-- system (СМДО), waiting to be sent by the operator.
CREATE TABLE interop_smdo_outgoing (
    id              BIGSERIAL PRIMARY KEY,
    correlation_id  TEXT NOT NULL UNIQUE,
    document_code   TEXT NOT NULL,
    recipient_body  TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    sent_by         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX interop_smdo_outgoing_state ON interop_smdo_outgoing (state, id);
