-- Slot search reads one day of the whole clinic's bookings at a time.
CREATE INDEX appointments_by_start ON appointments (start_at);
