-- How much notice an online booking needs, and whether a cancellation came inside the
-- clinic's cancellation window (staff cancelled it for the client at short notice).
ALTER TABLE clinic ADD COLUMN min_notice_hours BIGINT NOT NULL DEFAULT 2;
ALTER TABLE appointments ADD COLUMN cancelled_late BIGINT NOT NULL DEFAULT 0;
