-- Ids are UUIDv7 text and times are UTC timestamps set by the application, so both backends
-- store and order them the same way. Unique indexes are named <table>_<column>_key on both
-- backends: the API reports a conflict by that column.
CREATE TABLE schools (
    id            TEXT PRIMARY KEY,
    external_id   TEXT,
    nces_id       TEXT,
    state_id      TEXT,
    name          TEXT NOT NULL,
    address_line1 TEXT,
    address_line2 TEXT,
    city          TEXT,
    region        TEXT,
    postal_code   TEXT,
    country       TEXT,
    lowest_grade  TEXT,
    highest_grade TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX schools_external_id_key ON schools (external_id);
CREATE UNIQUE INDEX schools_nces_id_key ON schools (nces_id);
CREATE UNIQUE INDEX schools_state_id_key ON schools (state_id);
CREATE INDEX schools_name_idx ON schools (name, id);
CREATE INDEX schools_created_at_idx ON schools (created_at, id);
CREATE INDEX schools_updated_at_idx ON schools (updated_at, id);

CREATE TABLE partners (
    id            TEXT PRIMARY KEY,
    external_id   TEXT,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    description   TEXT,
    website       TEXT,
    address_line1 TEXT,
    address_line2 TEXT,
    city          TEXT,
    region        TEXT,
    postal_code   TEXT,
    country       TEXT,
    -- the offering codes as ",code,code," so one LIKE finds a code without a join table
    offerings     TEXT NOT NULL DEFAULT ',',
    status        TEXT NOT NULL,
    referred_by   TEXT REFERENCES partners (id) ON DELETE RESTRICT,
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX partners_external_id_key ON partners (external_id);
CREATE INDEX partners_name_idx ON partners (name, id);
CREATE INDEX partners_created_at_idx ON partners (created_at, id);
CREATE INDEX partners_updated_at_idx ON partners (updated_at, id);
CREATE INDEX partners_referred_by_idx ON partners (referred_by);
CREATE INDEX partners_kind_status_idx ON partners (kind, status);

CREATE TABLE contacts (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    external_id TEXT,
    name        TEXT NOT NULL,
    email       TEXT,
    phone       TEXT,
    role        TEXT,
    is_primary  BOOLEAN NOT NULL DEFAULT FALSE,
    version     BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX contacts_external_id_key ON contacts (external_id);
CREATE INDEX contacts_partner_idx ON contacts (partner_id, id);
-- at most one primary contact per partner, whatever the API does
CREATE UNIQUE INDEX contacts_primary_key ON contacts (partner_id) WHERE is_primary;
