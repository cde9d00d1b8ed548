-- Answers to surveys: what one respondent said, keyed by question code, and which audience
-- they answered as. No field holds anyone's identity; `respondent_digest` is the SHA-256 of
-- the optional key a public respondent sends, so the same key cannot answer twice.
CREATE TABLE survey_responses (
    id                TEXT PRIMARY KEY,
    survey_id         TEXT NOT NULL REFERENCES surveys (id),
    audience          TEXT NOT NULL,
    respondent_digest TEXT,
    answers           TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX survey_responses_respondent_key ON survey_responses (survey_id, respondent_digest);
CREATE INDEX survey_responses_survey_idx ON survey_responses (survey_id, created_at);
