-- What is left of an erased client's bookings: counts per day, therapist, service and
-- status, with nothing that names the client.
CREATE TABLE anonymous_visits (
    id TEXT PRIMARY KEY,
    erased_at BIGINT NOT NULL,
    day_at BIGINT NOT NULL,
    therapist_id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    status TEXT NOT NULL,
    visits BIGINT NOT NULL
);
CREATE INDEX anonymous_visits_by_day ON anonymous_visits (day_at);
