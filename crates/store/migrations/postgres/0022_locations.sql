-- A clinic group with several locations: each has its own address, time zone and
-- opening hours; therapists work at one, a service may be offered at one or at all,
-- and a closure may shut one or all. The clinic row stays the group (its name,
-- rules, policy and the zone runners' calendars are read in).
CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    time_zone TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    position BIGINT NOT NULL DEFAULT 0
);
-- The clinic as it was becomes its first location.
INSERT INTO locations (id, name, address, time_zone, active, position)
SELECT 'main', name, address, time_zone, 1, 0 FROM clinic ORDER BY id LIMIT 1;

-- When a location is open; a location without rows is open whenever its therapists work.
CREATE TABLE location_hours (
    location_id TEXT NOT NULL REFERENCES locations (id),
    weekday BIGINT NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute BIGINT NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute BIGINT NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    PRIMARY KEY (location_id, weekday, start_minute),
    CHECK (end_minute > start_minute)
);

-- Every therapist starts at the first location. (No REFERENCES: SQLite cannot add a
-- referencing column with a default; the store checks the location exists.)
ALTER TABLE therapists ADD COLUMN location_id TEXT NOT NULL DEFAULT 'main';
CREATE INDEX therapists_by_location ON therapists (location_id);
-- NULL: offered at every location.
ALTER TABLE services ADD COLUMN location_id TEXT;
-- NULL: every location is closed.
ALTER TABLE closures ADD COLUMN location_id TEXT;
-- The day-off lookup of slot search filters on the end date across therapists.
CREATE INDEX exceptions_by_end ON exceptions (to_date);
