DROP TABLE contacts;
DROP TABLE partners;
DROP TABLE schools;
