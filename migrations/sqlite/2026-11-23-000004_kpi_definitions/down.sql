DROP TABLE kpi_definitions;
