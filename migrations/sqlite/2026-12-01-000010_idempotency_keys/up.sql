-- Idempotency-Key on POST: the first request with a key claims it (status NULL while it runs),
-- then stores its answer, which a retry with the same key and body gets back instead of doing
-- the work again. Keys belong to the caller that sent them.
CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    key          TEXT NOT NULL,
    method_path  TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER,
    content_type TEXT,
    location     TEXT,
    etag         TEXT,
    body         TEXT,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
