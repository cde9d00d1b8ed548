DROP TABLE vetting_entries;
