DROP TABLE audit_events;
DROP TABLE users;
DROP TABLE api_clients;
