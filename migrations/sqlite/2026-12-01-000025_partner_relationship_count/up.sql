-- How many relationships name each partner, kept by the database itself whatever writes the
-- relationships. A partner read looks up who knows the partner only when this is above zero:
-- that lookup was a second round trip on every partner read, and most partners have none.
ALTER TABLE partners ADD COLUMN relationship_count INTEGER NOT NULL DEFAULT 0;

UPDATE partners
SET relationship_count = (SELECT COUNT(*) FROM relationships r WHERE r.partner_id = partners.id);

CREATE TRIGGER relationships_counted_insert AFTER INSERT ON relationships
BEGIN
    UPDATE partners SET relationship_count = relationship_count + 1 WHERE id = NEW.partner_id;
END;

CREATE TRIGGER relationships_counted_delete AFTER DELETE ON relationships
BEGIN
    UPDATE partners SET relationship_count = relationship_count - 1 WHERE id = OLD.partner_id;
END;

CREATE TRIGGER relationships_counted_move AFTER UPDATE OF partner_id ON relationships
WHEN OLD.partner_id IS NOT NEW.partner_id
BEGIN
    UPDATE partners SET relationship_count = relationship_count - 1 WHERE id = OLD.partner_id;
    UPDATE partners SET relationship_count = relationship_count + 1 WHERE id = NEW.partner_id;
END;
