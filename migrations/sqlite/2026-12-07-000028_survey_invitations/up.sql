-- Invitation codes for letters home: each answers its survey once. Only the SHA-256 digest of
-- the survey's id and the code is kept, so the table cannot be read back into codes.
ALTER TABLE surveys ADD COLUMN requires_invitation BOOLEAN NOT NULL DEFAULT 0;
CREATE TABLE survey_invitations (
    digest     TEXT PRIMARY KEY,
    survey_id  TEXT NOT NULL REFERENCES surveys (id),
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX survey_invitations_survey_idx ON survey_invitations (survey_id);
-- Whether an answer came with an invitation code (results count both kinds).
ALTER TABLE survey_responses ADD COLUMN invited BOOLEAN NOT NULL DEFAULT 0;
