-- Needs assessments, feedback and evaluation surveys of families, partners, staff and the
-- community, for one school or the whole district (no school), optionally about one agreement
-- or programme. `questions` is the survey's JSON array of questions, written whole with the
-- survey; `public_token` is the key of the public answering link, made when the survey opens.
CREATE TABLE surveys (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    audiences    TEXT NOT NULL,
    school_id    TEXT REFERENCES schools (id),
    agreement_id TEXT REFERENCES agreements (id),
    programme    TEXT,
    opens_on     DATE NOT NULL,
    closes_on    DATE NOT NULL,
    status       TEXT NOT NULL,
    questions    TEXT NOT NULL,
    public_token TEXT,
    version      INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX surveys_public_token_key ON surveys (public_token);
CREATE INDEX surveys_school_idx ON surveys (school_id);
CREATE INDEX surveys_agreement_idx ON surveys (agreement_id);
