-- The student-group catalogue: which groups KPI records may be reported for, and which groups
-- together make up another (the groups sharing `part_of` and `dimension` partition `part_of`).
-- Suppression reads the partitions so that a hidden cell cannot be recovered by subtraction.
CREATE TABLE student_groups (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    part_of    TEXT,
    dimension  TEXT,
    version    BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX student_groups_code_key ON student_groups (code);
INSERT INTO student_groups (id, code, name, part_of, dimension, created_at, updated_at) VALUES
('0192b3c0-0000-7000-8000-000000000101', 'all', 'All students', NULL, NULL, '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000102', 'grade_pk', 'Pre-kindergarten', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000103', 'grade_kg', 'Kindergarten', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000104', 'grade_01', 'Grade 1', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000105', 'grade_02', 'Grade 2', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000106', 'grade_03', 'Grade 3', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000107', 'grade_04', 'Grade 4', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000108', 'grade_05', 'Grade 5', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000109', 'grade_06', 'Grade 6', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000110', 'grade_07', 'Grade 7', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000111', 'grade_08', 'Grade 8', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000112', 'grade_09', 'Grade 9', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000113', 'grade_10', 'Grade 10', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000114', 'grade_11', 'Grade 11', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000115', 'grade_12', 'Grade 12', 'all', 'grade', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000116', 'ell', 'English learners', 'all', 'english_learner', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000117', 'non_ell', 'Not English learners', 'all', 'english_learner', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000118', 'swd', 'Students with disabilities', 'all', 'disability', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000119', 'non_swd', 'Students without disabilities', 'all', 'disability', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000120', 'econ_disadv', 'Economically disadvantaged', 'all', 'economic', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000121', 'non_econ_disadv', 'Not economically disadvantaged', 'all', 'economic', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000122', 'program_participants', 'Program participants', NULL, NULL, '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000123', 'comparison', 'Comparison group', NULL, NULL, '2026-12-01 00:00:00', '2026-12-01 00:00:00');

-- Groups already used by records or targets stay valid: they join the catalogue on their own,
-- part of nothing, for an administrator to place.
INSERT INTO student_groups (id, code, name, created_at, updated_at)
SELECT gen_random_uuid()::text, used.student_group, used.student_group, '2026-12-01 00:00:00', '2026-12-01 00:00:00'
FROM (SELECT student_group FROM kpi_records UNION SELECT student_group FROM kpi_targets) used
WHERE used.student_group NOT IN (SELECT code FROM student_groups);

-- The suppression threshold of one KPI (NULL: KPI_MIN_CELL_SIZE), and the students behind a
-- target's baseline, without which a baseline is hidden from readers of suppressed values.
ALTER TABLE kpi_definitions ADD COLUMN min_cell_size BIGINT;
ALTER TABLE kpi_targets ADD COLUMN baseline_n BIGINT;
