-- Where recent public answers came from, to hold each address to a few answers a day per
-- survey. Kept apart from the answers (nothing links a row here to an answer) and only for
-- the day the limit counts: the SHA-256 of the survey's id and the address (an IPv4 address,
-- or an IPv6 /64), never the address itself.
CREATE TABLE survey_answer_sources (
    id            TEXT PRIMARY KEY,
    survey_id     TEXT NOT NULL REFERENCES surveys (id),
    source_digest TEXT NOT NULL,
    answered_at   TIMESTAMP NOT NULL
);
CREATE INDEX survey_answer_sources_idx ON survey_answer_sources (survey_id, source_digest, answered_at);
