-- Calendar feeds: a secret URL a calendar app polls without a bearer token. Only a digest of
-- the URL's token is kept; the feed shows what its creator may read, with the scopes the
-- creator's token had.
CREATE TABLE calendar_feeds (
    id             TEXT PRIMARY KEY,
    scope          TEXT NOT NULL,
    target_id      TEXT,
    token_digest   TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_token_key ON calendar_feeds (token_digest);
CREATE INDEX calendar_feeds_principal_idx ON calendar_feeds (principal_kind, principal_id);
