-- An agreement page reads one window of periods (the last 52 weeks by default) of every KPI and
-- group. Keyed by KPI and group first, that window was spread over the agreement's whole key
-- range; keyed by period first, it is one contiguous range of the table. The latest period of a
-- KPI and group, which the dashboard asks for each target, keeps an index of its own.
CREATE TABLE kpi_rollups_by_period (
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
    PRIMARY KEY (agreement_id, period_end, period_start, kpi_id, student_group)
) WITHOUT ROWID;
INSERT INTO kpi_rollups_by_period SELECT * FROM kpi_rollups;
DROP TABLE kpi_rollups;
ALTER TABLE kpi_rollups_by_period RENAME TO kpi_rollups;
CREATE INDEX kpi_rollups_series ON kpi_rollups (agreement_id, kpi_id, student_group, period_end);
