-- How many relationships name each partner, kept by the database itself whatever writes the
-- relationships. A partner read looks up who knows the partner only when this is above zero:
-- that lookup was a second round trip on every partner read, and most partners have none.
ALTER TABLE partners ADD COLUMN relationship_count INTEGER NOT NULL DEFAULT 0;

UPDATE partners p
SET relationship_count = (SELECT COUNT(*) FROM relationships r WHERE r.partner_id = p.id);

CREATE FUNCTION partners_count_relationships() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE partners SET relationship_count = relationship_count - 1 WHERE id = OLD.partner_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE partners SET relationship_count = relationship_count + 1 WHERE id = NEW.partner_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER relationships_counted
AFTER INSERT OR DELETE ON relationships
FOR EACH ROW EXECUTE FUNCTION partners_count_relationships();

-- Every update names partner_id (rows are written whole), so only a real move counts.
CREATE TRIGGER relationships_counted_move
AFTER UPDATE OF partner_id ON relationships
FOR EACH ROW WHEN (OLD.partner_id IS DISTINCT FROM NEW.partner_id)
EXECUTE FUNCTION partners_count_relationships();
