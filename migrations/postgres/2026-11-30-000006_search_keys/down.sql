ALTER TABLE users DROP COLUMN search_key;
ALTER TABLE agreements DROP COLUMN search_key;
ALTER TABLE contacts DROP COLUMN search_key;
ALTER TABLE partners DROP COLUMN search_key;
ALTER TABLE schools DROP COLUMN search_key;
