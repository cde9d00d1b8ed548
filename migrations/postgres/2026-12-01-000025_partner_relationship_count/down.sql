DROP TRIGGER relationships_counted_move ON relationships;
DROP TRIGGER relationships_counted ON relationships;
DROP FUNCTION partners_count_relationships();
ALTER TABLE partners DROP COLUMN relationship_count;
