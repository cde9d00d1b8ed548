-- The change feed: one row per committed write of a resource, numbered in commit order (SQLite
-- has one writer at a time, so the order of `seq` is the order of commits).
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    resource    TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    external_id TEXT,
    action      TEXT NOT NULL,
    version     INTEGER,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX changes_resource_idx ON changes (resource, seq);
CREATE INDEX changes_occurred_idx ON changes (occurred_at);
-- The partners a change concerns: the only changes a partner account reads.
CREATE TABLE change_partners (
    seq        INTEGER NOT NULL REFERENCES changes (seq) ON DELETE CASCADE,
    partner_id TEXT NOT NULL,
    PRIMARY KEY (partner_id, seq)
);
CREATE INDEX change_partners_seq_idx ON change_partners (seq);
-- Changes older than CHANGES_RETENTION_DAYS are purged; a cursor before `upto` must resync.
CREATE TABLE changes_purged (
    id   INTEGER PRIMARY KEY,
    upto INTEGER NOT NULL
);
INSERT INTO changes_purged (id, upto) VALUES (1, 0);
