-- Staff who asked for their day by email each morning, and the days already sent: the
-- key lets one instance of many take each (staff, day).
ALTER TABLE staff ADD COLUMN daily_email BIGINT NOT NULL DEFAULT 0;
CREATE TABLE daily_schedules (
    staff_id TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (staff_id, day)
);
