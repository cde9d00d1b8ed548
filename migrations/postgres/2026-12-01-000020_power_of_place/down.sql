DROP INDEX activities_host_idx;
DROP INDEX timeline_items_host_idx;
ALTER TABLE activities DROP COLUMN venue;
ALTER TABLE activities DROP COLUMN host_partner_id;
ALTER TABLE timeline_items DROP COLUMN venue;
ALTER TABLE timeline_items DROP COLUMN host_partner_id;
