-- The power of place: a timeline item (a kickoff, a check-in, an exhibition) or an activity
-- may be held at a partner's place, and name where.
ALTER TABLE timeline_items ADD COLUMN host_partner_id TEXT REFERENCES partners (id);
ALTER TABLE timeline_items ADD COLUMN venue TEXT;
ALTER TABLE activities ADD COLUMN host_partner_id TEXT REFERENCES partners (id);
ALTER TABLE activities ADD COLUMN venue TEXT;
CREATE INDEX timeline_items_host_idx ON timeline_items (host_partner_id);
CREATE INDEX activities_host_idx ON activities (host_partner_id);
