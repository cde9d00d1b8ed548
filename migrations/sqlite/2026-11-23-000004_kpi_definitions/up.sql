-- The catalogue of metrics a district tracks (aggregates only). `aggregation` says how values
-- combine across schools and groups: weighted_mean (by n), sum, or rate (Σnumerator/Σdenominator).
CREATE TABLE kpi_definitions (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    unit        TEXT NOT NULL,
    direction   TEXT NOT NULL,
    aggregation TEXT NOT NULL,
    min_value   REAL,
    max_value   REAL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value)
);
CREATE UNIQUE INDEX kpi_definitions_code_key ON kpi_definitions (code);
INSERT INTO kpi_definitions (id, code, name, description, unit, direction, aggregation, min_value, max_value, created_at, updated_at) VALUES
('0192b3c0-0000-7000-8000-000000000101', 'attendance_rate', 'Attendance rate', 'Share of enrolled days attended.', 'percent', 'higher_is_better', 'rate', 0, 100, '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000102', 'chronic_absence_rate', 'Chronic absence rate', 'Share of students missing 10% or more of enrolled days.', 'percent', 'lower_is_better', 'rate', 0, 100, '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000103', 'course_pass_rate', 'Course pass rate', 'Share of course enrollments passed.', 'percent', 'higher_is_better', 'rate', 0, 100, '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000104', 'engagement_index', 'Engagement index', 'Mean score of the district engagement survey.', 'score', 'higher_is_better', 'weighted_mean', 0, 5, '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000105', 'students_served', 'Students served', 'Students who took part in partnership activities.', 'count', 'higher_is_better', 'sum', 0, NULL, '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000106', 'volunteer_hours', 'Volunteer hours', 'Hours partners volunteered with students.', 'hours', 'higher_is_better', 'sum', 0, NULL, '2026-11-23 00:00:00', '2026-11-23 00:00:00'),
('0192b3c0-0000-7000-8000-000000000107', 'average_gpa', 'Average GPA', 'Mean grade point average.', 'score', 'higher_is_better', 'weighted_mean', 0, 5, '2026-11-23 00:00:00', '2026-11-23 00:00:00');
