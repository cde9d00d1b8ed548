//! What shows a partnership works: the KPI catalogue, student groups, targets, aggregate KPI records and their ingest, and progress against baseline and target.

pub mod kpi_definitions;
pub mod kpi_progress;
pub mod kpi_records;
pub mod kpi_targets;
pub mod student_groups;
