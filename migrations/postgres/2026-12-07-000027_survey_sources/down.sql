DROP TABLE survey_answer_sources;
