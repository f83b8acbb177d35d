-- kneadtime store schema, SQLite flavour. Kept column-for-column in step with
-- ../postgres/0001_init.sql: integers are BIGINT-compatible, booleans are 0/1 integers
-- (the sqlx Any driver cannot decode SQLite BOOLEAN), instants are Unix seconds (UTC),
-- civil dates are 'YYYY-MM-DD' text, lists and JSON blobs are text.
-- No triggers, no procedures, no sequences: ids are client-generated hex text.

CREATE TABLE clinic (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    profile_toml TEXT NOT NULL DEFAULT ''
);
INSERT INTO clinic (id, name, time_zone, profile_toml) VALUES ('main', 'Clinic', 'UTC', '');

CREATE TABLE therapists (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    skills TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('pre_event', 'post_event', 'maintenance', 'recovery_phase', 'general')),
    length_min INTEGER NOT NULL CHECK (length_min > 0),
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    pressure_min TEXT NOT NULL CHECK (pressure_min IN ('light', 'moderate', 'deep')),
    pressure_max TEXT NOT NULL CHECK (pressure_max IN ('light', 'moderate', 'deep')),
    buffer_after_min INTEGER NOT NULL DEFAULT 0 CHECK (buffer_after_min >= 0),
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE working_hours (
    therapist_id TEXT NOT NULL REFERENCES therapists (id),
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    PRIMARY KEY (therapist_id, weekday, start_minute),
    CHECK (end_minute > start_minute)
);

CREATE TABLE exceptions (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES therapists (id),
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('holiday', 'sick', 'other')),
    note TEXT NOT NULL DEFAULT '',
    CHECK (to_date >= from_date)
);
CREATE INDEX exceptions_by_therapist ON exceptions (therapist_id, from_date);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    unavailable_weekdays TEXT NOT NULL DEFAULT '[]',
    access_token_hash TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE client_races (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    date TEXT NOT NULL,
    distance_km REAL NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('A', 'B', 'C')),
    name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX client_races_by_client ON client_races (client_id, date);

CREATE TABLE client_calendars (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id),
    filename TEXT NOT NULL,
    content TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX client_calendars_by_client ON client_calendars (client_id, uploaded_at);

CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES therapists (id),
    client_id TEXT NOT NULL REFERENCES clients (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    start_at INTEGER NOT NULL,
    end_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'completed', 'no_show')),
    override_reason TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    idempotency_key TEXT UNIQUE,
    CHECK (end_at > start_at)
);
CREATE INDEX appointments_by_therapist ON appointments (therapist_id, start_at);
CREATE INDEX appointments_by_client ON appointments (client_id, start_at);

-- The no-double-booking guarantee: one row per occupied 5-minute cell per therapist.
CREATE TABLE appointment_cells (
    therapist_id TEXT NOT NULL REFERENCES therapists (id),
    cell_start INTEGER NOT NULL,
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    PRIMARY KEY (therapist_id, cell_start)
);
CREATE INDEX appointment_cells_by_appointment ON appointment_cells (appointment_id);

CREATE TABLE session_notes (
    id TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES appointments (id),
    findings TEXT NOT NULL DEFAULT '[]',
    pressure_used TEXT CHECK (pressure_used IN ('light', 'moderate', 'deep')),
    techniques TEXT NOT NULL DEFAULT '[]',
    homework_given TEXT NOT NULL DEFAULT '',
    homework_done INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX session_notes_by_appointment ON session_notes (appointment_id);

CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'therapist')),
    therapist_id TEXT REFERENCES therapists (id),
    password_hash TEXT NOT NULL
);

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id TEXT REFERENCES staff (id),
    client_id TEXT REFERENCES clients (id),
    csrf_token TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    CHECK ((staff_id IS NULL) <> (client_id IS NULL))
);
CREATE INDEX web_sessions_by_expiry ON web_sessions (expires_at);

CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE rate_limits (
    bucket TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL
);
