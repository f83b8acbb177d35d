-- A booking the clinic moved (a day off, a closure or new hours in its way) waits for
-- the client to keep the new time or choose another.
ALTER TABLE appointments ADD COLUMN awaiting_client BIGINT NOT NULL DEFAULT 0;
