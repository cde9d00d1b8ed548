-- API clients (OAuth2 client credentials) and people. Secrets and passwords are stored only as
-- argon2 hashes. scopes and school_ids are space-separated lists. Tokens issued before
-- tokens_valid_after (secret rotation, password change) are refused.
CREATE TABLE api_clients (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    role               TEXT NOT NULL,
    scopes             TEXT NOT NULL DEFAULT '',
    school_ids         TEXT NOT NULL DEFAULT '',
    partner_id         TEXT REFERENCES partners (id) ON DELETE RESTRICT,
    secret_hash        TEXT NOT NULL,
    revoked_at         TIMESTAMP,
    tokens_valid_after TIMESTAMP NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX api_clients_partner_idx ON api_clients (partner_id);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    email              TEXT NOT NULL,
    name               TEXT NOT NULL,
    role               TEXT NOT NULL,
    school_ids         TEXT NOT NULL DEFAULT '',
    partner_id         TEXT REFERENCES partners (id) ON DELETE RESTRICT,
    password_hash      TEXT,
    external_subject   TEXT,
    disabled_at        TIMESTAMP,
    tokens_valid_after TIMESTAMP NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_external_subject_key ON users (external_subject);
CREATE INDEX users_partner_idx ON users (partner_id);

-- Append-only: one row per successful write, in the transaction of that write.
CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    occurred_at   TIMESTAMP NOT NULL,
    actor_kind    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    request_id    TEXT,
    resource_type TEXT NOT NULL,
    resource_id   TEXT NOT NULL,
    action        TEXT NOT NULL,
    changes       TEXT
);
CREATE INDEX audit_events_occurred_idx ON audit_events (occurred_at, id);
CREATE INDEX audit_events_resource_idx ON audit_events (resource_type, resource_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);
