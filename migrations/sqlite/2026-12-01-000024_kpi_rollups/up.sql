-- An agreement's KPI records combined per KPI, student group and period: what an agreement's
-- series reads instead of every school's record. Ingest keeps the cells in the batch's own
-- transaction: it adds the sums of the records a batch inserts to their cells, and recomputes
-- from the records any cell in which a stored record changed, so a cell always equals the sums
-- of its records. (Migration 000026 re-keys the table by period within an agreement.) No
-- foreign keys: records cannot be deleted, and neither can the agreements and KPIs they name
-- (RESTRICT), so a cell never outlives them; the checks would only slow ingest.
CREATE TABLE kpi_rollups (
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
INSERT INTO kpi_rollups
SELECT agreement_key, kpi_id, student_group, period_start, period_end,
    COUNT(*), SUM(n), MIN(n), SUM(value * n), SUM(value),
    SUM(CASE WHEN numerator IS NOT NULL AND denominator IS NOT NULL THEN 1 ELSE 0 END),
    COALESCE(SUM(numerator), 0), COALESCE(SUM(denominator), 0)
FROM kpi_records WHERE agreement_key <> ''
GROUP BY agreement_key, kpi_id, student_group, period_start, period_end;
