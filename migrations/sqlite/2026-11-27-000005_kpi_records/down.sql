DROP TABLE kpi_records;
DROP TABLE kpi_targets;
