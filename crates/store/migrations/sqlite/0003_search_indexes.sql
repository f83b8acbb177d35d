-- Slot search reads one day of the whole clinic's bookings at a time.
CREATE INDEX appointments_by_start ON appointments (start_at);

-- The digest of the request an idempotency key booked, so the key answers from the
-- appointment itself and one booking is one write.
ALTER TABLE appointments ADD COLUMN request_hash TEXT;
