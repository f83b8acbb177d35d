-- Clients waiting for a time in a window none was free in (by default their pre- or
-- post-race window). The window is in absolute seconds: [from_at, until_at).
CREATE TABLE waitlist (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services (id),
    therapist_id TEXT REFERENCES therapists (id),
    from_at BIGINT NOT NULL,
    until_at BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'booked', 'withdrawn')),
    appointment_id TEXT REFERENCES appointments (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    CHECK (until_at > from_at)
);
CREATE INDEX waitlist_waiting ON waitlist (state, until_at);
CREATE INDEX waitlist_by_client ON waitlist (client_id);

-- A freed time offered to a few waiting clients at once: the first to accept books it
-- (the booking's cells decide who was first), the others' offers end as taken.
CREATE TABLE waitlist_offers (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES waitlist (id) ON DELETE CASCADE,
    therapist_id TEXT NOT NULL REFERENCES therapists (id),
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'taken', 'expired', 'declined')),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX waitlist_offers_by_time ON waitlist_offers (therapist_id, start_at);
CREATE INDEX waitlist_offers_open ON waitlist_offers (state, expires_at);
CREATE INDEX waitlist_offers_by_entry ON waitlist_offers (entry_id);

-- Times a cancellation or a move freed while someone waited over them. The waitlist
-- worker deletes each as it takes it, so each is offered once.
CREATE TABLE freed_times (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX freed_times_by_age ON freed_times (created_at);

-- Offers are emailed through the outbox too: a message is about an appointment or an
-- offer.
ALTER TABLE outbox ALTER COLUMN appointment_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN offer_id TEXT REFERENCES waitlist_offers (id) ON DELETE CASCADE;
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'reminder', 'offer'));
ALTER TABLE outbox ADD CONSTRAINT outbox_one_subject
    CHECK ((appointment_id IS NULL) <> (offer_id IS NULL));
CREATE INDEX outbox_by_offer ON outbox (offer_id);
