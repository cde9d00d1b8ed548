DROP TRIGGER relationships_counted_move;
DROP TRIGGER relationships_counted_delete;
DROP TRIGGER relationships_counted_insert;
ALTER TABLE partners DROP COLUMN relationship_count;
