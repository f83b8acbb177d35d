-- Moves in the same transaction as any change to the clinic, its locations and opening
-- hours, therapists and their hours, or services: what an instance keeps of the set-up
-- is checked against it, so every instance sees a change at once.
ALTER TABLE clinic ADD COLUMN setup_version BIGINT NOT NULL DEFAULT 0;
