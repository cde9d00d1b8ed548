-- The district's catalogue of needs that families and partners name in needs assessments, each
-- with the partner offerings that address it (data: administrators change the mapping).
CREATE TABLE need_categories (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    offerings   TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX need_categories_code_key ON need_categories (code);
INSERT INTO need_categories (id, code, name, offerings, created_at, updated_at) VALUES
('0192b3c0-0000-7000-8000-000000000201', 'internet_access', 'Internet access', ',internet_access,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000202', 'meeting_space', 'Meeting space', ',facility,meeting_space,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000203', 'tutoring', 'Tutoring', ',mentoring,tutoring,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000204', 'food', 'Food', ',in_kind,food_support,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000205', 'childcare', 'Childcare', ',childcare,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000206', 'transportation', 'Transportation', ',transportation,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000207', 'language_support', 'Language support', ',language_support,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000208', 'health', 'Health', ',health_services,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000209', 'employment', 'Employment', ',apprenticeship,internship,job_shadowing,', '2026-12-01 00:00:00', '2026-12-01 00:00:00'),
('0192b3c0-0000-7000-8000-000000000210', 'adult_learning', 'Adult learning', ',adult_learning,', '2026-12-01 00:00:00', '2026-12-01 00:00:00');
