ALTER TABLE kpi_targets DROP COLUMN baseline_n;
ALTER TABLE kpi_definitions DROP COLUMN min_cell_size;
DROP TABLE student_groups;
