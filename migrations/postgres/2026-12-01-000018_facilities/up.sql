-- A school's spaces (gym, computer lab, library…), and whether the community may ask for them:
-- the school giving back.
CREATE TABLE facilities (
    id                    TEXT PRIMARY KEY,
    school_id             TEXT NOT NULL REFERENCES schools (id),
    name                  TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    capacity              INTEGER,
    accessibility         TEXT,
    rules                 TEXT,
    community_requestable BOOLEAN NOT NULL,
    version               BIGINT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX facilities_school_idx ON facilities (school_id);

-- A request for a slot by a partner or a community group, and the school's answer. Approved
-- bookings of a facility never overlap: approving locks the facility row first, so the check
-- and the write are one step on both databases.
CREATE TABLE facility_bookings (
    id                  TEXT PRIMARY KEY,
    facility_id         TEXT NOT NULL REFERENCES facilities (id),
    partner_id          TEXT REFERENCES partners (id),
    group_name          TEXT,
    contact             TEXT,
    purpose             TEXT NOT NULL,
    starts_at           TIMESTAMP NOT NULL,
    ends_at             TIMESTAMP NOT NULL,
    expected_attendance INTEGER,
    status              TEXT NOT NULL,
    version             BIGINT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX facility_bookings_facility_idx ON facility_bookings (facility_id, status, starts_at);
CREATE INDEX facility_bookings_partner_idx ON facility_bookings (partner_id);
