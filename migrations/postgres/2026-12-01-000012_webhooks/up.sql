-- Webhook endpoints: where the district's systems are told of changes. `secret` signs every
-- delivery (Standard Webhooks); it is shown once, at creation. `claimed_until`/`claimed_by`
-- are the delivery lease: one replica sends an endpoint's events at a time, so they arrive in
-- order and never twice concurrently.
CREATE TABLE webhook_endpoints (
    id            TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,
    description   TEXT,
    enabled       BOOLEAN NOT NULL,
    secret        TEXT NOT NULL,
    failing_since TIMESTAMP,
    last_error    TEXT,
    last_error_at TIMESTAMP,
    claimed_until TIMESTAMP,
    claimed_by    TEXT,
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
-- The outbox: one row per event per endpoint, written in the transaction of the change it
-- tells of, numbered under the change feed's lock (so `seq` is commit order).
CREATE TABLE webhook_deliveries (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    retry_from      TIMESTAMP NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
CREATE INDEX webhook_deliveries_queue_idx ON webhook_deliveries (endpoint_id, state, seq);
CREATE INDEX webhook_deliveries_state_idx ON webhook_deliveries (state, created_at);
