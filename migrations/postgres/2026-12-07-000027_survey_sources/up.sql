-- Where a public answer came from, to hold each address to a few answers a day per survey:
-- the SHA-256 of the survey's id and the address (an IPv4 address, or an IPv6 /64), never the
-- address itself. NULL for signed-in respondents and for answers written before this column.
ALTER TABLE survey_responses ADD COLUMN source_digest TEXT;
CREATE INDEX survey_responses_source_idx ON survey_responses (survey_id, source_digest, created_at);
