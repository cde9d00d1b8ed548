//! Integration tests: every request goes through the real App (`partnerships::build_app`) and a
//! real database — SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set — each test on a
//! database of its own so the suite runs in parallel.

mod support;

mod access;
mod agreements;
mod audit;
mod auth;
mod calendars;
mod changes;
mod committees;
mod community;
mod contacts;
mod continuum;
mod conventions;
mod faults;
mod guards;
mod hostile;
mod idempotency;
mod kpi_progress;
mod kpi_records;
mod kpis;
mod matrix;
mod metrics;
mod migrations;
mod oneroster;
mod openapi;
mod opportunities;
mod outreach;
mod partners;
mod procedures;
mod relationships;
mod rollups;
mod schools;
mod security;
mod seed;
mod stories;
mod suppression;
mod survey_privacy;
mod text;
mod webhooks;
mod work;
