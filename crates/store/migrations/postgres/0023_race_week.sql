-- Race week: an event (a race and the session runners ask for after or before it) and
-- the runners who asked, each with their finish and preferences. An allocation run
-- books the best times for all of them at once, in one transaction; the runners left
-- out wait on the waitlist for their window.
CREATE TABLE race_events (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    race_date TEXT NOT NULL,
    distance_km DOUBLE PRECISION,
    kind TEXT NOT NULL CHECK (kind IN ('pre_event', 'post_event')),
    service_id TEXT NOT NULL REFERENCES services (id),
    -- When the race starts, minutes after local midnight (finish times count from it).
    start_minute BIGINT NOT NULL DEFAULT 540 CHECK (start_minute BETWEEN 0 AND 1439),
    created_at BIGINT NOT NULL,
    -- The last booking run, when there was one.
    booked_at BIGINT
);
CREATE INDEX race_events_by_date ON race_events (race_date);

CREATE TABLE race_requests (
    event_id TEXT NOT NULL REFERENCES race_events (id),
    client_id TEXT NOT NULL REFERENCES clients (id),
    -- Predicted or recorded finish, Unix seconds; NULL: the race day.
    finish_at BIGINT,
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
    created_at BIGINT NOT NULL,
    -- The order runners asked in (first come, first served is compared in it).
    seq BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, client_id)
);
CREATE INDEX race_requests_by_state ON race_requests (event_id, state);
CREATE INDEX race_requests_by_client ON race_requests (client_id);

-- A runner left out is told so through the outbox: a message may be about a waitlist
-- entry.
ALTER TABLE outbox ADD COLUMN wait_id TEXT REFERENCES waitlist (id) ON DELETE CASCADE;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'reminder', 'offer', 'waitlisted'));
ALTER TABLE outbox DROP CONSTRAINT outbox_one_subject;
ALTER TABLE outbox ADD CONSTRAINT outbox_one_subject
    CHECK ((CASE WHEN appointment_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN offer_id IS NULL THEN 0 ELSE 1 END)
         + (CASE WHEN wait_id IS NULL THEN 0 ELSE 1 END) = 1);
CREATE INDEX outbox_by_wait ON outbox (wait_id);
