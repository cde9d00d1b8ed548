-- Site councils, communication committees, leadership teams and advisory groups of a school
-- or of the district (no school), with the people seated on them and their meetings.
CREATE TABLE committees (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    school_id  TEXT REFERENCES schools (id),
    purpose    TEXT,
    status     TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX committees_school_idx ON committees (school_id);

-- A seat: a user, a partner's contact, or a community member named here (exactly one).
-- `partner_id` is the contact's partner, kept with the seat so a partner's committees are
-- one indexed lookup.
CREATE TABLE committee_members (
    id           TEXT PRIMARY KEY,
    committee_id TEXT NOT NULL REFERENCES committees (id),
    user_id      TEXT REFERENCES users (id),
    contact_id   TEXT REFERENCES contacts (id),
    partner_id   TEXT REFERENCES partners (id),
    name         TEXT,
    role         TEXT NOT NULL,
    represents   TEXT NOT NULL,
    term_start   DATE NOT NULL,
    term_end     DATE,
    version      BIGINT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX committee_members_committee_idx ON committee_members (committee_id);
CREATE INDEX committee_members_partner_idx ON committee_members (partner_id);
CREATE INDEX committee_members_contact_idx ON committee_members (contact_id);
CREATE INDEX committee_members_user_idx ON committee_members (user_id);

-- A meeting, where it was held (optionally at a partner's place), what was on the agenda,
-- the minutes, the decisions (a JSON array of text) and who of the members came (a JSON
-- array of member ids).
CREATE TABLE committee_meetings (
    id              TEXT PRIMARY KEY,
    committee_id    TEXT NOT NULL REFERENCES committees (id),
    held_on         DATE NOT NULL,
    venue           TEXT,
    host_partner_id TEXT REFERENCES partners (id),
    agenda          TEXT,
    minutes         TEXT,
    decisions       TEXT NOT NULL,
    attendees       TEXT NOT NULL,
    guests          INTEGER NOT NULL,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX committee_meetings_committee_idx ON committee_meetings (committee_id, held_on);
CREATE INDEX committee_meetings_host_idx ON committee_meetings (host_partner_id);
