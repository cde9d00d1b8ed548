-- A communication plan of the district, a school or an agreement, owned by a committee.
-- Goals, audiences, channels, tasks, targets and the evaluation are written whole with the
-- plan, as JSON; overdue tasks are worked out when the plan is read.
CREATE TABLE communication_plans (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    school_id    TEXT REFERENCES schools (id),
    agreement_id TEXT REFERENCES agreements (id),
    committee_id TEXT NOT NULL REFERENCES committees (id),
    starts_on    DATE,
    ends_on      DATE,
    goals        TEXT NOT NULL,
    audiences    TEXT NOT NULL,
    channels     TEXT NOT NULL,
    tasks        TEXT NOT NULL,
    targets      TEXT NOT NULL,
    evaluation   TEXT,
    version      INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX communication_plans_school_idx ON communication_plans (school_id);
CREATE INDEX communication_plans_agreement_idx ON communication_plans (agreement_id);
CREATE INDEX communication_plans_committee_idx ON communication_plans (committee_id);
