DROP TABLE opportunity_responses;
DROP TABLE opportunities;
