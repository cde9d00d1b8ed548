-- Success stories: Markdown written by staff, published (with the consent of those in it) to
-- the public showcase and its Atom feed. `partner_ids` and `school_ids` are sets written
-- ",a,b,"; `highlight` names one KPI series of the story's agreement (JSON); `media_urls`
-- is a JSON array.
CREATE TABLE stories (
    id                TEXT PRIMARY KEY,
    title             TEXT NOT NULL,
    slug              TEXT NOT NULL,
    summary           TEXT,
    body              TEXT NOT NULL,
    agreement_id      TEXT REFERENCES agreements (id),
    partner_ids       TEXT NOT NULL,
    school_ids        TEXT NOT NULL,
    highlight         TEXT,
    media_urls        TEXT NOT NULL,
    consent_confirmed BOOLEAN NOT NULL,
    status            TEXT NOT NULL,
    published_at      TIMESTAMP,
    version           INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX stories_slug_key ON stories (slug);
CREATE INDEX stories_published_idx ON stories (status, published_at);
