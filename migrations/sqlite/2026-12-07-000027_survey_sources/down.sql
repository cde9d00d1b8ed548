DROP INDEX survey_responses_source_idx;
ALTER TABLE survey_responses DROP COLUMN source_digest;
