-- The search form of a name (lower case, no accents), kept by the service, so `q` finds
-- "École" from "ecole" alike on both databases. Rows older than this are filled in at start.
ALTER TABLE schools ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE agreements ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
