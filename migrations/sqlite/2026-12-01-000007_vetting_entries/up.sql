-- A partner's vetting history: every decision (admin, or a client with vetting:decide) and every
-- proposal of evidence (staff, integrations), appended, never edited. The partner's vetting
-- columns hold the latest decision, which is what the rules read.
CREATE TABLE vetting_entries (
    id                          TEXT PRIMARY KEY,
    partner_id                  TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    kind                        TEXT NOT NULL,
    status                      TEXT,
    background_check_on         DATE,
    background_check_expires_on DATE,
    insurance_expires_on        DATE,
    evidence                    TEXT,
    notes                       TEXT,
    recorded_by                 TEXT NOT NULL,
    version                     INTEGER NOT NULL DEFAULT 1,
    created_at                  TIMESTAMP NOT NULL,
    updated_at                  TIMESTAMP NOT NULL
);
CREATE INDEX vetting_entries_partner_idx ON vetting_entries (partner_id, id);
-- The decisions made before the history existed become its first entries (a partner's id is
-- unique, so it serves as the id of its one backfilled entry).
INSERT INTO vetting_entries (id, partner_id, kind, status, background_check_on,
    background_check_expires_on, insurance_expires_on, evidence, notes, recorded_by, version,
    created_at, updated_at)
SELECT id, id, 'decision', vetting_status, background_check_on, background_check_expires_on,
    insurance_expires_on, NULL, vetting_notes, vetting_decided_by, 1, vetting_decided_at,
    vetting_decided_at
FROM partners
WHERE vetting_decided_by IS NOT NULL AND vetting_decided_at IS NOT NULL;
