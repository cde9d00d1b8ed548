-- A school's asks: what students are working on and the help they need (partner offerings,
-- a set written ",a,b,"), when, and how many helpers; open → filled → closed.
CREATE TABLE opportunities (
    id                TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    school_id         TEXT NOT NULL REFERENCES schools (id),
    grade_band        TEXT,
    offerings         TEXT NOT NULL,
    starts_on         DATE NOT NULL,
    ends_on           DATE NOT NULL,
    helpers_needed    INTEGER NOT NULL,
    involves_students BOOLEAN NOT NULL,
    status            TEXT NOT NULL,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX opportunities_school_idx ON opportunities (school_id, status);

-- A partner volunteering for an opportunity, and the school's answer; accepting may create an
-- activity or a draft agreement, named here.
CREATE TABLE opportunity_responses (
    id             TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities (id),
    partner_id     TEXT NOT NULL REFERENCES partners (id),
    contact_id     TEXT REFERENCES contacts (id) ON DELETE SET NULL,
    message        TEXT NOT NULL,
    status         TEXT NOT NULL,
    activity_id    TEXT REFERENCES activities (id) ON DELETE SET NULL,
    agreement_id   TEXT REFERENCES agreements (id) ON DELETE SET NULL,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX opportunity_responses_opportunity_idx ON opportunity_responses (opportunity_id);
CREATE INDEX opportunity_responses_partner_idx ON opportunity_responses (partner_id);
