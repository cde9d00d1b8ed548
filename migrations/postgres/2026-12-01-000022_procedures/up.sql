-- Standard operating procedures: Markdown for teachers, partners, families or staff, tagged,
-- linked to continuum levels and agreements (sets written ",a,b,"), with every version kept
-- whole in procedure_versions for history and diffs.
CREATE TABLE procedures (
    id                  TEXT PRIMARY KEY,
    title               TEXT NOT NULL,
    audience            TEXT NOT NULL,
    body                TEXT NOT NULL,
    tags                TEXT NOT NULL,
    continuum_level_ids TEXT NOT NULL,
    agreement_ids       TEXT NOT NULL,
    version             BIGINT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX procedures_audience_idx ON procedures (audience);

CREATE TABLE procedure_versions (
    procedure_id TEXT NOT NULL,
    version      BIGINT NOT NULL,
    snapshot     TEXT NOT NULL,
    action       TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (procedure_id, version)
);
