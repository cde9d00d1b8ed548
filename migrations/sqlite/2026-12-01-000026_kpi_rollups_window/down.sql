CREATE TABLE kpi_rollups_by_series (
    agreement_id  TEXT NOT NULL,
    kpi_id        TEXT NOT NULL,
    student_group TEXT NOT NULL,
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    records       INTEGER NOT NULL,
    n             INTEGER NOT NULL,
    min_n         INTEGER NOT NULL,
    weighted      REAL NOT NULL,
    value_sum     REAL NOT NULL,
    with_ratio    INTEGER NOT NULL,
    numerator     REAL NOT NULL,
    denominator   REAL NOT NULL,
    PRIMARY KEY (agreement_id, kpi_id, student_group, period_end, period_start)
) WITHOUT ROWID;
INSERT INTO kpi_rollups_by_series SELECT * FROM kpi_rollups;
DROP TABLE kpi_rollups;
ALTER TABLE kpi_rollups_by_series RENAME TO kpi_rollups;
