-- What a client tells the clinic before their first visit, with their consent (their
-- typed name and when), and when staff last went through it with them.
CREATE TABLE intakes (
    client_id TEXT PRIMARY KEY REFERENCES clients (id) ON DELETE CASCADE,
    running TEXT NOT NULL DEFAULT '',
    goals TEXT NOT NULL DEFAULT '',
    injuries TEXT NOT NULL DEFAULT '',
    current_pain TEXT NOT NULL DEFAULT '',
    pain BIGINT NOT NULL DEFAULT 0 CHECK (pain >= 0 AND pain <= 10),
    medication TEXT NOT NULL DEFAULT '',
    conditions TEXT NOT NULL DEFAULT '',
    -- Reported conditions that hold back pressure, as comma-separated ids.
    flags TEXT NOT NULL DEFAULT '',
    consent_name TEXT NOT NULL,
    consented_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    reviewed_at BIGINT,
    reviewed_by TEXT
);
