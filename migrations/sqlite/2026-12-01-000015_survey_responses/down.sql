DROP TABLE survey_responses;
