-- An agreement page reads one window of periods (the last 52 weeks by default) of every KPI and
-- group. Keyed by KPI and group first, that window was spread over the agreement's whole key
-- range (PostgreSQL read every cell's index entry, then sorted); keyed by period first, it is one
-- contiguous range. The latest period of a KPI and group, which the dashboard asks for each
-- target, keeps an index of its own, so that a target without recent records is still one seek.
ALTER TABLE kpi_rollups DROP CONSTRAINT kpi_rollups_pkey;
ALTER TABLE kpi_rollups ADD PRIMARY KEY (agreement_id, period_end, period_start, kpi_id, student_group);
CREATE INDEX kpi_rollups_series ON kpi_rollups (agreement_id, kpi_id, student_group, period_end);
-- Ingest adds to cells that exist; room left in each page lets those updates stay on the page
-- without new index entries (HOT), so the rollup and its indexes bloat less between vacuums.
-- Pages written from now on keep the room; the existing ones stay full until rewritten. The
-- new key and index are built under an exclusive lock on the rollup: agreement pages wait
-- for them while the migration runs.
ALTER TABLE kpi_rollups SET (fillfactor = 80);
