-- Messages to clients, written in the same transaction as the booking change they tell
-- of, and sent by a worker in every instance. A worker claims a message by setting
-- claimed_until in a guarded UPDATE, so two instances never hold the same one at once.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'reminder')),
    appointment_id TEXT NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
    -- The appointment's sequence when the message was queued: a reminder for an
    -- appointment moved since is not sent, and invitations carry it as SEQUENCE.
    sequence BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
    due_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    claim TEXT,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (state, due_at);
CREATE INDEX outbox_by_appointment ON outbox (appointment_id);

-- Rises on every reschedule and cancellation, for calendar invitations.
ALTER TABLE appointments ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;

-- What clients are told: where the clinic is, how early it reminds them, and how late
-- they may still cancel or move a booking themselves.
ALTER TABLE clinic ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN reminder_hours BIGINT NOT NULL DEFAULT 24;
ALTER TABLE clinic ADD COLUMN cancel_window_hours BIGINT NOT NULL DEFAULT 24;
