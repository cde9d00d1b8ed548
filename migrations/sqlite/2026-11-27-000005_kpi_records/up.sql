-- What an agreement aims for on a KPI, for one student group: from a baseline to a target.
CREATE TABLE kpi_targets (
    id                    TEXT PRIMARY KEY,
    agreement_id          TEXT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    kpi_id                TEXT NOT NULL REFERENCES kpi_definitions (id) ON DELETE RESTRICT,
    student_group         TEXT NOT NULL,
    baseline_value        REAL,
    baseline_period_start DATE,
    baseline_period_end   DATE,
    target_value          REAL NOT NULL,
    target_date           DATE NOT NULL,
    notes                 TEXT,
    version               INTEGER NOT NULL DEFAULT 1,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX kpi_targets_key ON kpi_targets (agreement_id, kpi_id, student_group);

-- Aggregate KPI values only: there is no column for a student. agreement_key is agreement_id or
-- '' so the natural key is unique with and without an agreement on both databases (NULLs are
-- distinct in a unique index).
CREATE TABLE kpi_records (
    id            TEXT PRIMARY KEY,
    kpi_id        TEXT NOT NULL REFERENCES kpi_definitions (id) ON DELETE RESTRICT,
    school_id     TEXT NOT NULL REFERENCES schools (id) ON DELETE RESTRICT,
    agreement_id  TEXT REFERENCES agreements (id) ON DELETE RESTRICT,
    agreement_key TEXT NOT NULL DEFAULT '',
    student_group TEXT NOT NULL,
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    value         REAL NOT NULL,
    n             INTEGER NOT NULL,
    numerator     REAL,
    denominator   REAL,
    source        TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CHECK (period_end >= period_start),
    CHECK (n >= 0)
);
-- The natural key, ordered so it also serves an agreement's series and the latest period of a
-- target (agreement, KPI, group, then period): one index fewer to maintain on ingest.
CREATE UNIQUE INDEX kpi_records_natural_key
    ON kpi_records (agreement_key, kpi_id, student_group, period_end, period_start, school_id);
CREATE INDEX kpi_records_school_idx ON kpi_records (school_id, period_end);
