-- The relationships the district's teachers already have with community organisations: who
-- (a user, or a teacher named here), with which partner (and contact), the kinds of
-- interaction (partner offerings, a set written ",a,b,"), since when and when last in touch.
CREATE TABLE relationships (
    id              TEXT PRIMARY KEY,
    user_id         TEXT REFERENCES users (id),
    teacher_name    TEXT,
    school_id       TEXT REFERENCES schools (id),
    partner_id      TEXT NOT NULL REFERENCES partners (id),
    contact_id      TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    kinds           TEXT NOT NULL,
    since           DATE,
    last_contact_on DATE,
    notes           TEXT,
    version         INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX relationships_partner_idx ON relationships (partner_id);
CREATE INDEX relationships_school_idx ON relationships (school_id);
CREATE INDEX relationships_user_idx ON relationships (user_id);
