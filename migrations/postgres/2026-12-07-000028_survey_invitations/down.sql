ALTER TABLE survey_responses DROP COLUMN invited;
DROP TABLE survey_invitations;
ALTER TABLE surveys DROP COLUMN requires_invitation;
