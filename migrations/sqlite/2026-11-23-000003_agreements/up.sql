-- The district's partnership continuum: its own scale from light involvement to deep
-- engagement. Seeded with a starter scale the district edits.
CREATE TABLE continuum_levels (
    id          TEXT PRIMARY KEY,
    external_id TEXT,
    rank        INTEGER NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    examples    TEXT NOT NULL DEFAULT '[]',
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX continuum_levels_rank_key ON continuum_levels (rank);
CREATE UNIQUE INDEX continuum_levels_external_id_key ON continuum_levels (external_id);
INSERT INTO continuum_levels (id, rank, name, description, examples, created_at, updated_at) VALUES
('0192b3c0-0000-7000-8000-000000000001', 1, 'Supporter', 'One-off involvement that needs little coordination.',
 '["donating supplies", "sponsoring an event", "one talk at a career day"]', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000002', 2, 'Contributor', 'Occasional involvement in classrooms or events.',
 '["guest speaker", "hosting a workplace tour", "judging a science fair"]', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000003', 3, 'Collaborator', 'Recurring engagement planned with a school.',
 '["regular field trips", "job shadowing", "weekly volunteering"]', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000004', 4, 'Partner', 'Sustained commitments with shared goals and check-ins.',
 '["mentoring students", "internships", "reviewing exhibitions of student work"]', '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000005', 5, 'Co-designer', 'Deep engagement: designing and running programs together.',
 '["mentoring a capstone", "co-designing a course or pathway", "apprenticeships"]', '2026-11-23 00:00:00', '2026-11-23 00:00:00');

-- Where a partner sits on the continuum, and its vetting (districts vet before students meet
-- partners). An approved vetting whose dates have passed reads as expired.
ALTER TABLE partners ADD COLUMN continuum_level_id TEXT REFERENCES continuum_levels (id) ON DELETE RESTRICT;
ALTER TABLE partners ADD COLUMN vetting_status TEXT NOT NULL DEFAULT 'not_started';
ALTER TABLE partners ADD COLUMN background_check_on DATE;
ALTER TABLE partners ADD COLUMN background_check_expires_on DATE;
ALTER TABLE partners ADD COLUMN insurance_expires_on DATE;
ALTER TABLE partners ADD COLUMN vetting_notes TEXT;
ALTER TABLE partners ADD COLUMN vetting_decided_by TEXT;
ALTER TABLE partners ADD COLUMN vetting_decided_at TIMESTAMP;
CREATE INDEX partners_continuum_idx ON partners (continuum_level_id);

-- The "portrait of a partnership". Lists (outcomes, contributions, channels) are JSON text.
CREATE TABLE agreements (
    id                     TEXT PRIMARY KEY,
    external_id            TEXT,
    title                  TEXT NOT NULL,
    lead_partner_id        TEXT NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    liaison_user_id        TEXT REFERENCES users (id) ON DELETE RESTRICT,
    purpose                TEXT,
    shared_vision          TEXT,
    desired_outcomes       TEXT NOT NULL DEFAULT '[]',
    contributions          TEXT NOT NULL DEFAULT '[]',
    processes              TEXT,
    communication_channels TEXT NOT NULL DEFAULT '[]',
    start_date             DATE NOT NULL,
    end_date               DATE NOT NULL,
    review_cadence         TEXT NOT NULL,
    involves_students      BOOLEAN NOT NULL DEFAULT 1,
    status                 TEXT NOT NULL,
    version                INTEGER NOT NULL DEFAULT 1,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE UNIQUE INDEX agreements_external_id_key ON agreements (external_id);
CREATE INDEX agreements_title_idx ON agreements (title, id);
CREATE INDEX agreements_created_at_idx ON agreements (created_at, id);
CREATE INDEX agreements_updated_at_idx ON agreements (updated_at, id);
CREATE INDEX agreements_status_idx ON agreements (status, end_date);

-- Every partner of an agreement (the lead too), and its schools: scoping joins on these.
CREATE TABLE agreement_partners (
    agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    partner_id   TEXT NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    is_lead      BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (agreement_id, partner_id)
);
CREATE INDEX agreement_partners_partner_idx ON agreement_partners (partner_id, agreement_id);

CREATE TABLE agreement_schools (
    agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    school_id    TEXT NOT NULL REFERENCES schools (id) ON DELETE RESTRICT,
    PRIMARY KEY (agreement_id, school_id)
);
CREATE INDEX agreement_schools_school_idx ON agreement_schools (school_id, agreement_id);

-- The readable history: the whole agreement as JSON at every version.
CREATE TABLE agreement_versions (
    agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    snapshot     TEXT NOT NULL,
    action       TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (agreement_id, version)
);

CREATE TABLE agreement_transitions (
    id           TEXT PRIMARY KEY,
    agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    note         TEXT,
    actor_id     TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    occurred_at  TIMESTAMP NOT NULL
);
CREATE INDEX agreement_transitions_agreement_idx ON agreement_transitions (agreement_id, id);

-- Who does what by when, and what each party invests. Amounts are hundredths (exact sums).
CREATE TABLE responsibilities (
    id                  TEXT PRIMARY KEY,
    agreement_id        TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    external_id         TEXT,
    party               TEXT NOT NULL,
    assignee_contact_id TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    assignee_user_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    description         TEXT NOT NULL,
    due_on              DATE,
    status              TEXT NOT NULL,
    investment_kind     TEXT,
    committed_centi     INTEGER NOT NULL DEFAULT 0,
    delivered_centi     INTEGER NOT NULL DEFAULT 0,
    unit                TEXT,
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX responsibilities_external_id_key ON responsibilities (external_id);
CREATE INDEX responsibilities_agreement_idx ON responsibilities (agreement_id, id);

-- Kickoff, check-ins, milestones, exhibitions, reviews, renewals. Check-ins generated at the
-- review cadence are unique per date, so activating again does not duplicate them.
CREATE TABLE timeline_items (
    id           TEXT PRIMARY KEY,
    agreement_id TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    scheduled_on DATE NOT NULL,
    status       TEXT NOT NULL,
    generated    BOOLEAN NOT NULL DEFAULT 0,
    notes        TEXT,
    check_in     TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX timeline_items_agreement_idx ON timeline_items (agreement_id, scheduled_on, id);
CREATE UNIQUE INDEX timeline_items_generated_key ON timeline_items (agreement_id, scheduled_on) WHERE generated = 1;

-- What actually happened.
CREATE TABLE activities (
    id               TEXT PRIMARY KEY,
    external_id      TEXT,
    partner_id       TEXT NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    agreement_id     TEXT REFERENCES agreements (id) ON DELETE RESTRICT,
    school_id        TEXT REFERENCES schools (id) ON DELETE RESTRICT,
    kind             TEXT NOT NULL,
    occurred_on      DATE NOT NULL,
    hours_centi      INTEGER NOT NULL DEFAULT 0,
    students_reached INTEGER NOT NULL DEFAULT 0,
    families_reached INTEGER NOT NULL DEFAULT 0,
    notes            TEXT,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX activities_external_id_key ON activities (external_id);
CREATE INDEX activities_partner_idx ON activities (partner_id, occurred_on);
CREATE INDEX activities_agreement_idx ON activities (agreement_id, occurred_on);
CREATE INDEX activities_school_idx ON activities (school_id, occurred_on);
CREATE INDEX activities_occurred_idx ON activities (occurred_on, id);
