DROP TABLE kpi_rollups;
