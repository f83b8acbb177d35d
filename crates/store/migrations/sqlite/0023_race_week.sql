-- Race week: an event (a race and the session runners ask for after or before it) and
-- the runners who asked, each with their finish and preferences. An allocation run
-- books the best times for all of them at once, in one transaction; the runners left
-- out wait on the waitlist for their window.
CREATE TABLE race_events (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    race_date TEXT NOT NULL,
    distance_km REAL,
    kind TEXT NOT NULL CHECK (kind IN ('pre_event', 'post_event')),
    service_id TEXT NOT NULL REFERENCES services (id),
    -- When the race starts, minutes after local midnight (finish times count from it).
    start_minute INTEGER NOT NULL DEFAULT 540 CHECK (start_minute BETWEEN 0 AND 1439),
    created_at INTEGER NOT NULL,
    -- The last booking run, when there was one.
    booked_at INTEGER
);
CREATE INDEX race_events_by_date ON race_events (race_date);

CREATE TABLE race_requests (
    event_id TEXT NOT NULL REFERENCES race_events (id),
    client_id TEXT NOT NULL REFERENCES clients (id),
    -- Predicted or recorded finish, Unix seconds; NULL: the race day.
    finish_at INTEGER,
    -- Location ids best first, days ('YYYY-MM-DD') and parts of the day, as JSON lists.
    locations TEXT NOT NULL DEFAULT '[]',
    days TEXT NOT NULL DEFAULT '[]',
    parts TEXT NOT NULL DEFAULT '[]',
    therapist_id TEXT,
    tier TEXT NOT NULL DEFAULT 'standard' CHECK (tier IN ('standard', 'charity', 'elite', 'pre-booked')),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'booked', 'waitlisted', 'withdrawn')),
    appointment_id TEXT REFERENCES appointments (id),
    wait_id TEXT REFERENCES waitlist (id),
    -- Why the runner was left out, in their words.
    reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    -- The order runners asked in (first come, first served is compared in it).
    seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, client_id)
);
CREATE INDEX race_requests_by_state ON race_requests (event_id, state);
CREATE INDEX race_requests_by_client ON race_requests (client_id);

-- A runner left out is told so through the outbox: a message may be about a waitlist
-- entry. SQLite cannot change a CHECK, so the table is rebuilt.
CREATE TABLE outbox_new (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'reminder', 'offer', 'waitlisted')),
    appointment_id TEXT REFERENCES appointments (id) ON DELETE CASCADE,
    offer_id TEXT REFERENCES waitlist_offers (id) ON DELETE CASCADE,
    wait_id TEXT REFERENCES waitlist (id) ON DELETE CASCADE,
    sequence BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    claim TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    CHECK ((appointment_id IS NOT NULL) + (offer_id IS NOT NULL) + (wait_id IS NOT NULL) = 1)
);
INSERT INTO outbox_new (id, kind, appointment_id, offer_id, sequence, state, due_at, attempts,
    claimed_until, claim, last_error, created_at, sent_at)
SELECT id, kind, appointment_id, offer_id, sequence, state, due_at, attempts,
    claimed_until, claim, last_error, created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_by_appointment ON outbox (appointment_id);
CREATE INDEX outbox_by_offer ON outbox (offer_id);
CREATE INDEX outbox_by_wait ON outbox (wait_id);
