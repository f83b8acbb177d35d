-- Homework between visits: a routine from the library given to a client so many times
-- a week (from a session note, or not), and the days the client ticks it done.
CREATE TABLE homework (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    note_id TEXT REFERENCES session_notes (id),
    routine TEXT NOT NULL,
    per_week BIGINT NOT NULL CHECK (per_week BETWEEN 1 AND 14),
    from_date TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX homework_by_client ON homework (client_id, assigned_at);

CREATE TABLE homework_ticks (
    homework_id TEXT NOT NULL REFERENCES homework (id),
    day TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (homework_id, day)
);
