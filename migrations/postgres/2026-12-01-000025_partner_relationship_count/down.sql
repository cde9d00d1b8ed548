DROP TRIGGER relationships_counted ON relationships;
DROP FUNCTION partners_count_relationships();
ALTER TABLE partners DROP COLUMN relationship_count;
