DROP TABLE communication_plans;
