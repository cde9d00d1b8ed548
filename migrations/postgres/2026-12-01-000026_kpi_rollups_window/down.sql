ALTER TABLE kpi_rollups RESET (fillfactor);
DROP INDEX kpi_rollups_series;
ALTER TABLE kpi_rollups DROP CONSTRAINT kpi_rollups_pkey;
ALTER TABLE kpi_rollups ADD PRIMARY KEY (agreement_id, kpi_id, student_group, period_end, period_start);
